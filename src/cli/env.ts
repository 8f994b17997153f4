// MUXD_* environment variables: which variables set a command's flag, in precedence order, and how their text is read.
import { InvalidOptionError } from '../errors.js';
import type { OptionSpec } from '../options.js';

/**
 * One scope of variables a command reads: `MUXD_<NAME>_<KEY>` for every key of `specs`, each setting the
 * command's flag of the same name (or `rename[key]`; null: not read). The scopes of a command with a config file
 * are its config sections, so `MUXD_SERVE_PORT` and the file's `serve.port` set the same flag.
 */
export interface EnvScope {
  name: string;
  specs: Record<string, OptionSpec>;
  rename?: Record<string, string | null>;
}

/**
 * Flag names that mean different settings in different commands, and the commands whose flag the short
 * `MUXD_<FLAG>` sets. Every other command reads only its scoped name for that flag (`MUXD_COLLECT_PORT`,
 * `MUXD_BENCH_PORT`, `MUXD_SEND_TLS`), so a variable exported for one command never changes or breaks another.
 * A test fails when two commands share a flag name with different specs and the name is missing here.
 */
export const SHORT_NAME_COMMANDS: Readonly<Record<string, readonly string[]>> = {
  // The HTTP server's address and certificate: collect's listener is MUXD_COLLECT_*, bench's target MUXD_BENCH_*.
  host: ['serve', 'up'],
  port: ['serve', 'up'],
  'tls-cert': ['serve', 'up'],
  'tls-key': ['serve', 'up'],
  // serve's `--tls auto`; send's `--tls` is a switch (MUXD_SEND_TLS).
  tls: ['serve', 'up'],
  // Only serve runs workers (up refuses --workers: its journal needs one writer), so MUXD_WORKERS never stops up.
  workers: ['serve'],
  // The same meaning wherever it appears: a cap on this command's own listeners, or a client's window and reply timeout.
  'max-conns': ['serve', 'collect', 'up'],
  window: ['send', 'bench'],
  timeout: ['send', 'bench'],
  json: ['tail', 'bench'],
};

/** `max-conns` → `MUXD_MAX_CONNS`; with a scope, `serve` → `MUXD_SERVE_MAX_CONNS`. */
export function envName(flag: string, scope?: string): string {
  const upper = (s: string): string => s.toUpperCase().replaceAll('-', '_');
  return scope === undefined ? `MUXD_${upper(flag)}` : `MUXD_${upper(scope)}_${upper(flag)}`;
}

/** True when the short `MUXD_<FLAG>` sets `flag` of `command`. */
export function shortNameApplies(command: string, flag: string): boolean {
  const owners = SHORT_NAME_COMMANDS[flag];
  return owners === undefined || owners.includes(command);
}

/**
 * The variables that may set `flag` of `command`, highest precedence first: the scoped names of the later scopes
 * before the earlier ones (`up` reads MUXD_UP_*, then MUXD_SERVE_*, then MUXD_COLLECT_*), then the short name
 * when {@link shortNameApplies}.
 */
export function envNamesFor(command: string, scopes: readonly EnvScope[], flag: string): string[] {
  const names: string[] = [];
  for (const scope of [...scopes].reverse()) {
    for (const key of Object.keys(scope.specs)) {
      const target = scope.rename && key in scope.rename ? scope.rename[key] : key;
      if (target === flag) names.push(envName(key, scope.name));
    }
  }
  if (shortNameApplies(command, flag)) names.push(envName(flag));
  return [...new Set(names)];
}

function parseEnvBoolean(variable: string, raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
  throw new InvalidOptionError(`${variable} must be true or false, not ${JSON.stringify(raw)}`);
}

/** Reads one variable as the flag `spec` describes; a repeatable flag takes one value per line. Errors name the variable. */
export function envValue(variable: string, spec: OptionSpec, raw: string): string | boolean | string[] {
  if (spec.type === 'boolean') return parseEnvBoolean(variable, raw);
  if (spec.multiple) return raw.split(/\r?\n/).filter((l) => l.trim() !== '');
  return raw;
}
