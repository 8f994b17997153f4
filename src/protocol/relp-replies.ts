// RELP server replies: `TXNR rsp …` frames for each syslog message (in order, by transaction number), the open answer, serverclose.
import { encodeRelpFrame } from './relp-frame.js';

/** The RELP protocol version muxd speaks (librelp's RELP_CURR_PROTOCOL_VERSION). */
export const RELP_VERSION = 0;

/** The hint a librelp server sends when it ends a session: `0 serverclose 0`. */
export const SERVER_CLOSE = encodeRelpFrame(0, 'serverclose');

/**
 * The answer to `open`, laid out as librelp's server builds it (relpOffersToString: offers joined by LF,
 * relp_version first): `200 OK`, then `relp_version=0`, `relp_software=…`, `commands=syslog`.
 */
export function openResponse(txnr: number, software: string): Buffer {
  const offers = `200 OK\nrelp_version=${RELP_VERSION}\nrelp_software=${software}\ncommands=syslog`;
  return encodeRelpFrame(txnr, 'rsp', offers);
}

/** A `rsp 500 …` frame; the reason is flattened to one line and capped at 200 characters. */
export function errorResponse(txnr: number, reason: string): Buffer {
  return encodeRelpFrame(txnr, 'rsp', `500 ${reason.replace(/[\r\n]+/g, ' ').slice(0, 200)}`);
}

/** The answer to `close`: an empty `rsp`. */
export function closeResponse(txnr: number): Buffer {
  return encodeRelpFrame(txnr, 'rsp');
}

const OK_DATA = Buffer.from(' rsp 6 200 OK\n', 'latin1');

/**
 * Encodes the per-message answers of a RELP session. The session announces each queued `syslog` frame with
 * `expect(txnr)`; the collector's answers come in the same order (one per message), so each `ok`/`error` takes
 * the oldest transaction number. Same shape as the line protocol's ReplyEncoder: `take()` hands out the bytes.
 */
export class RelpReplyEncoder {
  private txnrs: number[] = [];
  private head = 0;
  private parts: Buffer[] = [];
  private bytes = 0;

  /** Bytes encoded since the last `take()`. */
  get length(): number {
    return this.bytes;
  }

  /** Transaction numbers queued and not answered yet. */
  get pending(): number {
    return this.txnrs.length - this.head;
  }

  /** A `syslog` frame with this transaction number was queued; its answer comes after those of earlier ones. */
  expect(txnr: number): void {
    this.txnrs.push(txnr);
  }

  /** `count` messages are durable: `TXNR rsp 6 200 OK` each (the seqs do not go on the wire). */
  ok(_first: number, count: number): void {
    for (let i = 0; i < count; i++) {
      const t = Buffer.from(String(this.nextTxnr()), 'latin1');
      this.add(t);
      this.add(OK_DATA);
    }
  }

  /** `count` messages are refused: `TXNR rsp N 500 CODE reason` each. */
  error(code: string, reason: string, count = 1): void {
    for (let i = 0; i < count; i++) this.add(errorResponse(this.nextTxnr(), `${code} ${reason}`));
  }

  /** The bytes encoded so far; the encoder is empty afterwards (its queue of transaction numbers stays). */
  take(): Buffer {
    const out = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.bytes);
    this.parts = [];
    this.bytes = 0;
    return out;
  }

  private nextTxnr(): number {
    const t = this.txnrs[this.head++];
    if (t === undefined) throw new Error('RELP answer without a queued transaction number');
    if (this.head >= 1024 && this.head * 2 >= this.txnrs.length) {
      this.txnrs = this.txnrs.slice(this.head);
      this.head = 0;
    }
    return t;
  }

  private add(b: Buffer): void {
    this.parts.push(b);
    this.bytes += b.length;
  }
}
