// Pure journal record codec: builds JSON-lines or raw records straight into one growable buffer per batch, and parses them back.
import { isUtf8 } from 'node:buffer';
import { JournalCorruptError } from '../errors.js';
import type { MessageInput } from './sink.js';

/** The two journal formats. */
export const JournalFormat = { JSON: 'json', RAW: 'raw' } as const;
/** `json` or `raw`. */
export type JournalFormatValue = (typeof JournalFormat)[keyof typeof JournalFormat];

/** One JSON journal record, exactly as written: `msg` for valid UTF-8, `b64` otherwise. */
export interface JournalRecord {
  seq: number;
  ts: string;
  src: string;
  msg?: string;
  b64?: string;
  partial?: true;
}

const END_PARTIAL = Buffer.from('","partial":true}\n', 'latin1');
const B64_KEY = Buffer.from('b64":"', 'latin1');
const MSG_KEY_LENGTH = 'msg":"'.length;
const HEX = Buffer.from('0123456789abcdef', 'latin1');
/** 1 for bytes that go into a JSON string as they are: printable ASCII except `"` and `\`. */
const PLAIN = new Uint8Array(256);
for (let b = 0x20; b < 0x80; b++) PLAIN[b] = 1;
PLAIN[0x22] = 0;
PLAIN[0x5c] = 0;
/** Fixed bytes of a record besides src and msg: seq digits, keys, ts, quotes. Generous on purpose. */
const RECORD_OVERHEAD = 128;
const SHRINK_ABOVE = 16 * 1024 * 1024;

/**
 * Encodes a batch of records into one buffer without a JSON.stringify per record: ASCII without
 * escapes is copied byte for byte, valid UTF-8 is copied as is, invalid UTF-8 becomes `b64`.
 * Call `begin(ts)`, then `add()` per message, then use `bytes()`; `reset()` before the next batch.
 */
export class RecordEncoder {
  private buf: Buffer;
  private length = 0;
  private tsText = '';
  private lastSrc: string | null = null;
  private lastHead: Buffer = Buffer.alloc(0);

  constructor(
    readonly format: JournalFormatValue,
    private readonly initialSize = 1024 * 1024,
  ) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  /** Starts a batch whose records all carry the timestamp `ts` (ISO-8601 with milliseconds). */
  begin(ts: string): void {
    this.length = 0;
    if (ts !== this.tsText) {
      this.tsText = ts;
      this.lastSrc = null;
    }
  }

  /** Appends one record. */
  add(seq: number, input: MessageInput): void {
    const msg = input.msg;
    if (this.format === JournalFormat.RAW) {
      this.ensure(msg.length + 1);
      this.buf.set(msg, this.length);
      this.length += msg.length;
      this.buf[this.length++] = 0x0a;
      return;
    }
    if (input.src !== this.lastSrc) {
      this.lastSrc = input.src;
      this.lastHead = Buffer.from(`,"ts":"${this.tsText}","src":${JSON.stringify(input.src)},"msg":"`, 'utf8');
    }
    const n = msg.length;
    this.ensure(RECORD_OVERHEAD + this.lastHead.length + n * 6);
    const out = this.buf;
    let o = this.length;
    // {"seq":
    out[o] = 0x7b;
    out[o + 1] = 0x22;
    out[o + 2] = 0x73;
    out[o + 3] = 0x65;
    out[o + 4] = 0x71;
    out[o + 5] = 0x22;
    out[o + 6] = 0x3a;
    this.length = o + 7;
    this.putInt(seq);
    this.put(this.lastHead);
    // Fast path: scan once, then one memcpy. Most log lines are plain ASCII.
    let plain = true;
    for (let i = 0; i < n; i++) {
      if (PLAIN[msg[i]!] === 0) {
        plain = false;
        break;
      }
    }
    if (plain) this.put(msg);
    else if (!this.putJsonChars(msg)) {
      this.length -= MSG_KEY_LENGTH;
      this.put(B64_KEY);
      this.length += this.buf.write(msg.toString('base64'), this.length, 'latin1');
    }
    if (input.partial) this.put(END_PARTIAL);
    else {
      o = this.length;
      out[o] = 0x22;
      out[o + 1] = 0x7d;
      out[o + 2] = 0x0a;
      this.length = o + 3;
    }
  }

