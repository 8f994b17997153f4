// Command-line parsing for every subcommand: util.parseArgs (strict), MUXD_* environment fallbacks, one help layout.
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import type { OptionSpec, OptionValues } from '../options.js';
import { configValues, readConfigFile } from '../config.js';
import type { ConfigFile, ConfigSectionRead } from '../config.js';
import { configureDiagnostics } from '../logger.js';
import type { DiagnosticsSettings } from '../logger.js';
import { diagnosticFlags, diagnosticsFrom } from './diag-flags.js';
import { envName, envNamesFor, envValue, shortNameApplies } from './env.js';
import type { EnvScope } from './env.js';

export type { OptionSpec } from '../options.js';
export { intOption, choiceOption, stringOption, boolOption, listOption } from '../options.js';

/** Everything needed to parse and document one subcommand. */
export interface CommandSpec {
  name: string;
  summary: string;
  /** Usage line after `muxd `, e.g. `serve [options] [DIR]`. */
  usage: string;
  options: Record<string, OptionSpec>;
  examples: string[];
  /** Highest number of positionals accepted. */
  maxPositionals: number;
  /** The config file sections this command reads (it then takes `--config FILE`); absent: no config file. */
  config?: readonly ConfigSectionRead[];
}

/** Parsed values: flags by name (strings, booleans, lists or undefined) plus positionals. */
export interface ParsedCommand {
  values: OptionValues;
  positionals: string[];
  help: boolean;
  /** Structured settings from the config file that are no flag (`headers`), by key. */
  structured: Record<string, unknown>;
  /** The config file read (as named in messages), or null. */
  configFile: string | null;
  /** The config file read, or null. */
  config: ConfigFile | null;
  /** Where each flag's value came from. */
  origins: Record<string, Origin>;
  /** `--log-level` and `--diag-format` (every command takes them). */
  diagnostics: DiagnosticsSettings;
}

const helpOption: OptionSpec = { type: 'boolean', short: 'h', description: 'Show this help and exit.' };

/** `--config FILE`, taken by every command that reads the config file. */
const configOption: OptionSpec = {
  type: 'string',
  arg: 'FILE',
  description: 'Read settings from FILE (default: muxd.json in the working directory, if present); flags and MUXD_* variables win over it.',
};

/** Every flag of a command as parsed: its own, `--config` when it reads the file, the diagnostics flags and `--help`. */
function allOptions(spec: CommandSpec): Record<string, OptionSpec> {
  return spec.config ? { ...spec.options, config: configOption, ...diagnosticFlags, help: helpOption } : { ...spec.options, ...diagnosticFlags, help: helpOption };
}

/** Where a parsed value came from: a flag, a variable (named), the config file (its path and `section.key`) or the default. */
export type Origin =
  | { kind: 'flag' }
  | { kind: 'env'; name: string }
  | { kind: 'file'; file: string; key: string }
  | { kind: 'default' };

/** How a value's origin is named in messages: `--port`, `MUXD_SERVE_PORT` or `muxd.json: serve.port`. */
export function originLabel(flag: string, origin: Origin | undefined): string {
  if (origin?.kind === 'env') return origin.name;
  if (origin?.kind === 'file') return `${origin.file}: ${origin.key}`;
  return `--${flag}`;
}

/** The variable scopes of a command: its config sections (MUXD_SERVE_*, …), or just its own name (MUXD_SEND_*). */
function envScopes(spec: CommandSpec): readonly EnvScope[] {
  return spec.config ?? [{ name: spec.name, specs: spec.options }];
}

/** The variables that set `--config`: the command's own, then the short one. */
function configVariables(spec: CommandSpec): string[] {
  return [envName('config', spec.name), envName('config')];
}

/**
 * Parses argv for one command. Precedence: flag, then environment variable (see {@link envNamesFor}: the
 * command's scoped `MUXD_<COMMAND>_<FLAG>` before the short `MUXD_<FLAG>`), then the config file (when the command
 * reads one), then default. A `--no-<flag>` form is accepted for boolean flags that default to true.
 */
