// Splits a collector's reply stream into parsed replies (`ok <seq>` / `error <CODE> <reason>`), for muxd send and muxd bench.
import { ProtocolError } from '../errors.js';
import { LineDecoder } from '../protocol/line-decoder.js';
import { parseReply } from '../protocol/replies.js';
import type { Reply } from '../protocol/replies.js';

export { ReplyKind, parseReply, formatReply } from '../protocol/replies.js';
export type { Reply } from '../protocol/replies.js';

/** Longest reply line accepted; real replies are a few dozen bytes. */
export const MAX_REPLY_BYTES = 4096;

/** Receives parsed replies from a {@link ReplyReader}. */
export interface ReplySink {
  reply(reply: Reply): void;
  /** A line that is not a reply; the connection cannot be trusted after this. */
  protocolError(err: ProtocolError): void;
}

/** Splits socket bytes into reply lines and parses them; bounded by {@link MAX_REPLY_BYTES} per line. */
export class ReplyReader {
  private readonly decoder = new LineDecoder(MAX_REPLY_BYTES);
  private failed = false;
  private unfinished = 0;

  /** Feeds one chunk from the socket. Stops delivering after the first protocol error. */
  push(chunk: Buffer, sink: ReplySink): void {
    if (this.failed) return;
    this.decoder.push(chunk, {
      line: (bytes) => {
        if (this.failed) return;
        let reply: Reply;
        try {
          reply = parseReply(bytes);
        } catch (err) {
          this.failed = true;
          sink.protocolError(err as ProtocolError);
          return;
        }
        sink.reply(reply);
      },
      tooLong: () => {
        if (this.failed) return;
        this.failed = true;
        sink.protocolError(new ProtocolError('reply line too long'));
      },
    });
    // The decoder only reports an over-long line at its LF; a server that never sends one must not stall us.
    const lf = chunk.lastIndexOf(0x0a);
    this.unfinished = lf === -1 ? this.unfinished + chunk.length : chunk.length - lf - 1;
    if (!this.failed && this.unfinished > MAX_REPLY_BYTES + 1) {
      this.failed = true;
      sink.protocolError(new ProtocolError('reply line too long'));
    }
  }

  /** True while an unfinished reply line is held (the server closed mid-reply if this stays true). */
  get hasPartial(): boolean {
    return this.decoder.hasPartial;
  }
}