  /** The encoded batch. Valid until the next `begin()`/`reset()`. */
  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  /** Bytes encoded so far in this batch. */
  get size(): number {
    return this.length;
  }

  /** Forgets the batch; gives memory back if one huge batch grew the buffer. */
  reset(): void {
    this.length = 0;
    if (this.buf.length > SHRINK_ABOVE) this.buf = Buffer.allocUnsafe(this.initialSize);
  }

  private ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + extra));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  private put(bytes: Uint8Array): void {
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  private putInt(n: number): void {
    let digits = 1;
    for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
    const out = this.buf;
    let o = this.length + digits;
    this.length = o;
    do {
      out[--o] = 0x30 + (n % 10);
      n = Math.floor(n / 10);
    } while (n > 0);
  }

  /** Writes msg as JSON string content. Returns false (and writes nothing lasting) for invalid UTF-8. */
  private putJsonChars(msg: Buffer): boolean {
    const out = this.buf;
    const n = msg.length;
    let o = this.length;
    let checked = false;
    for (let i = 0; i < n; i++) {
      const b = msg[i]!;
      if (b >= 0x20 && b !== 0x22 && b !== 0x5c) {
        if (b >= 0x80 && !checked) {
          if (!isUtf8(msg)) return false;
          checked = true;
        }
        out[o++] = b;
      } else if (b === 0x22 || b === 0x5c) {
        out[o++] = 0x5c;
        out[o++] = b;
      } else {
        out[o++] = 0x5c;
        if (b === 0x0a) out[o++] = 0x6e;
        else if (b === 0x0d) out[o++] = 0x72;
        else if (b === 0x09) out[o++] = 0x74;
        else {
          out[o++] = 0x75;
          out[o++] = 0x30;
          out[o++] = 0x30;
          out[o++] = HEX[b >> 4]!;
          out[o++] = HEX[b & 15]!;
        }
      }
    }
    this.length = o;
    return true;
  }
}

/** The record object for one message, equal to what `JSON.parse` gives back for the encoded line. */
export function toRecord(seq: number, ts: string, input: MessageInput): JournalRecord {
  const rec: JournalRecord = { seq, ts, src: input.src };
  if (isUtf8(input.msg)) rec.msg = input.msg.toString('utf8');
  else rec.b64 = input.msg.toString('base64');
  if (input.partial) rec.partial = true;
  return rec;
}

/** Parses one JSON journal line (without or with its LF). Throws JournalCorruptError when it is not a record. */
export function decodeRecord(line: string | Buffer): JournalRecord {
  let value: unknown;
  try {
    value = JSON.parse(typeof line === 'string' ? line : line.toString('utf8'));
  } catch (err) {
    throw new JournalCorruptError('journal line is not valid JSON', { cause: err });
  }
  const r = value as Partial<JournalRecord> | null;
  if (
    r === null ||
    typeof r !== 'object' ||
    !Number.isSafeInteger(r.seq) ||
    (r.seq as number) < 1 ||
    typeof r.ts !== 'string' ||
    typeof r.src !== 'string' ||
    (typeof r.msg === 'string') === (typeof r.b64 === 'string')
  ) {
    throw new JournalCorruptError('journal line is not a record');
  }
  return r as JournalRecord;
}

/** The original message bytes of a record. */
export function recordBytes(rec: JournalRecord): Buffer {
  return rec.b64 !== undefined ? Buffer.from(rec.b64, 'base64') : Buffer.from(rec.msg ?? '', 'utf8');
}
