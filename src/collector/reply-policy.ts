// How a stream input talks back: never (the syslog port), the muxd line protocol (`ok`/`error`), or RELP (`rsp`); and the inputs built on them.
import { ErrorCode, IdleTimeoutError } from '../errors.js';
import type { MessageTooLongError, RelpFrameError } from '../errors.js';
import type { LogLevelValue } from '../logger.js';
import { Framing } from '../protocol/framing.js';
import type { FrameDecoder, FramingValue } from '../protocol/framing.js';
import { createFrameDecoder } from '../protocol/framing.js';
import { Delimiters } from '../protocol/line-decoder.js';
import { closeResponse, errorResponse, SERVER_CLOSE } from '../protocol/relp-replies.js';
import { errorLine, ReplyEncoder } from '../protocol/replies.js';
import type { ReplyWriter } from './line-source.js';
import { RelpSession } from './relp-session.js';

/** What a connection may say besides the per-message answers: its last words in each way it can end. */
export interface ReplyPolicy {
  /** `none`, `muxd` or `relp`. */
  readonly name: string;
  /** Sent to a connection refused at accept (too many connections, shutting down); null closes without a byte. */
  refusal(code: string, message: string): Buffer | null;
  /** Sent when the idle timeout closes a connection that owes and holds nothing. */
  idle(seconds: number): Buffer | null;
  /** Sent at shutdown, after every answer owed. */
  shutdown(): Buffer | null;
  /** Sent after the framing broke; with acks on, the muxd error is already among the answers. */
  badFrame(reason: string, acked: boolean): Buffer | null;
}

/** A syslog listener never writes a byte: syslog-ng takes any byte from a server as a broken connection. */
export const SILENT: ReplyPolicy = {
  name: 'none',
  refusal: () => null,
  idle: () => null,
  shutdown: () => null,
  badFrame: () => null,
};

/** The muxd line protocol: every refusal and ending is an `error <CODE> …` line. */
export const MUXD_REPLIES: ReplyPolicy = {
  name: 'muxd',
  refusal: (code, message) => Buffer.from(errorLine(code, message)),
  idle: (seconds) => Buffer.from(errorLine(ErrorCode.IDLE_TIMEOUT, new IdleTimeoutError(seconds).message)),
  shutdown: () => null,
  badFrame: (reason, acked) => (acked ? null : Buffer.from(errorLine(ErrorCode.BAD_FRAME, reason))),
};

/** RELP: a refused, idle or stopped session gets librelp's `serverclose` hint; protocol errors are answered by the session. */
export const RELP_REPLIES: ReplyPolicy = {
  name: 'relp',
  refusal: () => SERVER_CLOSE,
  idle: () => SERVER_CLOSE,
  shutdown: () => SERVER_CLOSE,
  badFrame: () => SERVER_CLOSE,
};

/** What a protocol may ask of its connection. */
export interface ConnectionHost {
  /** Writes bytes that owe nothing to the journal (RELP's answer to `open`) now. */
  send(bytes: Buffer): void;
  /** Stops reading; once every message read is journaled and answered, sends `last` (if any) and ends. */
  endAfterAnswers(last: Buffer | null): void;
  /** From now on the connection answers nothing: it turned out to be a sender that never reads. */
  silence(): void;
  /** Counts a refusal by code in the stats and metrics. */
  countRejected(code: string): void;
  /** Logs a line about this connection. */
  log(message: string, level?: LogLevelValue): void;
}

/** What one connection of an input decodes with and answers through. */
export interface ProtocolSession {
  decoder: FrameDecoder;
  /** The answer encoder; null: the line protocol's ReplyEncoder. */
  replies: ReplyWriter | null;
  /** Per-message answers are sent. */
  ack: boolean;
}

/** One stream input's protocol: a decoder and a reply policy. A new input is one more of these. */
export interface StreamProtocol {
  /** The `listening <kind> …` word and the metrics label: `collect`, `syslog` or `relp`. */
  readonly kind: string;
  /** The prefix of the journal's `src`: `tcp`, `syslog` or `relp` (then `:ADDR:PORT`). */
  readonly srcPrefix: string;
  readonly policy: ReplyPolicy;
  open(host: ConnectionHost, maxMessage: number): ProtocolSession;
}

/**
 * The muxd port: LF lines or octet-counted frames (`--framing`), answered `ok <seq>` / `error …` when `ack`. A
 * connection that is octet-counted gets no answers at all: every octet-counting sender is a syslog sender, and none
 * reads its socket (the replies would fill both socket buffers and stall it for good).
 */
export function muxdProtocol(framing: FramingValue, ack: boolean): StreamProtocol {
  return {
    kind: 'collect',
    srcPrefix: 'tcp',
    policy: MUXD_REPLIES,
    open: (host, maxMessage) => ({
      decoder: createFrameDecoder(framing, maxMessage, Delimiters.LF, (f) => {
        if (f === Framing.OCTET) host.silence();
      }),
      replies: new ReplyEncoder(),
      ack,
    }),
  };
}

/** The syslog port: octet counting, LF or NUL trailers, detected per connection; never a byte back (rsyslog imtcp, syslog-ng network()). */
export const SYSLOG_PROTOCOL: StreamProtocol = {
  kind: 'syslog',
  srcPrefix: 'syslog',
  policy: SILENT,
  open: (_host, maxMessage) => ({ decoder: createFrameDecoder(Framing.AUTO, maxMessage, Delimiters.SYSLOG), replies: null, ack: false }),
};

/** What muxd calls itself in RELP's `open` answer (`relp_software=`). */
const RELP_SOFTWARE = 'muxd';

/** RELP (rsyslog omrelp): every message is answered `rsp 200` once on disk; `--ack off` does not apply (a client without answers would resend forever). */
export const RELP_PROTOCOL: StreamProtocol = {
  kind: 'relp',
  srcPrefix: 'relp',
  policy: RELP_REPLIES,
  open: (host, maxMessage) => {
    const session = new RelpSession(
      maxMessage,
      {
        send: (bytes) => host.send(bytes),
        close: (txnr) => host.endAfterAnswers(Buffer.concat([closeResponse(txnr), SERVER_CLOSE])),
        fail: (err: RelpFrameError | MessageTooLongError, txnr) => {
          host.countRejected(err.code);
          host.log(`RELP session closed: ${err.code} ${err.message}`, 'warn');
          host.endAfterAnswers(txnr === null ? SERVER_CLOSE : Buffer.concat([errorResponse(txnr, `${err.code} ${err.message}`), SERVER_CLOSE]));
        },
      },
      RELP_SOFTWARE,
    );
    return { decoder: session, replies: session.replies, ack: true };
  },
};
