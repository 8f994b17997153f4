// The config file (muxd.json): reading it, validating each command's section against its flag specs, and the JSON Schema.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidOptionError } from './errors.js';
import type { OptionSpec, OptionValues } from './options.js';

/** The file read from the working directory when no `--config` is given. */
export const CONFIG_FILE_NAME = 'muxd.json';

/** The top-level keys of a config file: one section per command, plus the editor's `$schema`. */
export const CONFIG_SECTION_NAMES = ['serve', 'collect', 'up'] as const;

/** Keys a section may hold that are no flag: structured settings (`headers` rules by glob). */
export const STRUCTURED_KEYS = { serve: ['headers'], collect: [], up: ['headers'] } as const satisfies Record<(typeof CONFIG_SECTION_NAMES)[number], readonly string[]>;

/** One section of the file that a command reads, and how its keys map onto that command's flags. */
export interface ConfigSectionRead {
  name: (typeof CONFIG_SECTION_NAMES)[number];
  /** The flags this section may hold (the section's own command's flags). */
  specs: Record<string, OptionSpec>;
  /** Key → the running command's flag it sets (null: ignored), for keys whose name differs there. */
  rename?: Record<string, string | null>;
}

/** A parsed config file. */
export interface ConfigFile {
  /** The path as given, or `muxd.json` (for messages). */
  file: string;
  /** The absolute path it was read from (announced at startup). */
  path: string;
  /** True when found in the working directory rather than named by `--config`/`MUXD_CONFIG`: see {@link DISCOVERED_FILE_KEYS}. */
  discovered: boolean;
  data: Record<string, unknown>;
}

/**
 * The keys a file found by discovery may set: how files are presented, and limits. Anyone who can write into
 * the working directory (an upload, a cloned repository, an unpacked archive) can leave a muxd.json there, so such a
 * file may not choose where muxd listens or who may reach it (host, ports, TLS, allowed-hosts, CORS, proxy),
 * credentials (auth, auth-file, token, allow-insecure-auth), what is exposed or written (dotfiles, upload,
 * overwrite) or where records go and how long they last (journal, sink, sync, rotation). Naming the file with
 * `--config` trusts it with every key, as vercel's serve.json can never change the listen address.
 */
export const DISCOVERED_FILE_KEYS = {
  serve: [
    'listing', 'spa', 'cache', 'index', 'no-compress', 'max-ranges', 'max-header-size', 'headers-timeout', 'request-timeout',
    'keep-alive-timeout', 'proxy-timeout', 'max-conns', 'max-upload', 'log', 'watch', 'qr', 'open', 'workers', 'header', 'headers',
  ],
  collect: ['format', 'max-message', 'framing', 'syslog', 'max-conns', 'idle-timeout', 'max-body-messages', 'no-stdin'],
  up: ['live-rate', 'search-budget-ms', 'search-budget-bytes', 'max-searches'],
} as const satisfies Record<(typeof CONFIG_SECTION_NAMES)[number], readonly string[]>;

/**
 * Response headers a discovered file may not add: CORS would let any web page read what the server answers, and a
 * Content-Security-Policy would replace the sandbox of uploaded pages.
 */
const DISCOVERED_FORBIDDEN_HEADER = /^(access-control-|content-security-policy$)/i;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads the config file: `explicit` (from `--config` or `MUXD_CONFIG`) must exist; without it, `muxd.json` in `cwd`
 * is read when present. Null when there is none. Malformed JSON, a top level that is not an object, or an unknown
 * top-level key throws InvalidOptionError.
 */
