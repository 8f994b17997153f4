// Pure byte-level line framing shared by the collector and the client: LF-terminated, CR stripped, capped length.

/**
 * Receives framing events. `line` is a view into the input chunk or a fresh copy: keeping it keeps that
 * chunk alive, and a caller that reuses its chunks must copy. Returning `false` from `line` or `tooLong`
 * stops the decoder right after that line (see {@link LineDecoder.push}).
 */
export interface LineSink {
  /** A complete, non-empty line without its CR/LF. Only `false` stops the decoder; any other result goes on. */
  line(bytes: Buffer): unknown;
  /** A line longer than the cap ended (or was cut off); `length` is how many bytes it had. Same result rule. */
  tooLong(length: number): unknown;
  /**
   * Optional, instead of `line`: the line is `buf[start, end)`, where `buf` is the input chunk or a fresh
   * copy. Saves making a view object per line for a sink that keeps many lines (the collector's queues).
   */
  span?(buf: Buffer, start: number, end: number): unknown;
}

/** Default cap on one line, in bytes, excluding the LF. */
export const DEFAULT_MAX_LINE_BYTES = 65_536;

const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream into lines. Carries at most `maxLineBytes + 1` bytes between chunks: once a
 * line passes the cap it is reported once and its remaining bytes are skipped up to the next LF.
 */
export class LineDecoder {
  private carry: Buffer[] = [];
  private carryBytes = 0;
  private discarding = false;
  private discarded = 0;

  constructor(readonly maxLineBytes: number = DEFAULT_MAX_LINE_BYTES) {
    if (!Number.isInteger(maxLineBytes) || maxLineBytes < 1) throw new RangeError('maxLineBytes must be a positive integer');
  }

  /** True while bytes of an unfinished line are held. */
  get hasPartial(): boolean {
    return this.carryBytes > 0 && !this.discarding;
  }

  /**
   * Feeds one chunk and calls the sink for every line completed in it. Returns how many bytes of the
   * chunk were consumed: all of them, unless the sink returned `false`, in which case decoding stopped
   * right after that line's LF and the caller feeds `chunk.subarray(consumed)` later to continue.
   */
  push(chunk: Buffer, sink: LineSink): number {
    let start = 0;
    const end = chunk.length;
    while (start < end) {
      const nl = chunk.indexOf(LF, start);
      if (nl === -1) {
        this.hold(chunk.subarray(start));
        return end;
      }
      let more: unknown;
      if (this.discarding) {
        this.discarded += nl - start;
        more = sink.tooLong(this.discarded);
        this.discarding = false;
        this.discarded = 0;
      } else if (this.carryBytes === 0) {
        more = this.emit(chunk, start, nl, sink);
      } else {
        this.carry.push(chunk.subarray(start, nl));
        const whole = Buffer.concat(this.carry, this.carryBytes + (nl - start));
        this.carry = [];
        this.carryBytes = 0;
        more = this.emit(whole, 0, whole.length, sink);
      }
      start = nl + 1;
      if (more === false) return start;
    }
    return end;
  }

  /**
   * Ends the stream. Returns the bytes of an unfinished line (the caller journals it as partial),
   * or null when there is none. A line over the cap that never ended is reported through the sink.
   */
  end(sink: LineSink): Buffer | null {
    if (this.discarding) {
      sink.tooLong(this.discarded);
      this.discarding = false;
      this.discarded = 0;
      return null;
    }
    if (this.carryBytes === 0) return null;
    const rest = Buffer.concat(this.carry, this.carryBytes);
    this.carry = [];
    this.carryBytes = 0;
    if (rest.length > this.maxLineBytes) {
      sink.tooLong(rest.length);
      return null;
    }
    return rest;
  }

  private hold(piece: Buffer): void {
    if (this.discarding) {
      this.discarded += piece.length;
      return;
    }
    // One extra byte is allowed so that a line of exactly the cap followed by CR is not cut.
    if (this.carryBytes + piece.length > this.maxLineBytes + 1) {
      this.discarding = true;
      this.discarded = this.carryBytes + piece.length;
      this.carry = [];
      this.carryBytes = 0;
      return;
    }
    // Copy: the caller's chunk may be reused once push() returns.
    this.carry.push(Buffer.from(piece));
    this.carryBytes += piece.length;
  }

  /** Reports `buf[start, end)` (its LF already cut) without a trailing CR; empty lines are skipped. */
  private emit(buf: Buffer, start: number, end: number, sink: LineSink): unknown {
    if (end > start && buf[end - 1] === CR) end--;
    const len = end - start;
    if (len === 0) return true;
    if (len > this.maxLineBytes) return sink.tooLong(len);
    if (sink.span !== undefined) return sink.span(buf, start, end);
    return sink.line(start === 0 && end === buf.length ? buf : buf.subarray(start, end));
  }
}
