// Pure parser for collector reply lines (`ok <seq>` / `error <CODE> <reason>`), shared by muxd send and muxd bench.
import { ProtocolError } from '../errors.js';
import { LineDecoder } from '../protocol/line-decoder.js';

/** The two kinds of reply a collector sends. */
export const ReplyKind = { OK: 'ok', ERROR: 'error' } as const;

/** One parsed reply line. */
export type Reply = { kind: typeof ReplyKind.OK; seq: number } | { kind: typeof ReplyKind.ERROR; code: string; reason: string };

/** Longest reply line accepted; real replies are a few dozen bytes. */
export const MAX_REPLY_BYTES = 4096;

const O = 0x6f;
const K = 0x6b;
const SPACE = 0x20;
const ZERO = 0x30;
const CODE_RE = /^ERR_[A-Z0-9_]+$/;

/**
 * Parses one reply line (without its LF). `ok` lines take a fast path over the bytes because
 * a benchmark parses hundreds of thousands of them. Throws ProtocolError for anything else.
 */
export function parseReply(line: Buffer): Reply {
  const n = line.length;
  if (n >= 4 && line[0] === O && line[1] === K && line[2] === SPACE) {
    if (n - 3 > 16) throw new ProtocolError('sequence number too long');
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
