// Pure batch message format on JetStream: header names, the message id, and decoding a stored batch back into records.
import { JournalCorruptError } from '../errors.js';
import { decodeRecord } from '../journal/record.js';
import type { JournalRecord } from '../journal/record.js';

/** Header names of a batch message (docs/protocol.md, "Batches on NATS JetStream"). */
export const BatchHeader = {
  MSG_ID: 'Nats-Msg-Id',
  COUNT: 'Muxd-Count',
  COLLECTOR: 'Muxd-Collector',
} as const;

/**
 * A record's global position in a stream is `streamSeq × POSITION_STRIDE + index in its batch`: one number that
 * grows with the stream, for SSE ids and history paging. Batches hold far fewer records than this.
 */
export const POSITION_STRIDE = 1_000_000;

/** `<collector-id>:<first-seq>`: the same for every republish of a batch, so JetStream drops the copies. */
export function batchMsgId(collectorId: string, firstSeq: number): string {
  return `${collectorId}:${firstSeq}`;
}

/** The subject a collector publishes on: `<prefix>.<collector-id>`. */
export function batchSubject(prefix: string, collectorId: string): string {
  return `${prefix}.${collectorId}`;
}

/** The last collector seq in a stored batch, from its headers (`Nats-Msg-Id` first seq + `Muxd-Count` − 1); null if they are malformed. */
export function lastSeqOfBatch(msgId: string | undefined, count: string | undefined): number | null {
  const m = /:(\d{1,15})$/.exec(msgId ?? '');
  if (!m || count === undefined || !/^\d{1,9}$/.test(count)) return null;
  const n = Number(count);
  return n < 1 ? null : Number(m[1]) + n - 1;
}

/** A record read back from a stream: the journal record plus where it came from and where it sits. */
export interface StreamRecord {
  record: JournalRecord;
  /** The collector that published its batch. */
  collector: string;
  /** Stream sequence of its batch message. */
  streamSeq: number;
  /** `streamSeq × POSITION_STRIDE + index`. */
  position: number;
}

/**
 * Splits a batch payload (JSON lines) into records. Throws JournalCorruptError when a line is not a record,
 * or when the payload holds more records than POSITION_STRIDE can number.
 */
export function decodeBatch(payload: Uint8Array, collector: string, streamSeq: number): StreamRecord[] {
  const text = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8');
  const out: StreamRecord[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (end > start) {
      if (out.length >= POSITION_STRIDE) throw new JournalCorruptError(`stream message ${streamSeq} holds more than ${POSITION_STRIDE} records`);
      out.push({ record: decodeRecord(text.slice(start, end)), collector, streamSeq, position: streamSeq * POSITION_STRIDE + out.length });
    }
    start = end + 1;
  }
  return out;
}

/** The stream sequence and index a position stands for. */
export function splitPosition(position: number): { streamSeq: number; index: number } {
  return { streamSeq: Math.floor(position / POSITION_STRIDE), index: position % POSITION_STRIDE };
}
