// The collect flags (shared by `muxd collect` and `muxd up`), their defaults, and validation into collector and journal options.
import { InvalidOptionError } from '../errors.js';
import { choiceOption, intOption, withDefaults } from '../options.js';
import type { OptionSpec, OptionValues } from '../options.js';
import type { JournalOptions } from '../journal/journal.js';
import { DEFAULT_KEEP } from '../journal/options.js';
import { Compression, DEFAULT_COMPRESSION, DEFAULT_KEEP_AGE, DEFAULT_ROTATE_INTERVAL, parseDuration } from '../journal/duration.js';
import { DEFAULT_SYNC_METHOD } from '../journal/file-ops.js';
import { Framing } from '../protocol/framing.js';
import type { FramingValue } from '../protocol/framing.js';
import { collectorTlsFrom } from './tls.js';
import type { CollectorTls } from './tls.js';
import { DEFAULT_UDP_RECV_BUFFER } from './udp-source.js';
import { adminFlag, parseAdminAddress } from '../admin/address.js';
import type { AdminAddress } from '../admin/address.js';
import { natsName, natsSubjectPrefix, parseNatsUrl } from '../nats/url.js';

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
  /** Most messages in one `POST /_muxd/messages` body (`muxd up`); more is answered 413. */
  maxBodyMessages: number;
  /** TCP framing: LF lines, RFC 6587 octet counting, or detected per connection from its first bytes. */
  framing: FramingValue;
  /** Syslog listener port (`--syslog-port`): never answers; null: none. 0 picks a free port. */
  syslogPort: number | null;
  /** RELP listener port (`--relp-port`); null: no RELP listener. 0 picks a free port. */
  relpPort: number | null;
  /** UDP listener port (`--udp-port`); null: no UDP listener. 0 picks a free port. */
  udpPort: number | null;
  /** SO_RCVBUF asked for the UDP socket (`--udp-recv-buffer`). */
  udpRecvBuffer: number;
  /** TLS for the TCP port (and the RELP port with `relp`); null: plain TCP. */
  tls: CollectorTls | null;
}

/** Defaults from the issue (and docs/cli.md). */
export const DEFAULT_COLLECTOR_OPTIONS: CollectorOptions = {
  host: '127.0.0.1',
  port: 6666,
  maxMessage: 65_536,
  maxConns: 10_000,
  idleTimeout: 300,
  ack: true,
  // A 1 MiB body of 100-byte lines; a body of tiny lines past it would cost far more memory than its bytes.
  maxBodyMessages: 10_000,
  framing: Framing.AUTO,
  syslogPort: null,
  relpPort: null,
  udpPort: null,
  udpRecvBuffer: DEFAULT_UDP_RECV_BUFFER,
  tls: null,
};

/** Defaults of the NATS sink flags. */
export const DEFAULT_NATS_SINK = { stream: 'MUXD', subjectPrefix: 'muxd', replicas: 1, sinkTimeoutMs: 30_000 } as const;

/** The flag spec type, shared with the CLI. */
export type CollectFlagSpec = OptionSpec;