export function parseCommand(spec: CommandSpec, argv: string[], env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): ParsedCommand {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, o] of Object.entries(allOptions(spec))) {
    options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  const args = argv.map((a) => {
    const o = spec.options[a.slice(2)];
    return a.startsWith('--') && o?.bareValue !== undefined ? `${a}=${o.bareValue}` : a;
  });
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional.*$/s, ''));
  }
  const flags = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const help = flags.help === true;
  let fromConfig: OptionValues = {};
  let configKeys: Record<string, string> = {};
  let structured: Record<string, unknown> = {};
  let config: ConfigFile | null = null;
  const origins: Record<string, Origin> = {};
  if (spec.config && !help) {
    const variable = configVariables(spec).find((v) => env[v]);
    const explicit = typeof flags.config === 'string' ? flags.config : variable !== undefined ? env[variable] : undefined;
    config = readConfigFile(explicit, cwd);
    if (config !== null) origins.config = typeof flags.config === 'string' ? { kind: 'flag' } : variable !== undefined ? { kind: 'env', name: variable } : { kind: 'default' };
    if (config !== null) ({ values: fromConfig, structured, keys: configKeys } = configValues(config, spec.config));
  }
  const values: OptionValues = {};
  const scopes = envScopes(spec);
  for (const [name, o] of Object.entries(spec.options)) {
    const fromFlag = flags[name];
    const variable = envNamesFor(spec.name, scopes, name).find((v) => env[v] !== undefined);
    if (fromFlag !== undefined) {
      values[name] = fromFlag;
      origins[name] = { kind: 'flag' };
    } else if (variable !== undefined) {
      values[name] = envValue(variable, o, env[variable] as string);
      origins[name] = { kind: 'env', name: variable };
    } else if (fromConfig[name] !== undefined && config !== null) {
      values[name] = fromConfig[name];
      origins[name] = { kind: 'file', file: config.file, key: configKeys[name] ?? name };
    } else {
      values[name] = o.default;
      origins[name] = { kind: 'default' };
    }
  }
  // The file in use, by absolute path: uploads never write it.
  if (config !== null) values.config = config.path;
  if (!help && parsed.positionals.length > spec.maxPositionals) {
    throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[spec.maxPositionals])}`);
  }
  return { values, positionals: parsed.positionals, help, structured, configFile: config?.file ?? null, config, origins, diagnostics: diagnosticsFrom(flags, env) };
}

/** The help's paragraph on environment variables: the scoped names, the short ones, and which flags lack a short one. */
function envHelp(spec: CommandSpec): string {
  const flags = Object.keys(spec.options);
  const example = flags.find((n) => shortNameApplies(spec.name, n)) ?? flags[0] ?? 'help';
  const scopedOnly = flags.filter((n) => !shortNameApplies(spec.name, n));
  const others = (spec.config ?? []).filter((s) => s.name !== spec.name).map((s) => envName('*', s.name));
  return [
    `Environment: every option can be set as ${envName('<flag>', spec.name)} (--${example} is ${envName(example, spec.name)}), which wins over the short ${envName(example)}`,
    scopedOnly.length > 0 ? `; ${scopedOnly.map((n) => `--${n}`).join(', ')} ${scopedOnly.length === 1 ? 'has' : 'have'} only the long name (the short one belongs to other commands)` : '',
    others.length > 0 ? `; ${others.join(' and ')} apply too, below ${envName('', spec.name)}*` : '',
    spec.config ? `. The config file's "${spec.name}" section sets them too; flags and variables win over it.` : '.',
  ].join('');
}

/** Renders the one help layout: Usage / Options / Examples. */
export function renderHelp(spec: CommandSpec): string {
  const rows = Object.entries(allOptions(spec)).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? (o.bareValue !== undefined ? `[=${o.arg ?? 'VALUE'}]` : ` ${o.arg ?? 'VALUE'}`) : ''}${o.multiple ? ' ...' : ''}`;
    const def = o.default !== undefined && o.default !== false ? ` (default: ${String(o.default)})` : '';
    return [flag, `${o.description}${def}`] as const;
  });
  const width = Math.min(34, Math.max(...rows.map(([f]) => f.length)) + 2);
  const lines = [
    `Usage: muxd ${spec.usage}`,
    '',
    spec.summary,
    '',
    'Options:',
    ...rows.map(([f, d]) => `  ${f.padEnd(width)}${f.length >= width ? `\n  ${' '.repeat(width)}` : ''}${d}`),
    '',
    envHelp(spec),
    '',
    'Examples:',
    ...spec.examples.map((e) => `  ${e}`),
    '',
  ];
  return lines.join('\n');
}

/** Parses `[HOST:]PORT` (IPv6 in brackets) with a default host. */
export function parseHostPort(raw: string, defaultHost = '127.0.0.1'): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]:|([^:]+):)?(\d{1,5})$/.exec(raw);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 1 || port > 65535) throw new UsageError(`expected [HOST:]PORT, not ${JSON.stringify(raw)}`);
  return { host: m[1] ?? m[2] ?? defaultHost, port };
}

/** The origins of the command being run, so that an error about a value names where it came from. */
let runningOrigins: Record<string, Origin> = {};

/**
 * Rewrites each `--flag` in an option error's message into where that flag's value came from, when that was a
 * variable or the config file: `--port must be…` becomes `MUXD_SERVE_PORT must be…`.
 */
export function explainOrigins(message: string, origins: Record<string, Origin> = runningOrigins): string {
  return message.replace(/(?<![\w-])--([a-z][a-z0-9-]*)/g, (whole, flag: string) => {
    const origin = origins[flag];
    return origin?.kind === 'env' || origin?.kind === 'file' ? originLabel(flag, origin) : whole;
  });
}

/**
 * Parses argv; on `--help` prints the command's help and returns null (the caller just returns). Says on stderr
 * which config file it read, so a file nobody announced never applies silently.
 */
export function parseOrHelp(spec: CommandSpec, argv: string[], env: NodeJS.ProcessEnv = process.env): ParsedCommand | null {
  const parsed = parseCommand(spec, argv, env);
  configureDiagnostics(parsed.diagnostics);
  runningOrigins = parsed.origins;
  if (parsed.help) {
    process.stdout.write(renderHelp(spec));
    return null;
  }
  if (parsed.config !== null) {
    const how = parsed.config.discovered ? 'found in the working directory' : `named by ${originLabel('config', parsed.origins.config)}`;
    process.stderr.write(`muxd ${spec.name}: settings from ${parsed.config.path} (${how})\n`);
  }
  return parsed;
}