export function readConfigFile(explicit: string | undefined, cwd: string = process.cwd()): ConfigFile | null {
  const file = path.resolve(cwd, explicit ?? CONFIG_FILE_NAME);
  const shown = explicit ?? CONFIG_FILE_NAME;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (explicit === undefined && code === 'ENOENT') return null;
    throw new InvalidOptionError(`--config: cannot read ${JSON.stringify(shown)} (${code ?? 'error'})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new InvalidOptionError(`${shown}: not valid JSON (${(err as Error).message})`);
  }
  if (!isObject(data)) throw new InvalidOptionError(`${shown}: the top level must be an object`);
  for (const key of Object.keys(data)) {
    if (key !== '$schema' && !(CONFIG_SECTION_NAMES as readonly string[]).includes(key)) {
      throw new InvalidOptionError(`${shown}: unknown key ${JSON.stringify(key)} (the top level holds ${CONFIG_SECTION_NAMES.join(', ')})`);
    }
    if (key !== '$schema' && !isObject(data[key])) throw new InvalidOptionError(`${shown}: ${key} must be an object`);
  }
  return { file: shown, path: file, discovered: explicit === undefined, data };
}

/** Refuses a key, or a CORS header rule, that a discovered file may not set (see {@link DISCOVERED_FILE_KEYS}). */
function checkDiscovered(config: ConfigFile, section: (typeof CONFIG_SECTION_NAMES)[number], key: string, v: unknown): void {
  const trust = `name it with --config ${config.file} to trust it with that`;
  if (!(DISCOVERED_FILE_KEYS[section] as readonly string[]).includes(key)) {
    throw new InvalidOptionError(`${config.file} was found in the working directory, not named by --config: it may not set ${section}.${key}; ${trust}`);
  }
  const names =
    key === 'header'
      ? (Array.isArray(v) ? v : [v]).map((h) => (typeof h === 'string' ? h.split(':')[0]!.trim() : ''))
      : key === 'headers' && isObject(v)
        ? Object.values(v).flatMap((rule) => (isObject(rule) ? Object.keys(rule) : []))
        : [];
  const cors = names.find((n) => DISCOVERED_FORBIDDEN_HEADER.test(n));
  if (cors !== undefined) {
    throw new InvalidOptionError(`${config.file} was found in the working directory, not named by --config: its ${section}.${key} may not set ${cors}; ${trust}`);
  }
}

/** Converts one JSON value to a flag value by the flag's type, or throws naming the key. */
function flagValue(where: string, spec: OptionSpec, v: unknown): string | boolean | readonly string[] {
  if (spec.type === 'boolean') {
    if (typeof v !== 'boolean') throw new InvalidOptionError(`${where} must be true or false`);
    return v;
  }
  if (spec.multiple) {
    if (typeof v === 'string') return [v];
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
    throw new InvalidOptionError(`${where} must be a string or a list of strings`);
  }
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (v === true && spec.bareValue !== undefined) return spec.bareValue;
  throw new InvalidOptionError(`${where} must be a ${spec.bareValue !== undefined ? 'string or true' : 'string or number'}`);
}

/**
 * The flag values (and structured settings) a command takes from the file: each listed section in order, later
 * ones winning. A key that is no flag of its section (nor one of its {@link STRUCTURED_KEYS}) throws, naming it.
 */
export function configValues(
  config: ConfigFile,
  sections: readonly ConfigSectionRead[],
): { values: OptionValues; structured: Record<string, unknown>; keys: Record<string, string> } {
  const values: OptionValues = {};
  const structured: Record<string, unknown> = {};
  const keys: Record<string, string> = {};
  for (const section of sections) {
    const data = config.data[section.name];
    if (data === undefined) continue;
    for (const [key, v] of Object.entries(data as Record<string, unknown>)) {
      const where = `${config.file}: ${section.name}.${key}`;
      const isStructured = (STRUCTURED_KEYS[section.name] as readonly string[]).includes(key);
      if (!isStructured && section.specs[key] === undefined) throw new InvalidOptionError(`${config.file}: unknown key ${JSON.stringify(key)} in ${section.name}`);
      if (config.discovered) checkDiscovered(config, section.name, key, v);
      if (isStructured) {
        structured[key] = v;
        continue;
      }
      const target = section.rename && key in section.rename ? section.rename[key] : key;
      if (target === null || target === undefined) continue;
      values[target] = flagValue(where, section.specs[key]!, v);
      keys[target] = `${section.name}.${key}`;
    }
  }
  return { values, structured, keys };
}

/** JSON Schema of one flag. */
function flagSchema(spec: OptionSpec): Record<string, unknown> {
  const description = spec.description;
  if (spec.type === 'boolean') return { type: 'boolean', description };
  if (spec.multiple) return { description, oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] };
  return { type: spec.bareValue !== undefined ? ['string', 'boolean'] : ['string', 'number'], description };
}

/** The schema of `headers`: glob → header name → value. */
const HEADERS_SCHEMA = {
  type: 'object',
  description: 'Response headers by URL path glob (* within a segment, ** across segments, ? one character), e.g. {"/assets/**": {"Cache-Control": "max-age=31536000, immutable"}}.',
  additionalProperties: { type: 'object', additionalProperties: { type: 'string' } },
} as const;

/** Builds muxd.schema.json from the flag specs of each command (the file is generated from this; a test compares them). */
export function configSchema(specs: Record<(typeof CONFIG_SECTION_NAMES)[number], Record<string, OptionSpec>>): Record<string, unknown> {
  const properties: Record<string, unknown> = { $schema: { type: 'string' } };
  for (const name of CONFIG_SECTION_NAMES) {
    const props: Record<string, unknown> = {};
    for (const [flag, spec] of Object.entries(specs[name]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (flag === 'config') continue;
      props[flag] = flagSchema(spec);
    }
    for (const key of STRUCTURED_KEYS[name]) props[key] = HEADERS_SCHEMA;
    properties[name] = { type: 'object', description: `Settings of muxd ${name}, named like its flags.`, additionalProperties: false, properties: props };
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'muxd.json',
    description: 'Settings for muxd serve, collect and up. Flags and MUXD_* variables override them.',
    type: 'object',
    additionalProperties: false,
    properties,
  };
}
