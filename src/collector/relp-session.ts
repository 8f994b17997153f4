// One RELP session's protocol state as a FrameDecoder for LineSource: open/syslog/close in order, txnr checks, one message per syslog frame.
import { MessageTooLongError, RelpFault, RelpFrameError } from '../errors.js';
import type { LineSink } from '../protocol/line-decoder.js';
import { nextTxnr, RelpFrameDecoder } from '../protocol/relp-frame.js';
import type { RelpFrameSink } from '../protocol/relp-frame.js';
import { openResponse, RelpReplyEncoder } from '../protocol/relp-replies.js';
import type { FrameDecoder } from '../protocol/framing.js';

/** The frame cap for `open` and `close`, whose data is not a message (offers are a few dozen bytes). */
const MIN_FRAME_DATA = 4096;

/** What a session asks of its connection. */
export interface RelpSessionHooks {
  /** Writes a reply that owes nothing to the journal (the answer to `open`) right away. */
  send(bytes: Buffer): void;
  /** The client sent `close` (transaction `txnr`): answer it once every earlier message is answered, then end. */
  close(txnr: number): void;
  /** The stream broke the protocol: answer `err.txnr` (if any) with `rsp 500`, after the earlier answers, then end. */
  fail(err: RelpFrameError | MessageTooLongError, txnr: number | null): void;
}

/**
 * Decodes RELP frames for a {@link LineSource}: each `syslog` frame becomes one message (its data, verbatim), and
 * its transaction number is queued on `replies`, so that the collector's answer goes out as `TXNR rsp 200 OK`
 * (or `rsp 500`) once the fdatasync covering it is done. `open` is answered at once; `close`, a malformed frame or
 * a command out of place ends the session (through the hooks) and the rest of the input is ignored.
 */
export class RelpSession implements FrameDecoder, RelpFrameSink {
  /** The encoder to hand to the LineSource: it turns the collector's answers into `rsp` frames. */
  readonly replies = new RelpReplyEncoder();
  private readonly decoder: RelpFrameDecoder;
  private expected = 1;
  private opened = false;
  /** Closed or failed: every later byte is dropped. */
  private done = false;
  /** The LineSink of the push in progress. */
  private sink: LineSink | null = null;

  constructor(
    private readonly maxMessage: number,
    private readonly hooks: RelpSessionHooks,
    private readonly software: string,
  ) {
    this.decoder = new RelpFrameDecoder(Math.max(maxMessage, MIN_FRAME_DATA));
  }

  /** {@inheritDoc FrameDecoder.push} */
  push(chunk: Buffer, sink: LineSink): number {
    if (this.done) return chunk.length;
    this.sink = sink;
    try {
      const used = this.decoder.push(chunk, this);
      return this.done ? chunk.length : used;
    } catch (err) {
      if (!(err instanceof RelpFrameError)) throw err;
      this.quit(err.fault === RelpFault.TOO_LONG ? new MessageTooLongError(this.maxMessage) : err, err.txnr);
      return chunk.length;
    } finally {
      this.sink = null;
    }
  }

  /** An unfinished frame at the end of input is not a message: the client resends what was not answered. */
  end(_sink: LineSink): Buffer | null {
    return null;
  }

  /** {@inheritDoc RelpFrameSink.frame} */
  frame(txnr: number, command: string, buf: Buffer, start: number, end: number): unknown {
    if (txnr !== this.expected) {
      return this.quit(new RelpFrameError(`transaction number ${txnr}, expected ${this.expected}`, RelpFault.TXNR, txnr), txnr);
    }
    this.expected = nextTxnr(txnr);
    switch (command) {
      case 'syslog': {
        if (!this.opened) return this.quit(new RelpFrameError('syslog before open', RelpFault.SESSION, txnr), txnr);
        if (end - start > this.maxMessage) return this.quit(new MessageTooLongError(this.maxMessage), txnr);
        if (end === start) return this.quit(new RelpFrameError('syslog frame without data', RelpFault.SESSION, txnr), txnr);
        this.replies.expect(txnr);
        const sink = this.sink as LineSink;
        return sink.span !== undefined ? sink.span(buf, start, end) : sink.line(buf.subarray(start, end));
      }
      case 'open':
        if (this.opened) return this.quit(new RelpFrameError('session already open', RelpFault.SESSION, txnr), txnr);
        if (!offersSyslog(buf.toString('latin1', start, end))) {
          return this.quit(new RelpFrameError('client does not offer commands=syslog', RelpFault.SESSION, txnr), txnr);
        }
        this.opened = true;
        this.hooks.send(openResponse(txnr, this.software));
        return true;
      case 'close':
        this.done = true;
        this.hooks.close(txnr);
        return false;
      default:
        return this.quit(new RelpFrameError(`unsupported command ${command}`, RelpFault.COMMAND, txnr), txnr);
    }
  }

  private quit(err: RelpFrameError | MessageTooLongError, txnr: number | null): false {
    this.done = true;
    this.hooks.fail(err, txnr);
    return false;
  }
}

/** True when an `open` offer list (LF-separated `name=value,value`) includes `commands` with `syslog`. */
function offersSyslog(offers: string): boolean {
  for (const line of offers.split('\n')) {
    const eq = line.indexOf('=');
    const name = eq === -1 ? line : line.slice(0, eq);
    if (name.trim() !== 'commands') continue;
    return line.slice(eq + 1).split(',').some((v) => v.trim() === 'syslog');
  }
  return false;
}
