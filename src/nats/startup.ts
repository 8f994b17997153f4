// Starting on NATS while the cluster is unsettled (the sink, and up's viewer): try again and again until --sink-timeout, saying why on stderr.
import { setTimeout as sleep } from 'node:timers/promises';
import type { NatsConnection } from '@nats-io/transport-node';
import { SinkMismatchError, SinkUnavailableError } from '../errors.js';
import type { LogFn } from '../logger.js';
import { connectNats, ensureStream, lastCollectorSeq, NATS_CONNECT_TIMEOUT_MS } from './stream.js';
import type { StreamSpec } from './stream.js';

/** How long to wait for NATS at startup, where to say so, and what stops the wait. */
export interface WaitOptions {
  /** The whole startup may take this long (`--sink-timeout`) before it fails with ERR_SINK_UNAVAILABLE. */
  timeoutMs: number;
  log: LogFn;
  /** Aborted by shutdown (SIGTERM while waiting): stop trying and throw. */
  signal?: AbortSignal | undefined;
}

/** What {@link settleSink} needs. */
export interface SettleOptions extends StreamSpec, WaitOptions {
  servers: string[];
  collectorId: string;
}

/** A connection whose stream exists, and the last seq this collector published. */
export interface SettledSink {
  nc: NatsConnection;
  lastSeq: number;
}

/** How long one step of an attempt may take: no more than `capMs`, a third of the timeout, or what is left (but a moment). */
export type Budget = (capMs: number) => number;

/** The longest a single JetStream API request may wait: a dead meta or stream leader answers nothing until re-elected. */
export const REQUEST_TIMEOUT_MS = 5000;
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 2000;

/**
 * Runs `attempt` again and again, with growing pauses, until it resolves or `timeoutMs` has passed. Right after a
 * node of a cluster is killed, requests time out or find no responder until the stream and meta leaders are elected
 * again (seconds); NATS that is not up yet refuses connections. A daemon restarted by its service manager rides this
 * out. Each new reason is logged as a warning ("NATS JetStream not ready (…); retrying …"). A SinkMismatchError is
 * not going to change and fails at once; when time runs out, throws SinkUnavailableError naming the last failure, and
 * when `signal` aborts (before or right after success), SinkUnavailableError too. `release` runs before each throw
 * (it closes what the attempts kept open).
 */
export async function retryUntilReady<T>(o: WaitOptions, attempt: (budget: Budget) => Promise<T>, release: () => Promise<void>): Promise<T> {
  const deadline = Date.now() + o.timeoutMs;
  let delay = RETRY_MIN_MS;
  let lastReason = '';
  let failures = 0;
  // At least three attempts fit in the deadline, and each step gets no more than what is left of it (but a moment).
  const attemptCap = Math.max(100, Math.floor(o.timeoutMs / 3));
  const budget: Budget = (cap) => Math.max(100, Math.min(cap, attemptCap, deadline - Date.now()));
  const stopped = async (): Promise<never> => {
    await release();
    throw new SinkUnavailableError(`stopped while waiting for NATS JetStream${lastReason === '' ? '' : ` (${lastReason})`}`, { cause: o.signal?.reason });
  };
  for (;;) {
    if (o.signal?.aborted) return stopped();
    let value: T;
    try {
      value = await attempt(budget);
    } catch (err) {
      // nats.js says only "timeout" when a request gets no answer.
      const reason = err instanceof Error ? (err.name === 'TimeoutError' ? 'a JetStream request got no answer in time' : err.message) : String(err);
      const left = deadline - Date.now();
      if (err instanceof SinkMismatchError || left <= 0) {
        await release();
        if (err instanceof SinkMismatchError) throw err;
        throw new SinkUnavailableError(`NATS JetStream not ready within --sink-timeout ${o.timeoutMs / 1000}s: ${reason}`, { cause: err });
      }
      failures++;
      // A new reason is a warning; the same one again is only worth a debug line.
      o.log(`NATS JetStream not ready (${reason}); retrying for up to ${Math.ceil(left / 1000)}s more (--sink-timeout)`, reason === lastReason ? 'debug' : 'warn');
      lastReason = reason;
      // An abort ends the wait early; the loop's first line then gives up.
      await sleep(Math.min(delay, left), undefined, o.signal ? { signal: o.signal } : {}).catch(() => {});
      delay = Math.min(delay * 2, RETRY_MAX_MS);
      continue;
    }
    // Ready, but too late: shutdown began meanwhile, and nothing may start listening after it.
    if (o.signal?.aborted) return stopped();
    if (failures > 0) o.log(`NATS JetStream answers after ${failures} failed attempt${failures === 1 ? '' : 's'}`);
    return value;
  }
}

/** Connects and prepares the stream (see {@link retryUntilReady}), keeping one connection across attempts. */
export async function settleSink(o: SettleOptions): Promise<SettledSink> {
  let nc: NatsConnection | null = null;
  return retryUntilReady(
    o,
    async (budget) => {
      const conn = (nc ??= await connectNats(o.servers, `muxd collector ${o.collectorId}`, budget(NATS_CONNECT_TIMEOUT_MS)));
      const jsm = await ensureStream(conn, o, budget(REQUEST_TIMEOUT_MS));
      return { nc: conn, lastSeq: await lastCollectorSeq(jsm, o.stream, o.prefix, o.collectorId) };
    },
    async () => {
      await nc?.close();
    },
  );
}
