// Pure byte-level line framing shared by the collector and the client: LF-terminated (or NUL, for syslog senders), CR stripped, capped length.

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
const NUL = 0x00;

/**
 * Which bytes end a message. `lf`: LF only (the muxd protocol). `syslog`: the non-transparent framing of RFC 6587
 * §3.4.2 as syslog senders use it: LF, or NUL as the trailer (Python's SysLogHandler over TCP). A connection whose
 * first delimiter is a NUL keeps LFs inside its messages from then on (a traceback stays one message); until then,
 * and for LF senders, both end a message, as rsyslog's imtcp does with `AddtlFrameDelimiter="0"`.
 */
export const Delimiters = { LF: 'lf', SYSLOG: 'syslog' } as const;
/** `lf` or `syslog`. */
export type DelimitersValue = (typeof Delimiters)[keyof typeof Delimiters];

/** What ends a message right now: LF only, LF or NUL, NUL only. */
const Mode = { LF: 0, EITHER: 1, NUL: 2 } as const;
type ModeValue = (typeof Mode)[keyof typeof Mode];

/**
 * Splits a byte stream into lines. Carries at most `maxLineBytes + 1` bytes between chunks: once a
 * line passes the cap it is reported once and its remaining bytes are skipped up to the next LF.
 */
export class LineDecoder {
  private carry: Buffer[] = [];
  private carryBytes = 0;
  private discarding = false;
  private discarded = 0;
  private mode: ModeValue;
  /** Where the next NUL is in the chunk being pushed (its length when none): one scan per chunk, not per line. */
  private nulAt = -1;
  /** True until the first delimiter: in syslog mode it decides whether LF still ends a message. */
  private first = true;

  constructor(
    readonly maxLineBytes: number = DEFAULT_MAX_LINE_BYTES,
    delimiters: DelimitersValue = Delimiters.LF,
  ) {
    if (!Number.isInteger(maxLineBytes) || maxLineBytes < 1) throw new RangeError('maxLineBytes must be a positive integer');
    this.mode = delimiters === Delimiters.SYSLOG ? Mode.EITHER : Mode.LF;
  }

  /** `nul` once a syslog connection was seen to end its messages with NUL; `lf` otherwise. */
  get trailer(): 'lf' | 'nul' {
    return this.mode === Mode.NUL ? 'nul' : 'lf';
  }

  /** The index of the delimiter that ends the message starting at `start`, or -1. */
  private nextDelimiter(chunk: Buffer, start: number): number {
    if (this.mode === Mode.LF) return chunk.indexOf(LF, start);
    if (this.nulAt < start) {
      this.nulAt = chunk.indexOf(NUL, start);
      if (this.nulAt === -1) this.nulAt = chunk.length;
    }
    const nul = this.nulAt < chunk.length ? this.nulAt : -1;
    if (this.mode === Mode.NUL) return nul;
    const lf = chunk.indexOf(LF, start);
    const at = lf === -1 ? nul : nul === -1 ? lf : Math.min(lf, nul);
    if (at !== -1 && this.first) {
      this.first = false;
      if (at === nul) this.mode = Mode.NUL;
    }
    return at;
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
    this.nulAt = -1;
    while (start < end) {
      const nl = this.nextDelimiter(chunk, start);
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

  /** Reports `buf[start, end)` (its delimiter already cut) without a trailing CR (LF or CRLF before a NUL); empty lines are skipped. */
  private emit(buf: Buffer, start: number, end: number, sink: LineSink): unknown {
    if (this.mode === Mode.NUL && end > start && buf[end - 1] === LF) end--;
    if (end > start && buf[end - 1] === CR) end--;
    const len = end - start;
    if (len === 0) return true;
    if (len > this.maxLineBytes) return sink.tooLong(len);
    if (sink.span !== undefined) return sink.span(buf, start, end);
    return sink.line(start === 0 && end === buf.length ? buf : buf.subarray(start, end));
  }
}
