// Pure RELP framing (librelp's wire format): `TXNR SP COMMAND SP DATALEN [SP DATA] LF`, decoded byte by byte, encoded for replies.
import { RelpFault, RelpFrameError } from '../errors.js';

/** Receives decoded frames. Returning `false` stops the decoder right after that frame (see {@link RelpFrameDecoder.push}). */
export interface RelpFrameSink {
  /**
   * One whole frame. Its data is `buf[start, end)`: a view into the input chunk, or a fresh copy when the frame
   * spanned chunks. Keeping it keeps that chunk alive; a caller that reuses its chunks must copy.
   */
  frame(txnr: number, command: string, buf: Buffer, start: number, end: number): unknown;
}

/** librelp's limits: at most 9 digits for the transaction number and the data length, 32 letters of command. */
const MAX_DIGITS = 9;
const MAX_COMMAND = 32;
/** The largest transaction number; the next one after it is 1 again (librelp's relpEngineNextTXNR). */
export const RELP_MAX_TXNR = 999_999_999;

const SP = 0x20;
const LF = 0x0a;
const ZERO = 0x30;
const NINE = 0x39;

const State = { TXNR: 0, COMMAND: 1, DATALEN: 2, DATA: 3, TRAILER: 4 } as const;
type StateValue = (typeof State)[keyof typeof State];

function isAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/**
 * Splits a byte stream into RELP frames, following librelp's receive state machine (relpframe.c). Carries only
 * the header fields and the data of one unfinished frame between chunks; data longer than `maxData` is refused
 * from its length field, before any of it is buffered. A malformed frame throws {@link RelpFrameError}; the
 * decoder then stays broken (the stream cannot be resynchronised) and throws the same error on every push.
 */
export class RelpFrameDecoder {
  private state: StateValue = State.TXNR;
  private digits = 0;
  private txnr = 0;
  private command = '';
  private length = 0;
  private data: Buffer | null = null;
  private got = 0;
  private broken: RelpFrameError | null = null;

  constructor(readonly maxData: number) {
    if (!Number.isInteger(maxData) || maxData < 1) throw new RangeError('maxData must be a positive integer');
  }

  /** True while bytes of an unfinished frame have been read. */
  get midFrame(): boolean {
    return this.state !== State.TXNR || this.digits > 0;
  }

  /**
   * Feeds one chunk; calls the sink for each frame completed in it. Returns how many bytes were consumed: all of
   * them, unless the sink returned `false`, in which case decoding stopped right after that frame's LF.
   */
  push(chunk: Buffer, sink: RelpFrameSink): number {
    if (this.broken) throw this.broken;
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      const c = chunk[i] as number;
      switch (this.state) {
        case State.TXNR:
          if (c >= ZERO && c <= NINE) {
            if (this.digits === MAX_DIGITS) this.fail('transaction number longer than 9 digits', RelpFault.TXNR);
            this.txnr = this.txnr * 10 + (c - ZERO);
            this.digits++;
          } else if (c === SP && this.digits > 0) {
            this.state = State.COMMAND;
            this.digits = 0;
          } else this.fail('bad transaction number', RelpFault.TXNR);
          i++;
          break;
        case State.COMMAND:
          if (isAlpha(c)) {
            if (this.command.length === MAX_COMMAND) this.fail('command longer than 32 letters', RelpFault.COMMAND, this.txnr);
            this.command += String.fromCharCode(c);
          } else if (c === SP && this.command.length > 0) {
            this.state = State.DATALEN;
          } else this.fail('bad command', RelpFault.COMMAND, this.txnr);
          i++;
          break;
        case State.DATALEN:
          if (c >= ZERO && c <= NINE) {
            if (this.digits === MAX_DIGITS) this.fail('data length longer than 9 digits', RelpFault.DATALEN, this.txnr);
            this.length = this.length * 10 + (c - ZERO);
            this.digits++;
            i++;
          } else if (this.digits === 0) {
            this.fail('bad data length', RelpFault.DATALEN, this.txnr);
          } else if (this.length === 0) {
            // No data: the next byte must be the trailer (librelp's "0\n"); it is checked without consuming it here.
            this.state = State.TRAILER;
          } else if (c !== SP) {
            this.fail('bad data length', RelpFault.DATALEN, this.txnr);
          } else {
            i++;
            if (this.length > this.maxData) this.fail(`data longer than ${this.maxData} bytes`, RelpFault.TOO_LONG, this.txnr);
            // Fast path: the whole data and its LF are in this chunk; hand out a view.
            const end = i + this.length;
            if (end < n && chunk[end] === LF) {
              const more = this.emit(sink, chunk, i, end);
              i = end + 1;
              if (more === false) return i;
              break;
            }
            this.data = Buffer.allocUnsafe(this.length);
            this.got = 0;
            this.state = State.DATA;
          }
          break;
        case State.DATA: {
          const data = this.data as Buffer;
          const take = Math.min(this.length - this.got, n - i);
          chunk.copy(data, this.got, i, i + take);
          this.got += take;
          i += take;
          if (this.got === this.length) this.state = State.TRAILER;
          break;
        }
        case State.TRAILER: {
          if (c !== LF) this.fail('frame not ended by LF after its data length', RelpFault.TRAILER, this.txnr);
          i++;
          const data = this.data;
          const more = data === null ? this.emit(sink, chunk, i, i) : this.emit(sink, data, 0, data.length);
          if (more === false) return i;
          break;
        }
      }
    }
    return n;
  }

  /** Reports one frame and gets ready for the next. */
  private emit(sink: RelpFrameSink, buf: Buffer, start: number, end: number): unknown {
    const { txnr, command } = this;
    this.state = State.TXNR;
    this.digits = 0;
    this.txnr = 0;
    this.command = '';
    this.length = 0;
    this.data = null;
    this.got = 0;
    return sink.frame(txnr, command, buf, start, end);
  }

  private fail(message: string, fault: RelpFrameError['fault'], txnr: number | null = null): never {
    this.data = null;
    this.broken = new RelpFrameError(message, fault, txnr);
    throw this.broken;
  }
}

/** Encodes one frame: `TXNR SP COMMAND SP DATALEN [SP DATA] LF` (no SP and no data when the data is empty). */
export function encodeRelpFrame(txnr: number, command: string, data: string | Buffer = ''): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const head = body.length > 0 ? `${txnr} ${command} ${body.length} ` : `${txnr} ${command} 0`;
  const headLen = Buffer.byteLength(head, 'latin1');
  const out = Buffer.allocUnsafe(headLen + body.length + 1);
  out.write(head, 0, 'latin1');
  body.copy(out, headLen);
  out[out.length - 1] = LF;
  return out;
}

/** The transaction number that follows `txnr` (librelp wraps to 1 after 999 999 999). */
export function nextTxnr(txnr: number): number {
  return txnr >= RELP_MAX_TXNR ? 1 : txnr + 1;
}
