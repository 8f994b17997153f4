// Pure RFC 6587 octet-counting framing (`LEN SP MSG`, MSG may hold LF), with the --max-message cap and a bad-frame signal.
import type { LineSink } from './line-decoder.js';

/** A sink that can also hear that the stream is not octet-counted framing (any more): it cannot be resynchronised. */
export interface FrameSink extends LineSink {
  /** The frame header is malformed; `reason` says how. The decoder ignores all later input. */
  badFrame?(reason: string): unknown;
}

/** Longest frame length accepted in the header: nine digits, as in the detection rule. */
const MAX_DIGITS = 9;
const SP = 0x20;
const LF = 0x0a;
const CR = 0x0d;
const ZERO = 0x30;
const NINE = 0x39;

const State = { HEADER: 0, BODY: 1, SKIP: 2, DEAD: 3 } as const;
type StateValue = (typeof State)[keyof typeof State];

/**
 * Splits an RFC 6587 octet-counted stream into messages. A frame is `LEN SP MSG` where LEN is 1-9 decimal
 * digits without a leading zero and MSG is exactly LEN bytes (it may contain LF). LF or CRLF between frames
 * is tolerated; one trailing LF (or CRLF) inside MSG is dropped, and frames left empty are skipped.
 * A frame longer than `maxMessageBytes` is skipped by its length and reported through `tooLong`; a malformed
 * header is reported through `badFrame` and everything after it is ignored. Holds at most one frame
 * (`maxMessageBytes`) between chunks, as a copy: no view into a pushed chunk outlives `push()`.
 */
export class OctetDecoder {
  private state: StateValue = State.HEADER;
  private len = 0;
  private digits = 0;
  /** Bytes of the body still to read (BODY) or to skip (SKIP). */
  private remaining = 0;
  /** The body of a frame that spans chunks, filled up to `filled`. */
  private carry: Buffer | null = null;
  private filled = 0;
  /** Set by `startBody`: where in the chunk decoding goes on. */
  private bodyEnd = 0;
  /** Set by `startBody`: it emitted a whole frame and the sink asked to stop. */
  private stopped = false;

  constructor(readonly maxMessageBytes: number) {
    if (!Number.isInteger(maxMessageBytes) || maxMessageBytes < 1) throw new RangeError('maxMessageBytes must be a positive integer');
  }

  /** True once a malformed header was seen: the rest of the stream is ignored. */
  get broken(): boolean {
    return this.state === State.DEAD;
  }

  /**
   * Feeds one chunk and reports every frame completed in it. Returns how many bytes were consumed: all,
   * unless the sink returned `false`, in which case decoding stopped right after that frame and the
   * caller feeds the rest of the chunk later.
   */
  push(chunk: Buffer, sink: FrameSink): number {
    const end = chunk.length;
    let p = 0;
    while (p < end) {
      switch (this.state) {
        case State.DEAD:
          return end;
        case State.HEADER: {
          const b = chunk[p]!;
          p++;
          if (this.digits === 0 && (b === LF || b === CR)) continue;
          if (b >= ZERO && b <= NINE && !(this.digits === 0 && b === ZERO) && this.digits < MAX_DIGITS) {
            this.len = this.len * 10 + (b - ZERO);
            this.digits++;
            continue;
          }
          if (b === SP && this.digits > 0) {
            this.startBody(chunk, p, sink);
            p = this.bodyEnd;
            if (this.stopped) return p;
            continue;
          }
          this.state = State.DEAD;
          sink.badFrame?.(badHeaderReason(b, this.digits));
          return end;
        }
        case State.BODY: {
          const take = Math.min(this.remaining, end - p);
          chunk.copy(this.carry!, this.filled, p, p + take);
          this.filled += take;
          this.remaining -= take;
          p += take;
          if (this.remaining > 0) return end;
          const body = this.carry!;
          this.carry = null;
          this.reset();
          if (emit(body, 0, body.length, sink) === false) return p;
          continue;
        }
        case State.SKIP: {
          const take = Math.min(this.remaining, end - p);
          this.remaining -= take;
          p += take;
          if (this.remaining > 0) return end;
          const len = this.len;
          this.reset();
          if (sink.tooLong(len) === false) return p;
          continue;
        }
      }
    }
    return end;
  }

  /** The header is complete and its body starts at `chunk[p]`: emit it whole, or start carrying or skipping it. */
  private startBody(chunk: Buffer, p: number, sink: FrameSink): void {
    const len = this.len;
    this.stopped = false;
    if (len > this.maxMessageBytes) {
      this.state = State.SKIP;
      this.remaining = len;
      this.bodyEnd = p;
      return;
    }
    if (chunk.length - p >= len) {
      this.reset();
      this.bodyEnd = p + len;
      this.stopped = emit(chunk, p, p + len, sink) === false;
      return;
    }
    // Copy: the caller's chunk may be reused once push() returns.
    this.state = State.BODY;
    this.carry = Buffer.allocUnsafe(len);
    this.filled = 0;
    this.remaining = len;
    this.bodyEnd = p;
  }

  private reset(): void {
    this.state = State.HEADER;
    this.len = 0;
    this.digits = 0;
    this.remaining = 0;
  }

  /**
   * Ends the stream. Returns the bytes of a frame cut off in its body (journaled as partial), or null. A cut
   * off oversized frame is reported through `tooLong`; a cut-off header holds no message and is dropped.
   */
  end(sink: FrameSink): Buffer | null {
    if (this.state === State.SKIP) {
      const len = this.len;
      this.reset();
      sink.tooLong(len);
      return null;
    }
    if (this.state === State.BODY) {
      const rest = this.carry!.subarray(0, this.filled);
      this.carry = null;
      this.reset();
      return rest.length > 0 ? rest : null;
    }
    if (this.state === State.HEADER) this.reset();
    return null;
  }
}

/** Why the header byte `b`, seen after `digits` digits, is not valid octet-counting framing. */
function badHeaderReason(b: number, digits: number): string {
  if (digits === 0) return 'octet-counted framing: expected a frame length (1-9 digits, no leading zero)';
  if (b >= ZERO && b <= NINE) return `octet-counted framing: frame length has more than ${MAX_DIGITS} digits`;
  return 'octet-counted framing: expected a space after the frame length';
}

/** Reports `buf[start, end)` without one trailing LF or CRLF; an empty message is skipped. */
function emit(buf: Buffer, start: number, end: number, sink: LineSink): unknown {
  if (end > start && buf[end - 1] === LF) {
    end--;
    if (end > start && buf[end - 1] === CR) end--;
  }
  if (end === start) return true;
  if (sink.span !== undefined) return sink.span(buf, start, end);
  return sink.line(start === 0 && end === buf.length ? buf : buf.subarray(start, end));
}