/** Every flag of `muxd collect`; `muxd up` takes them all. */
export const collectFlags: Record<string, CollectFlagSpec> = {
  host: { type: 'string', arg: 'HOST', default: DEFAULT_COLLECTOR_OPTIONS.host, description: 'Address to listen on.' },
  port: { type: 'string', short: 'p', arg: 'PORT', default: String(DEFAULT_COLLECTOR_OPTIONS.port), description: 'TCP port for clients (0 picks a free one).' },
  journal: { type: 'string', arg: 'FILE', default: './data/journal.jsonl', description: 'Journal file; its folder is created if missing.' },
  format: { type: 'string', arg: 'json|raw', default: 'json', description: 'One JSON record per line, or the raw message bytes.' },
  sync: { type: 'string', arg: 'batch|none', default: 'batch', description: 'batch: ack after fdatasync; none: ack after write(2).' },
  'sync-method': { type: 'string', arg: 'fdatasync|dsync', default: DEFAULT_SYNC_METHOD, description: 'How --sync batch makes a write durable: fdatasync after it, or a file opened O_DSYNC.' },
  ack: { type: 'string', arg: 'on|off', default: 'on', description: 'Reply ok/error to every message, or send nothing back.' },
  'max-message': { type: 'string', arg: 'BYTES', default: String(DEFAULT_COLLECTOR_OPTIONS.maxMessage), description: 'Longest accepted line; longer ones get ERR_MESSAGE_TOO_LONG.' },
  'max-conns': { type: 'string', arg: 'N', default: String(DEFAULT_COLLECTOR_OPTIONS.maxConns), description: 'Connections past this get ERR_BUSY and are closed.' },
  'idle-timeout': { type: 'string', arg: 'SECONDS', default: String(DEFAULT_COLLECTOR_OPTIONS.idleTimeout), description: 'Close connections idle this long with ERR_IDLE_TIMEOUT (0: never).' },
  'max-body-messages': {
    type: 'string',
    arg: 'N',
    default: String(DEFAULT_COLLECTOR_OPTIONS.maxBodyMessages),
    description: 'muxd up: most messages in one POST /_muxd/messages; more gets 413 ERR_PAYLOAD_TOO_LARGE.',
  },
  framing: {
    type: 'string',
    arg: 'auto|lf|octet',
    description:
      'TCP framing: LF lines, RFC 6587 octet counting (LEN SP MSG), or auto: chosen per connection from its first bytes (default auto; lf with --format raw).',
  },
  syslog: { type: 'boolean', default: false, description: 'Parse each message as syslog (RFC 5424, else RFC 3164) into a "syslog" field of its record.' },
  'syslog-port': {
    type: 'string',
    arg: 'PORT',
    description:
      'Also take syslog over TCP on this port (rsyslog omfwd, syslog-ng, Python SysLogHandler): octet counting, LF or NUL trailers, detected per connection; never a byte back (0 picks a free one).',
  },
  'syslog-tls': { type: 'boolean', default: false, description: 'Serve the syslog port over TLS (RFC 5425; 6514 is the usual port), with the --tls-* certificate and client rules.' },
  'relp-port': { type: 'string', arg: 'PORT', description: 'Also take RELP (rsyslog omrelp) on this TCP port; each message is answered "rsp 200" once on disk (0 picks a free one).' },
  'udp-port': { type: 'string', arg: 'PORT', description: 'Also take one message per UDP datagram on this port (no acks; drops past a cap are counted).' },
  'udp-recv-buffer': {
    type: 'string',
    arg: 'BYTES',
    default: String(DEFAULT_UDP_RECV_BUFFER),
    description: 'Receive buffer asked for the UDP socket, room for bursts (Linux caps it at net.core.rmem_max).',
  },
  'tls-cert': { type: 'string', arg: 'FILE', description: 'PEM certificate: serve the TCP port over TLS (needs --tls-key).' },
  'tls-key': { type: 'string', arg: 'FILE', description: 'PEM private key for --tls-cert.' },
  'tls-ca': { type: 'string', arg: 'FILE', description: 'PEM CA bundle that client certificates must chain to (with --tls-client-auth).' },
  'tls-client-auth': { type: 'boolean', default: false, description: 'Require a client certificate signed by --tls-ca; other clients are refused in the handshake.' },
  'relp-tls': { type: 'boolean', default: false, description: 'Serve the RELP port over TLS too, with the same certificate and client rules.' },
  'rotate-size': { type: 'string', arg: 'BYTES', default: '0', description: 'Rotate the journal to FILE.1 … at this size (0: never).' },
  'rotate-interval': {
    type: 'string',
    arg: 'DURATION',
    default: DEFAULT_ROTATE_INTERVAL,
    description: 'Also rotate once the journal\'s first record is this old, e.g. 1h, 1d (0: never; an empty journal never rotates).',
  },
  keep: { type: 'string', arg: 'N', default: String(DEFAULT_KEEP), description: 'Rotated journal files to keep.' },
  'keep-age': { type: 'string', arg: 'DURATION', default: DEFAULT_KEEP_AGE, description: 'Also delete rotated journal files whose last record is older than this, e.g. 14d (0: never).' },
  'compress-rotated': {
    type: 'string',
    arg: 'none|gzip',
    default: DEFAULT_COMPRESSION,
    description: 'gzip: compress rotated journal files to FILE.N.gz in the background; tail, history and recovery read them.',
  },
  admin: adminFlag,
  'no-stdin': { type: 'boolean', default: false, description: 'Do not read lines from the terminal (stdin).' },
  sink: {
    type: 'string',
    arg: 'file|nats://HOST:PORT[,HOST:PORT…]',
    default: 'file',
    description: 'Where messages become durable: the --journal file, or a NATS JetStream stream (one message per batch; docs/scale-out.md).',
  },
  'nats-stream': { type: 'string', arg: 'NAME', default: DEFAULT_NATS_SINK.stream, description: '--sink nats: the JetStream stream, created (file storage) if missing.' },
  'nats-subject': { type: 'string', arg: 'PREFIX', default: DEFAULT_NATS_SINK.subjectPrefix, description: '--sink nats: batches go to PREFIX.<collector-id>; the stream holds PREFIX.>.' },
  'nats-replicas': { type: 'string', arg: 'N', default: String(DEFAULT_NATS_SINK.replicas), description: '--sink nats: replicas of a stream muxd creates (3 in production).' },
  'collector-id': {
    type: 'string',
    arg: 'ID',
    description: '--sink nats: this collector\'s name on the stream (default: kept in collector-id next to --journal, else the hostname).',
  },
  'sink-timeout': {
    type: 'string',
    arg: 'SECONDS',
    default: String(DEFAULT_NATS_SINK.sinkTimeoutMs / 1000),
    description: '--sink nats: messages without a JetStream ack after this long get ERR_SINK_UNAVAILABLE.',
  },
};

