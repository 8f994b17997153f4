// Command-line parsing for every subcommand: util.parseArgs (strict), MUXD_* environment fallbacks, one help layout.
import { parseArgs } from 'node:util';
import { InvalidOptionError, UsageError } from '../errors.js';
import type { OptionSpec } from '../options.js';

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
}

/** Parsed values: flags by name (strings, booleans or undefined) plus positionals. */
export interface ParsedCommand {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  help: boolean;
}

const helpOption: OptionSpec = { type: 'boolean', short: 'h', description: 'Show this help and exit.' };

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

/**
 * Parses argv for one command. Precedence: flag, then `MUXD_<FLAG>` environment variable, then default.
 * A `--no-<flag>` form is accepted for boolean flags that default to true.
 */
export function parseCommand(spec: CommandSpec, argv: string[], env: NodeJS.ProcessEnv = process.env): ParsedCommand {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, o] of Object.entries({ ...spec.options, help: helpOption })) {
    options[name] = o.short ? { type: o.type, short: o.short } : { type: o.type };
    if (o.multiple === true) options[name].multiple = true;
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
  const values: Record<string, string | boolean | string[] | undefined> = {};
  for (const [name, o] of Object.entries(spec.options)) {
    const fromFlag = (parsed.values as Record<string, string | boolean | string[] | undefined>)[name];
    const fromEnv = env[envName(name)];
    if (fromFlag !== undefined) values[name] = fromFlag;
    else if (fromEnv !== undefined) values[name] = o.type === 'boolean' ? parseEnvBoolean(envName(name), fromEnv) : o.multiple === true ? [fromEnv] : fromEnv;
    else values[name] = o.default;
  }
  const help = parsed.values.help === true;
  if (!help && parsed.positionals.length > spec.maxPositionals) {
    throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[spec.maxPositionals])}`);
  }
  return { values, positionals: parsed.positionals, help };
}

/** Renders the one help layout: Usage / Options / Examples. */
export function renderHelp(spec: CommandSpec): string {
  const rows = Object.entries({ ...spec.options, help: helpOption }).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? (o.bareValue !== undefined ? `[=${o.arg ?? 'VALUE'}]` : ` ${o.arg ?? 'VALUE'}`) : ''}`;
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
    `Every option can also be set as an environment variable: --max-conns is ${envName('max-conns')}.`,
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
  if (!parsed.help) return parsed;
  process.stdout.write(renderHelp(spec));
  return null;
}
