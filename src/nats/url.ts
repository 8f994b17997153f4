// Pure parsing of `nats://HOST:PORT[,HOST:PORT…][/STREAM]` sink and reader addresses, and of NATS names (streams, subject tokens).
import { InvalidOptionError } from '../errors.js';

/** A parsed `nats://` address: the servers to try, and the stream when the address names one. */
export interface NatsAddress {
  /** `HOST:PORT` per server, in the order given. */
  servers: string[];
  /** The stream after the `/`, or undefined. */
  stream?: string;
}

/** Default port of a NATS server when the address gives none. */
export const NATS_DEFAULT_PORT = 4222;

const TOKEN = /^[A-Za-z0-9_-]{1,64}$/;

/** True for `nats://…` (the test the CLI uses to tell a stream from a journal file). */
export function isNatsUrl(raw: string): boolean {
  return raw.startsWith('nats://');
}

/** Parses `nats://HOST[:PORT][,HOST[:PORT]…][/STREAM]`; throws InvalidOptionError naming `flag`. */
export function parseNatsUrl(raw: string, flag = '--sink'): NatsAddress {
  if (!isNatsUrl(raw)) throw new InvalidOptionError(`${flag} must be file or nats://HOST:PORT[,HOST:PORT…], not ${JSON.stringify(raw)}`);
  const rest = raw.slice('nats://'.length);
  const slash = rest.indexOf('/');
  const hostPart = slash === -1 ? rest : rest.slice(0, slash);
  const streamPart = slash === -1 ? '' : rest.slice(slash + 1);
  const servers: string[] = [];
  for (const item of hostPart.split(',')) {
    const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(item);
    const port = m?.[2] === undefined ? NATS_DEFAULT_PORT : Number(m[2]);
    if (!m || port < 1 || port > 65_535) throw new InvalidOptionError(`${flag}: ${JSON.stringify(item)} is not HOST:PORT`);
    servers.push(`${m[1]}:${port}`);
  }
  const out: NatsAddress = { servers };
  if (streamPart !== '') out.stream = natsName(streamPart, `${flag} stream`);
  return out;
}

/** Checks a stream name or subject token: letters, digits, `_` and `-`, 1 to 64 characters. */
export function natsName(raw: string, what: string): string {
  if (!TOKEN.test(raw)) throw new InvalidOptionError(`${what} must be 1-64 letters, digits, _ or -, not ${JSON.stringify(raw)}`);
  return raw;
}

/** Checks a subject prefix: one or more tokens joined by dots (`muxd`, `logs.muxd`). */
export function natsSubjectPrefix(raw: string, what = '--nats-subject'): string {
  if (raw === '' || raw.split('.').some((t) => !TOKEN.test(t))) {
    throw new InvalidOptionError(`${what} must be dot-separated tokens of letters, digits, _ or -, not ${JSON.stringify(raw)}`);
  }
  return raw;
}
