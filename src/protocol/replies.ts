// Collector reply lines: `ok <seq>` once a message is durable, `error <CODE> <short reason>` otherwise (docs/protocol.md).
import { ProtocolError } from '../errors.js';

/** `error <CODE> <reason>\n`; the reason is flattened to one line and capped at 200 characters. */
export function errorLine(code: string, reason: string): string {
  const flat = reason.replace(/[\r\n]+/g, ' ').slice(0, 200);
  return `error ${code} ${flat}\n`;
}

/** Decimal digits of a non-negative safe integer (multiplication only: cheaper than division). */
function digitsOf(n: number): number {
  let digits = 1;
  for (let p = 10; n >= p; p *= 10) digits++;
  return digits;
}

/**
 * Builds the reply bytes a collector sends in one socket write: runs of `ok <seq>` lines and error lines,
 * in order. Seqs of a run are consecutive, so their digits are counted once and bumped at each power of ten;
 * no string is made per reply. `take()` hands out the bytes and starts over.
 */
export class ReplyEncoder {
  private buf: Buffer = Buffer.allocUnsafe(0);
  private used = 0;

  /** Bytes encoded since the last `take()`. */
  get length(): number {
    return this.used;
  }

  /** Appends `ok first\nok first+1\n…`, `count` lines. */
  ok(first: number, count: number): void {
    if (count <= 0) return;
    let digits = digitsOf(first);
    // Each line is at most "ok " + the last seq's digits + LF.
    this.reserve(count * (4 + digitsOf(first + count - 1)));
    const out = this.buf;
    let o = this.used;
    let nextPow = 10 ** digits;
    // Counted, not `seq < first + count`: past 2^53 that sum is rounded.
    for (let i = 0, seq = first; i < count; i++, seq++) {
      if (seq >= nextPow) {
        digits++;
        nextPow *= 10;
      }
      out[o] = 0x6f; // o
      out[o + 1] = 0x6b; // k
      out[o + 2] = 0x20;
      o += 3 + digits;
      let d = o;
      let n = seq;
      if (n <= 0x7fffffff) {
        // Int32 arithmetic is much cheaper than float division; every realistic seq fits.
        do {
          out[--d] = 0x30 + (n % 10);
          n = (n / 10) | 0;
        } while (n > 0);
      } else {
        do {
          out[--d] = 0x30 + (n % 10);
          n = Math.floor(n / 10);
        } while (n > 0);
      }
      out[o++] = 0x0a;
    }
    this.used = o;
  }

  /** Appends `count` copies of `error <CODE> <reason>\n` (see {@link errorLine}). */
  error(code: string, reason: string, count = 1): void {
    if (count <= 0) return;
    const line = errorLine(code, reason);
    const len = Buffer.byteLength(line);
    this.reserve(len * count);
    for (let i = 0; i < count; i++) this.used += this.buf.write(line, this.used, 'utf8');
  }

  /** The bytes encoded so far (a buffer of its own); the encoder is empty afterwards. */
  take(): Buffer {
    const out = this.buf.subarray(0, this.used);
    this.buf = Buffer.allocUnsafe(0);
    this.used = 0;
    return out;
  }

  private reserve(more: number): void {
    const need = this.used + more;
    if (need <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2, 64));
    this.buf.copy(grown, 0, 0, this.used);
    this.buf = grown;
  }
}

/** The two kinds of reply a collector sends. */
export const ReplyKind = { OK: 'ok', ERROR: 'error' } as const;

/** One parsed reply line. */
export type Reply = { kind: typeof ReplyKind.OK; seq: number } | { kind: typeof ReplyKind.ERROR; code: string; reason: string };

const O = 0x6f;
const K = 0x6b;
const SPACE = 0x20;
const ZERO = 0x30;
const CODE_RE = /^ERR_[A-Z0-9_]+$/;

/**
 * Parses one reply line (without its LF). `ok` lines take a fast path over the bytes because
 * a benchmark parses hundreds of thousands of them. Throws ProtocolError for anything else,
 * including seq 0 and leading zeros (seqs start at 1).
 */
export function parseReply(line: Buffer): Reply {
  const n = line.length;
  if (n >= 4 && line[0] === O && line[1] === K && line[2] === SPACE) {
    if (n - 3 > 16) throw new ProtocolError('sequence number too long');
    if (line[3] === ZERO) throw new ProtocolError('malformed ok reply');
    let seq = 0;
    for (let i = 3; i < n; i++) {
      const d = (line[i] as number) - ZERO;
      if (d < 0 || d > 9) throw new ProtocolError('malformed ok reply');
      seq = seq * 10 + d;
    }
    if (!Number.isSafeInteger(seq)) throw new ProtocolError('sequence number too large');
    return { kind: ReplyKind.OK, seq };
  }
  const text = line.toString('utf8');
  if (text.startsWith('error ')) {
    const rest = text.slice(6);
    const sp = rest.indexOf(' ');
    const code = sp === -1 ? rest : rest.slice(0, sp);
    if (!CODE_RE.test(code)) throw new ProtocolError('malformed error code in reply');
    return { kind: ReplyKind.ERROR, code, reason: sp === -1 ? '' : rest.slice(sp + 1) };
  }
  throw new ProtocolError('unexpected reply line');
}

/** Renders a reply back to its wire text (for printing). */
export function formatReply(reply: Reply): string {
  if (reply.kind === ReplyKind.OK) return `ok ${reply.seq}`;
  return reply.reason ? `error ${reply.code} ${reply.reason}` : `error ${reply.code}`;
}
