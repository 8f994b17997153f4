// Buffered access log (common, combined, json): one string append per request, flushed in big writes with backpressure.
import type { Req, Res } from './types.js';
import type { Closable } from '../../lifecycle.js';

/** Access log formats. */
export const LogFormat = {
  COMMON: 'common',
  COMBINED: 'combined',
  JSON: 'json',
  OFF: 'off',
} as const;

/** One of {@link LogFormat}. */
export type LogFormatValue = (typeof LogFormat)[keyof typeof LogFormat];

/** Handlers set this symbol on a response to the body bytes they sent; the log shows `-` when absent. */
export const kBodyBytes = Symbol.for('muxd.bodyBytes');
const kStart = Symbol('muxd.start');
const kRemote = Symbol('muxd.remote');

/** Options for {@link AccessLog}. */
export interface AccessLogOptions {
  format: Exclude<LogFormatValue, 'off'>;
  stream: NodeJS.WritableStream;
  /** Flush when this many bytes are buffered. Default 64 KiB. */
  flushBytes?: number;
  /** Flush at least this often. Default 200 ms. */
  flushMs?: number;
  /** Lines are dropped (and counted) while this much is buffered and the stream is not draining. Default 4 MiB. */
  maxBufferBytes?: number;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number): string => (n < 10 ? `0${n}` : String(n));

/**
 * Quotes a header value for common/combined lines: escapes `"`, `\`, C0 controls, DEL and C1 controls (\x80–\x9f,
 * which header bytes become as latin1 and which some terminals obey, e.g. \x9b as CSI), so a line stays one line
 * and carries no terminal escape.
 */
export function quoteLogValue(v: string | undefined): string {
  if (v === undefined || v === '') return '"-"';
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

/** Writes access log lines through a buffer; call `track(res)` for each response and `close()` at shutdown. */
export class AccessLog {
  private buf = '';
  private waitingDrain = false;
  private timer: NodeJS.Timeout | null = null;
  private dateSecond = -1;
  private dateText = '';
  private readonly flushBytes: number;
  private readonly flushMs: number;
  private readonly maxBufferBytes: number;
  /** Lines dropped because the output could not keep up (or is gone). */
  dropped = 0;
  /** The output failed (EPIPE when stdout's reader went away): logging stops, serving goes on. */
  broken = false;
  /** The 'close' listener attached to every response (one shared function, no per-request closure). */
  private readonly resOnClose: (this: Res) => void;

  constructor(private readonly options: AccessLogOptions) {
    this.flushBytes = options.flushBytes ?? 64 * 1024;
    this.flushMs = options.flushMs ?? 200;
    this.maxBufferBytes = options.maxBufferBytes ?? 4 * 1024 * 1024;
    options.stream.on('error', () => {
      this.broken = true;
      this.buf = '';
    });
    const record = (req: Req, res: Res): void => this.record(req, res);
    this.resOnClose = function resOnClose(this: Res): void {
      record(this.req, this);
    };
  }

  /** Starts timing a response and logs it when it closes (finished or aborted). */
  track(req: Req, res: Res): void {
    if (this.options.format === LogFormat.JSON) (res as unknown as Record<symbol, number>)[kStart] = performance.now();
    // An HTTP/2 stream's socket proxy is gone once the stream closes: remember the peer now.
    if (req.httpVersionMajor === 2) (res as unknown as Record<symbol, string | undefined>)[kRemote] = req.socket?.remoteAddress;
    res.on('close', this.resOnClose);
  }

  private clfDate(): string {
    const now = Date.now();
    const sec = Math.floor(now / 1000);
    if (sec !== this.dateSecond) {
      const d = new Date(sec * 1000);
      this.dateSecond = sec;
      this.dateText = `[${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000]`;
    }
    return this.dateText;
  }

  /** Formats and buffers one line for a finished (or aborted) response. */
  record(req: Req, res: Res): void {
    const bytes = (res as unknown as Record<symbol, number | undefined>)[kBodyBytes] ?? declaredBodyBytes(req, res);
    const status = res.writableFinished || res.headersSent ? res.statusCode : 0;
    const remote = (res as unknown as Record<symbol, string | undefined>)[kRemote] ?? req.socket?.remoteAddress ?? '-';
    let line: string;
    if (this.options.format === LogFormat.JSON) {
      const start = (res as unknown as Record<symbol, number | undefined>)[kStart];
      line = JSON.stringify({
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
    } else {
      line = `${remote} - - ${this.clfDate()} ${quoteLogValue(`${req.method} ${redactSecrets(req.url)} HTTP/${req.httpVersion}`)} ${status} ${bytes === undefined ? '-' : bytes}`;
      if (this.options.format === LogFormat.COMBINED) {
        line += ` ${quoteLogValue(redactSecrets(req.headers.referer))} ${quoteLogValue(req.headers['user-agent'])}`;
      }
    }
    this.push(`${line}\n`);
  }

  /** Buffers a raw line (ending in a newline). */
  push(line: string): void {
    if (this.broken || this.buf.length + line.length > this.maxBufferBytes) {
      this.dropped++;
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

  /** Writes out what is buffered, unless the stream asked us to wait for 'drain'. */
  flush(): void {
    if (this.waitingDrain || this.buf === '' || this.broken) return;
    const chunk = this.buf;
    this.buf = '';
    if (!this.options.stream.write(chunk)) {
      this.waitingDrain = true;
      this.options.stream.once('drain', () => {
        this.waitingDrain = false;
        this.flush();
      });
    }
  }

  /** A lifecycle component that flushes what is left at shutdown. */
  closable(): Closable {
    return {
      name: 'access-log',
      close: async () => {
        if (this.timer !== null) clearTimeout(this.timer);
        this.timer = null;
        this.waitingDrain = false;
        this.flush();
      },
    };
  }
}

/** Creates the access log for a format, or null for `off`. */
export function createAccessLog(format: LogFormatValue, stream: NodeJS.WritableStream = process.stdout): AccessLog | null {
  return format === LogFormat.OFF ? null : new AccessLog({ format, stream });
}

/** For handlers that do not report body bytes (the /_muxd/ endpoints): the declared Content-Length, if any. */
function declaredBodyBytes(req: Req, res: Res): number | undefined {
  if (req.method === 'HEAD' || res.statusCode === 304 || !res.writableFinished) return undefined;
  const len = Number(res.getHeader('content-length'));
  return Number.isSafeInteger(len) && len >= 0 ? len : undefined;
}