/** `--sink nats://…` settings. */
export interface NatsSinkConfig {
  servers: string[];
  stream: string;
  subjectPrefix: string;
  replicas: number;
  /** `--collector-id`, or undefined to take the kept one (see src/nats/collector-id.ts). */
  collectorId: string | undefined;
  sinkTimeoutMs: number;
}

/** Validated settings for one collector: server, journal, and whether the terminal is a source. */
export interface CollectConfig {
  collector: CollectorOptions;
  journal: Required<Pick<JournalOptions, 'path' | 'format' | 'sync' | 'syncMethod' | 'rotateSize' | 'keep' | 'syslog' | 'rotateIntervalMs' | 'keepAgeMs' | 'compression'>>;
  stdin: boolean;
  /** The NATS sink, or null for the file journal (`--sink file`). */
  nats: NatsSinkConfig | null;
  /** `--admin`: where /metrics and /health listen, or null. */
  admin: AdminAddress | null;
}

/** Validates `--sink` and the `--nats-*` flags; null for `--sink file`. */
function natsConfigFrom(values: OptionValues): NatsSinkConfig | null {
  const sink = values.sink;
  if (sink === 'file' || sink === undefined) return null;
  const address = parseNatsUrl(String(sink));
  if (address.stream !== undefined) throw new InvalidOptionError('--sink takes no /STREAM: name the stream with --nats-stream');
  const id = values['collector-id'];
  return {
    servers: address.servers,
    stream: natsName(String(values['nats-stream']), '--nats-stream'),
    subjectPrefix: natsSubjectPrefix(String(values['nats-subject'])),
    replicas: intOption(values, 'nats-replicas', 1, 5),
    collectorId: typeof id === 'string' ? natsName(id, '--collector-id') : undefined,
    sinkTimeoutMs: intOption(values, 'sink-timeout', 1, 24 * 3600) * 1000,
  };
}

/** Validates the retention flags: --rotate-interval, --keep-age and --compress-rotated. */
function retentionFrom(values: OptionValues, rotateSize: number, format: string): Pick<CollectConfig['journal'], 'rotateIntervalMs' | 'keepAgeMs' | 'compression'> {
  const rotateIntervalMs = parseDuration(String(values['rotate-interval']), 'rotate-interval');
  const keepAgeMs = parseDuration(String(values['keep-age']), 'keep-age');
  const compression = choiceOption(values, 'compress-rotated', [Compression.NONE, Compression.GZIP] as const);
  const rotates = rotateSize > 0 || rotateIntervalMs > 0;
  if (keepAgeMs > 0 && !rotates) throw new InvalidOptionError('--keep-age applies to rotated files: it needs --rotate-size or --rotate-interval');
  if (compression !== Compression.NONE && !rotates) throw new InvalidOptionError('--compress-rotated applies to rotated files: it needs --rotate-size or --rotate-interval');
  if (compression !== Compression.NONE && format === 'raw') {
    throw new InvalidOptionError('--compress-rotated needs --format json: tail -f follows compressed rotations by seq, which raw lines lack');
  }
  return { rotateIntervalMs, keepAgeMs, compression };
}

