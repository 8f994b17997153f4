// The collect flags (shared by `muxd collect` and `muxd up`), their defaults, and validation into collector and journal options.
import { InvalidOptionError } from '../errors.js';
import type { JournalOptions } from '../journal/journal.js';

/** Collector settings. */
export interface CollectorOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Longest line in bytes (without LF). */
  maxMessage: number;
  maxConns: number;
  /** Seconds without traffic before a connection is closed; 0 = never. */
  idleTimeout: number;
  /** Send `ok`/`error` replies. */
  ack: boolean;
}

/** Defaults from the issue (and docs/cli.md). */
export const DEFAULT_COLLECTOR_OPTIONS: CollectorOptions = {
  host: '127.0.0.1',
  port: 6666,
  maxMessage: 65_536,
  maxConns: 10_000,
  idleTimeout: 300,
  ack: true,
};

/** The shape of one flag, identical to `OptionSpec` in src/cli/args.ts (which library code may not import). */
export interface CollectFlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  default?: string | boolean;
  arg?: string;
  description: string;
}

/** Every flag of `muxd collect`; `muxd up` takes them all. */
export const collectFlags: Record<string, CollectFlagSpec> = {
  host: { type: 'string', arg: 'HOST', default: '127.0.0.1', description: 'Address to listen on.' },
  port: { type: 'string', short: 'p', arg: 'PORT', default: '6666', description: 'TCP port for clients (0 picks a free one).' },
  journal: { type: 'string', arg: 'FILE', default: './data/journal.jsonl', description: 'Journal file; its folder is created if missing.' },
  format: { type: 'string', arg: 'json|raw', default: 'json', description: 'One JSON record per line, or the raw message bytes.' },
  sync: { type: 'string', arg: 'batch|none', default: 'batch', description: 'batch: ack after fdatasync; none: ack after write(2).' },
  ack: { type: 'string', arg: 'on|off', default: 'on', description: 'Reply ok/error to every message, or send nothing back.' },
  'max-message': { type: 'string', arg: 'BYTES', default: '65536', description: 'Longest accepted line; longer ones get ERR_MESSAGE_TOO_LONG.' },
  'max-conns': { type: 'string', arg: 'N', default: '10000', description: 'Connections past this get ERR_BUSY and are closed.' },
  'idle-timeout': { type: 'string', arg: 'SECONDS', default: '300', description: 'Close connections idle this long with ERR_IDLE_TIMEOUT (0: never).' },
  'rotate-size': { type: 'string', arg: 'BYTES', default: '0', description: 'Rotate the journal to FILE.1 … at this size (0: never).' },
  keep: { type: 'string', arg: 'N', default: '5', description: 'Rotated journal files to keep.' },
  'no-stdin': { type: 'boolean', default: false, description: 'Do not read lines from the terminal (stdin).' },
};

/** Validated settings for one collector: server, journal, and whether the terminal is a source. */
export interface CollectConfig {
  collector: CollectorOptions;
  journal: Required<Pick<JournalOptions, 'path' | 'format' | 'sync' | 'rotateSize' | 'keep'>>;
  stdin: boolean;
}

type Values = Record<string, string | boolean | undefined>;

function int(values: Values, name: string, min: number, max: number): number {
  const raw = values[name] ?? collectFlags[name]?.default;
  if (typeof raw !== 'string' || !/^\d+$/.test(raw.trim())) {
    throw new InvalidOptionError(`--${name} must be a whole number, not ${JSON.stringify(raw)}`);
  }
  const n = Number(raw.trim());
  if (n < min || n > max) throw new InvalidOptionError(`--${name} must be between ${min} and ${max}, not ${n}`);
  return n;
}

function choice<T extends string>(values: Values, name: string, choices: readonly T[]): T {
  const raw = values[name] ?? collectFlags[name]?.default;
  if (typeof raw !== 'string' || !(choices as readonly string[]).includes(raw)) {
    throw new InvalidOptionError(`--${name} must be one of ${choices.join(', ')}, not ${JSON.stringify(raw)}`);
  }
  return raw as T;
}

/** Turns parsed flag values (missing ones take the defaults) into validated options; throws InvalidOptionError. */
export function collectConfigFrom(values: Values): CollectConfig {
  const host = values.host ?? collectFlags.host!.default;
  if (typeof host !== 'string' || host === '') throw new InvalidOptionError('--host must not be empty');
  const journal = values.journal ?? collectFlags.journal!.default;
  if (typeof journal !== 'string' || journal === '') throw new InvalidOptionError('--journal must not be empty');
  const rotateSize = int(values, 'rotate-size', 0, Number.MAX_SAFE_INTEGER);
  if (rotateSize > 0 && rotateSize < 1024) throw new InvalidOptionError('--rotate-size must be 0 (off) or at least 1024 bytes');
  return {
    collector: {
      host,
      port: int(values, 'port', 0, 65_535),
      maxMessage: int(values, 'max-message', 1, 16 * 1024 * 1024),
      maxConns: int(values, 'max-conns', 1, 1_000_000),
      idleTimeout: int(values, 'idle-timeout', 0, 365 * 24 * 3600),
      ack: choice(values, 'ack', ['on', 'off'] as const) === 'on',
    },
    journal: {
      path: journal,
      format: choice(values, 'format', ['json', 'raw'] as const),
      sync: choice(values, 'sync', ['batch', 'none'] as const),
      rotateSize,
      keep: int(values, 'keep', 1, 1000),
    },
    stdin: values['no-stdin'] !== true,
  };
}
