// Buffered access log (common, combined, json): one string append per request, flushed in big writes with backpressure.
import type { Req, Res } from './types.js';
import type { Closable } from '../../lifecycle.js';
import { bodyBytes } from './phases.js';
import { createLogger, LogLevel } from '../../logger.js';
import type { LogFn } from '../../logger.js';

/** Access log formats. */
export const LogFormat = {
  COMMON: 'common',
  COMBINED: 'combined',
  JSON: 'json',
  OFF: 'off',
} as const;

/** One of {@link LogFormat}. */
export type LogFormatValue = (typeof LogFormat)[keyof typeof LogFormat];

const kStart = Symbol('muxd.start');
const kRemote = Symbol('muxd.remote');
/** `REMOTE - - `, formatted once per connection (HTTP/1: on the socket) or per stream (HTTP/2: on the response). */
const kPrefix = Symbol('muxd.logPrefix');
type Tagged = Record<symbol, string | number | undefined>;

/** Options for {@link AccessLog}. */
export interface AccessLogOptions {
  format: Exclude<LogFormatValue, 'off'>;
  stream: NodeJS.WritableStream;
  /** Flush when this many bytes are buffered. Default 64 KiB. */
  flushBytes?: number;
  /** Flush at least this often. Default 200 ms. */
  flushMs?: number;
  /** Lines are dropped (and counted) while this much waits for the stream (buffered here, or refused by it and not drained). Default 4 MiB. */
  maxBufferBytes?: number;
  /** Where dropped lines are reported (a `warn` line on stderr by default): at the first drop, at most every 10 s after, and at close. */
  report?: LogFn;
}

/** How often, at most, a dropping episode that goes on is reported again. */
const DROP_REPORT_MS = 10_000;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number): string => (n < 10 ? `0${n}` : String(n));

