// Command-line parsing for every subcommand: util.parseArgs (strict), MUXD_* environment fallbacks, one help layout.
import { parseArgs } from 'node:util';
import { InvalidOptionError, UsageError } from '../errors.js';
import type { OptionSpec, OptionValues } from '../options.js';
import { configValues, readConfigFile } from '../config.js';
import type { ConfigSectionRead } from '../config.js';
import { configureDiagnostics } from '../logger.js';
import type { DiagnosticsSettings } from '../logger.js';
import { diagnosticFlags, diagnosticsFrom } from './diag-flags.js';

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
  /** The config file read, or null. */
  configFile: string | null;
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

/** `max-conns` → `MUXD_MAX_CONNS`. */
export function envName(flag: string): string {
  return `MUXD_${flag.toUpperCase().replaceAll('-', '_')}`;
}

function parseEnvBoolean(name: string, raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
  throw new InvalidOptionError(`${name} must be true or false, not ${JSON.stringify(raw)}`);
}

/** Reads one flag's `MUXD_<FLAG>` variable; a repeatable flag takes one value per line. */
function envValue(name: string, o: OptionSpec, raw: string): string | boolean | string[] {
  if (o.type === 'boolean') return parseEnvBoolean(envName(name), raw);
  if (o.multiple) return raw.split(/\r?\n/).filter((l) => l.trim() !== '');
  return raw;
}

/**
 * Parses argv for one command. Precedence: flag, then `MUXD_<FLAG>` environment variable, then the config file
 * (when the command reads one), then default. A `--no-<flag>` form is accepted for boolean flags that default to true.
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
  let structured: Record<string, unknown> = {};
  let configFile: string | null = null;
  if (spec.config && !help) {
    const explicit = typeof flags.config === 'string' ? flags.config : env[envName('config')] || undefined;
    const file = readConfigFile(explicit, cwd);
    if (file !== null) {
      ({ values: fromConfig, structured } = configValues(file, spec.config));
      configFile = file.file;
    }
  }
  const values: OptionValues = {};
  for (const [name, o] of Object.entries(spec.options)) {
    const fromFlag = flags[name];
    const fromEnv = env[envName(name)];
    if (fromFlag !== undefined) values[name] = fromFlag;
    else if (fromEnv !== undefined) values[name] = envValue(name, o, fromEnv);
    else if (fromConfig[name] !== undefined) values[name] = fromConfig[name];
    else values[name] = o.default;
  }
  if (!help && parsed.positionals.length > spec.maxPositionals) {
    throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[spec.maxPositionals])}`);
  }
  return { values, positionals: parsed.positionals, help, structured, configFile, diagnostics: diagnosticsFrom(flags, env) };
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
    `Every option can also be set as an environment variable: --max-conns is ${envName('max-conns')}${spec.config ? `, and in the "${spec.name}" section of the config file` : ''}.`,
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

/** Parses argv; on `--help` prints the command's help and returns null (the caller just returns). */
export function parseOrHelp(spec: CommandSpec, argv: string[], env: NodeJS.ProcessEnv = process.env): ParsedCommand | null {
  const parsed = parseCommand(spec, argv, env);
  configureDiagnostics(parsed.diagnostics);
  if (!parsed.help) return parsed;
  process.stdout.write(renderHelp(spec));
  return null;
}