/** A port flag without a default: null when not given. */
function optionalPort(values: OptionValues, name: string): number | null {
  return values[name] === undefined ? null : intOption(values, name, 0, 65_535);
}

/**
 * Turns parsed flag values (missing ones take the defaults) into validated options; throws InvalidOptionError.
 * `tlsPrefix` names the listener's flags: `muxd up` reads and names `--collect-host`, `--collect-port` and
 * `--collect-tls-*`, since its `--host`, `--port` and `--tls-*` are the HTTP server's.
 */
export function collectConfigFrom(given: OptionValues, tlsPrefix = ''): CollectConfig {
  const values = withDefaults(collectFlags, tlsPrefix === '' ? given : { ...given, host: given[`${tlsPrefix}host`], port: given[`${tlsPrefix}port`] });
  const host = values.host;
  if (typeof host !== 'string' || host === '') throw new InvalidOptionError(`--${tlsPrefix}host must not be empty`);
  const journal = values.journal;
  if (typeof journal !== 'string' || journal === '') throw new InvalidOptionError('--journal must not be empty');
  const rotateSize = intOption(values, 'rotate-size', 0, Number.MAX_SAFE_INTEGER);
  if (rotateSize > 0 && rotateSize < 1024) throw new InvalidOptionError('--rotate-size must be 0 (off) or at least 1024 bytes');
  const format = choiceOption(values, 'format', ['json', 'raw'] as const);
  const syslog = values.syslog === true;
  if (syslog && format !== 'json') throw new InvalidOptionError('--syslog needs --format json: raw journals have no fields');
  const syslogPort = optionalPort(values, 'syslog-port');
  const relpPort = optionalPort(values, 'relp-port');
  const udpPort = optionalPort(values, 'udp-port');
  let framing: FramingValue = DEFAULT_COLLECTOR_OPTIONS.framing;
  if (values.framing !== undefined) framing = choiceOption(values, 'framing', [Framing.AUTO, Framing.LF, Framing.OCTET] as const);
  if (format === 'raw') {
    // A raw journal is one message per line: inputs whose messages may carry LF (octet frames, RELP, UDP) would split
    // one message into several lines and break recovery's record count, so raw takes LF-framed TCP lines only.
    if (values.framing !== undefined && framing !== Framing.LF) {
      throw new InvalidOptionError(`--format raw takes only --framing lf: ${framing} frames may carry LF, which a raw journal cannot hold`);
    }
    if (syslogPort !== null || relpPort !== null || udpPort !== null) {
      throw new InvalidOptionError('--format raw cannot take --syslog-port, --relp-port or --udp-port: their messages may carry LF; use --format json');
    }
    framing = Framing.LF;
  }
  return {
    collector: {
      host,
      port: intOption({ [`${tlsPrefix}port`]: values.port }, `${tlsPrefix}port`, 0, 65_535),
      maxMessage: intOption(values, 'max-message', 1, 16 * 1024 * 1024),
      maxConns: intOption(values, 'max-conns', 1, 1_000_000),
      idleTimeout: intOption(values, 'idle-timeout', 0, 365 * 24 * 3600),
      ack: choiceOption(values, 'ack', ['on', 'off'] as const) === 'on',
      maxBodyMessages: intOption(values, 'max-body-messages', 1, 1_000_000),
      framing,
      syslogPort,
      relpPort,
      udpPort,
      udpRecvBuffer: intOption(values, 'udp-recv-buffer', 4096, 1024 * 1024 * 1024),
      tls: collectorTlsFrom(values, tlsPrefix),
    },
    journal: {
      path: journal,
      format,
      sync: choiceOption(values, 'sync', ['batch', 'none'] as const),
      syncMethod: choiceOption(values, 'sync-method', ['fdatasync', 'dsync'] as const),
      rotateSize,
      keep: intOption(values, 'keep', 1, 1000),
      syslog,
      ...retentionFrom(values, rotateSize, format),
    },
    stdin: values['no-stdin'] !== true,
    nats: natsConfigFrom(values),
    admin: typeof values.admin === 'string' && values.admin !== '' ? parseAdminAddress(values.admin) : null,
  };
}