// eslint-disable-next-line no-control-regex -- control bytes are exactly what must be escaped
const NEEDS_ESCAPE = /[\\"\x00-\x1f\x7f-\x9f]/;

/**
 * Quotes a header value for common/combined lines: escapes `"`, `\`, C0 controls, DEL and C1 controls (\x80–\x9f,
 * which header bytes become as latin1 and which some terminals obey, e.g. \x9b as CSI), so a line stays one line
 * and carries no terminal escape.
 */
export function quoteLogValue(v: string | undefined): string {
  if (v === undefined || v === '') return '"-"';
  // Most values need no escape: one test, no replace (this runs for every logged request).
  if (!NEEDS_ESCAPE.test(v)) return `"${v}"`;
  // eslint-disable-next-line no-control-regex -- control bytes are exactly what must be escaped
  return `"${v.replace(/[\\"\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}"`;
}

// JSON.stringify escapes C0 controls but leaves C1 controls raw; the log escapes them too.
const C1_CONTROLS = /[\x80-\x9f]/g;
function escapeJsonC1(c: string): string {
  return `\\u00${c.charCodeAt(0).toString(16)}`;
}

/** True when a raw query key decodes (as URLSearchParams would) to `token`. */
function isTokenKey(rawKey: string): boolean {
  if (rawKey.length === 5) return rawKey.toLowerCase() === 'token';
  if (!rawKey.includes('%')) return false;
  try {
    return decodeURIComponent(rawKey.replaceAll('+', ' ')).toLowerCase() === 'token';
  } catch {
    return false;
  }
}

/**
 * Replaces the value of every `token` query parameter (however its name is percent-encoded) with `REDACTED`, so
 * `--token` never lands in a log line. URLs without a query cost one indexOf.
 */
export function redactSecrets(url: string | undefined): string | undefined {
  if (url === undefined) return url;
  const q = url.indexOf('?');
  if (q === -1) return url;
  const hash = url.indexOf('#', q);
  const query = url.slice(q + 1, hash === -1 ? undefined : hash);
  let changed = false;
  const parts = query.split('&').map((part) => {
    const eq = part.indexOf('=');
    if (eq === -1 || !isTokenKey(part.slice(0, eq))) return part;
    changed = true;
    return `${part.slice(0, eq)}=REDACTED`;
  });
  if (!changed) return url;
  return `${url.slice(0, q + 1)}${parts.join('&')}${hash === -1 ? '' : url.slice(hash)}`;
}

/**
 * Writes access log lines through a buffer; call `track(res)` for each response and `close()` at shutdown.
 *
 * Backpressure: lines are appended to one string and written every `flushBytes` or `flushMs`. When the stream refuses
 * a write (a pipe nobody reads), writing waits for 'drain' and lines pile up until the refused write and the buffer
 * together reach `maxBufferBytes`; past that they are dropped and counted, never buffered: a stuck output costs a
 * bounded buffer, and never the event loop. Drops are reported on stderr through `report`.
 */
export class AccessLog {
  private buf = '';
  private waitingDrain = false;
  /** While waiting for 'drain': the bytes of the refused write, which the stream still holds (they count toward the cap). */
  private held = 0;
  private timer: NodeJS.Timeout | null = null;
  /** The CLF date of the current second, and the clock time it stops being current. */
  private dateText = '';
  private dateUntil = 0;
  private readonly flushBytes: number;
  private readonly flushMs: number;
  private readonly maxBufferBytes: number;
  private readonly report: LogFn;
  /** Lines dropped because the output could not keep up (or is gone). */
  dropped = 0;
  /** `dropped` when it was last reported, and when. */
  private droppedReported = 0;
  private droppedReportedAt = 0;
  /** The output failed (EPIPE when stdout's reader went away): logging stops, serving goes on. */
  broken = false;
  /** The 'close' listener attached to every response (one shared function, no per-request closure). */
  private readonly resOnClose: (this: Res) => void;
  /** The stream's 'drain' listener, made once. */
  private readonly streamOnDrain: () => void;

  constructor(private readonly options: AccessLogOptions) {
    this.flushBytes = options.flushBytes ?? 64 * 1024;
    this.flushMs = options.flushMs ?? 200;
    this.maxBufferBytes = options.maxBufferBytes ?? 4 * 1024 * 1024;
    this.report = options.report ?? createLogger('access-log');
    options.stream.on('error', (err: NodeJS.ErrnoException) => {
      if (!this.broken) this.report(`output failed (${err.code ?? err.message}): access log lines are no longer written`, LogLevel.WARN);
      this.broken = true;
      this.buf = '';
    });
    const record = (req: Req, res: Res): void => this.record(req, res);
    this.resOnClose = function resOnClose(this: Res): void {
      record(this.req, this);
    };
    this.streamOnDrain = () => {
      this.waitingDrain = false;
      this.held = 0;
      this.reportDropped('drained');
      this.flush();
    };
  }

  /** Starts timing a response and logs it when it closes (finished or aborted). */
  track(req: Req, res: Res): void {
    if (this.options.format === LogFormat.JSON) (res as unknown as Tagged)[kStart] = performance.now();
    // An HTTP/2 stream's socket proxy is gone once the stream closes: remember the peer now.
    if (req.httpVersionMajor === 2) (res as unknown as Tagged)[kRemote] = req.socket?.remoteAddress;
    else if (req.socket != null) prefixOf(req.socket as unknown as Tagged & { remoteAddress?: string });
    res.on('close', this.resOnClose);
  }

  private clfDate(): string {
    const now = Date.now();
    if (now >= this.dateUntil) {
      const sec = Math.floor(now / 1000);
      const d = new Date(sec * 1000);
      this.dateUntil = (sec + 1) * 1000;
      this.dateText = `[${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000]`;
    }
    return this.dateText;
  }

  /** Formats and buffers one line for a finished (or aborted) response. */
  record(req: Req, res: Res): void {
    const bytes = bodyBytes(res) ?? declaredBodyBytes(req, res);
    const status = res.writableFinished || res.headersSent ? res.statusCode : 0;
    if (this.options.format === LogFormat.JSON) {
      const start = (res as unknown as Tagged)[kStart] as number | undefined;
      const remote = ((res as unknown as Tagged)[kRemote] as string | undefined) ?? req.socket?.remoteAddress ?? '-';
      const line = JSON.stringify({
        time: new Date().toISOString(),
        remote,
        method: req.method,
        url: redactSecrets(req.url),
        protocol: `HTTP/${req.httpVersion}`,
        status,
        bytes: bytes ?? null,
        ms: start === undefined ? null : Math.round((performance.now() - start) * 1000) / 1000,
        referer: redactSecrets(req.headers.referer) ?? null,
        userAgent: req.headers['user-agent'] ?? null,
        aborted: !res.writableFinished,
      }).replace(C1_CONTROLS, escapeJsonC1);
      this.push(`${line}\n`);
      return;
    }
    const h2Remote = (res as unknown as Tagged)[kRemote] as string | undefined;
    const prefix = req.httpVersionMajor === 2 ? `${h2Remote ?? '-'} - - ` : req.socket == null ? '- - - ' : prefixOf(req.socket as unknown as Tagged & { remoteAddress?: string });
    let line = `${prefix}${this.clfDate()} ${requestLine(req)} ${status} ${bytes === undefined ? '-' : bytes}`;
    if (this.options.format === LogFormat.COMBINED) {
      line += ` ${quoteLogValue(redactSecrets(req.headers.referer))} ${quoteLogValue(req.headers['user-agent'])}`;
    }
    this.push(`${line}\n`);
  }

  /** Buffers a raw line (ending in a newline). */
  push(line: string): void {
    if (this.broken || this.held + this.buf.length + line.length > this.maxBufferBytes) {
      this.dropped++;
      this.reportDropped('dropping');
      return;
    }
    this.buf += line;
    if (this.waitingDrain) return;
    if (this.buf.length >= this.flushBytes) this.flush();
    else if (this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush();
      }, this.flushMs);
      this.timer.unref();
    }
  }

  /**
   * Says how many lines were dropped since the last report: at the first drop, then (at most every 10 s) while drops
   * go on or when the output drains again, and at close.
   */
  private reportDropped(moment: 'dropping' | 'drained' | 'closing'): void {
    const n = this.dropped - this.droppedReported;
    if (n === 0 || this.broken) return;
    const now = Date.now();
    // At most one line per 10 s (an output on the edge could drain and refuse many times a second); close says the rest.
    if (moment !== 'closing' && now - this.droppedReportedAt < DROP_REPORT_MS) return;
    this.droppedReported = this.dropped;
    this.droppedReportedAt = now;
    const why = moment === 'dropping' ? 'the output is not keeping up' : moment === 'drained' ? 'the output caught up' : 'at shutdown';
    this.report(`${n} line${n === 1 ? '' : 's'} dropped (${this.dropped} in all; ${this.maxBufferBytes} bytes at most wait for the output): ${why}`, LogLevel.WARN);
  }

  /** Writes out what is buffered, unless the stream asked us to wait for 'drain'. */
  flush(): void {
    if (this.waitingDrain || this.buf === '' || this.broken) return;
    const chunk = this.buf;
    this.buf = '';
    if (!this.options.stream.write(chunk)) {
      this.waitingDrain = true;
      this.held = chunk.length;
      this.options.stream.once('drain', this.streamOnDrain);
    }
  }

  /** A lifecycle component that flushes what is left at shutdown. */
  closable(): Closable {
    return {
      name: 'access-log',
      close: async () => {
        if (this.timer !== null) clearTimeout(this.timer);
        this.timer = null;
        this.reportDropped('closing');
        // What is buffered is handed to the stream even if it has not drained: bounded by the cap, and the last lines
        // are the ones an operator looks for after a shutdown.
        if (this.waitingDrain) this.options.stream.removeListener('drain', this.streamOnDrain);
        this.waitingDrain = false;
        this.held = 0;
        this.flush();
      },
    };
  }
}

/** The `REMOTE - - ` of a connection's lines, made on its first request and kept on the socket. */
function prefixOf(socket: Tagged & { remoteAddress?: string }): string {
  let prefix = socket[kPrefix] as string | undefined;
  if (prefix === undefined) {
    const remote = socket.remoteAddress;
    prefix = `${remote ?? '-'} - - `;
    // A socket already closed has no address yet to remember: its next (and last) line asks again.
    if (remote !== undefined) socket[kPrefix] = prefix;
  }
  return prefix;
}

/** `"METHOD URL HTTP/x.y"`, quoted; the three parts are checked for escapes one by one instead of joined first. */
function requestLine(req: Req): string {
  const url = redactSecrets(req.url);
  const method = req.method;
  if (method === undefined || url === undefined || NEEDS_ESCAPE.test(url) || NEEDS_ESCAPE.test(method) || NEEDS_ESCAPE.test(req.httpVersion)) {
    return quoteLogValue(`${req.method} ${url} HTTP/${req.httpVersion}`);
  }
  return `"${method} ${url} HTTP/${req.httpVersion}"`;
}

/** Creates the access log for a format, or null for `off`. */
export function createAccessLog(format: LogFormatValue, stream: NodeJS.WritableStream = process.stdout): AccessLog | null {
  return format === LogFormat.OFF ? null : new AccessLog({ format, stream });
}

/** For a handler whose writes bypass respond.ts (a raw `res.end`): the declared Content-Length, if any. */
function declaredBodyBytes(req: Req, res: Res): number | undefined {
  if (req.method === 'HEAD' || res.statusCode === 304 || !res.writableFinished) return undefined;
  const len = Number(res.getHeader('content-length'));
  return Number.isSafeInteger(len) && len >= 0 ? len : undefined;
}
