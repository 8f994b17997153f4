// Pure journal record codec: builds JSON-lines or raw records straight into one growable buffer per batch, and parses them back.
import { isUtf8 } from 'node:buffer';
import { JournalCorruptError } from '../errors.js';
import { parseSyslog } from '../protocol/syslog.js';
import type { SyslogFields } from '../protocol/syslog.js';
import { ESCAPE, HIGH, scanCopy, scanMessage } from './json-scan.js';
import { syslogJsonBound, writeSyslogJson } from './syslog-json.js';
import type { MessageInput } from './sink.js';
import type { MessageBatch } from './message-batch.js';

export { scanMessage } from './json-scan.js';

/** The two journal formats. */
export const JournalFormat = { JSON: 'json', RAW: 'raw' } as const;
/** `json` or `raw`. */
export type JournalFormatValue = (typeof JournalFormat)[keyof typeof JournalFormat];

/**
 * One JSON journal record, exactly as written: `msg` for valid UTF-8, `b64` otherwise. With `--syslog`, a
 * message that parses as syslog keeps only its MSG part in `msg`/`b64` and its header in `syslog`.
 */
export interface JournalRecord {
  seq: number;
  ts: string;
  src: string;
  msg?: string;
  b64?: string;
  partial?: true;
  syslog?: SyslogFields;
}

const END_PARTIAL = Buffer.from('","partial":true}\n', 'latin1');
const SYSLOG_KEY = Buffer.from('","syslog":', 'latin1');
const B64_KEY = Buffer.from('b64":"', 'latin1');
const MSG_KEY_LENGTH = 'msg":"'.length;
const HEX = Buffer.from('0123456789abcdef', 'latin1');
/** Fixed bytes of a record besides src and msg: seq digits, keys, ts, quotes. Generous on purpose. */
const RECORD_OVERHEAD = 128;
const SHRINK_ABOVE = 16 * 1024 * 1024;
/** Per-batch source heads kept at most; past this the cache starts over (one batch rarely has so many sources). */
const MAX_HEADS = 4096;

/** Longer messages are copied with one native call instead of scanCopy's loop (after their own scan). */
const LOOP_COPY_MAX = 512;

/**
 * Encodes a batch of records into one buffer without a JSON.stringify per record. The fast path proves
 * with one scan (plus a native UTF-8 check for non-ASCII lines) that a line needs no escaping, then copies
 * it in one go; only lines with `"`, `\` or control characters take the byte-by-byte slow path, and
 * invalid UTF-8 becomes `b64`. The bytes before `msg` are built once per batch and source, and the seq
 * digits are counted up in place. Call `begin(ts)`, then `add()` per message, or `addBatch()` or `addSpans()`
 * per batch, then use `bytes()`; `reset()` before the next batch.
 */
export class RecordEncoder {
  private buf: Buffer;
  private length = 0;
  private tsText = '';
  private lastSrc: string | null = null;
  private lastHead: Buffer = Buffer.alloc(0);
  /** `,"ts":"…","src":…,"msg":"` per source, for the current `ts`. */
  private readonly heads = new Map<string, Buffer>();
  /** ASCII digits of `nextSeq`, right-aligned in `digits` from `digitsStart`. */
  private readonly digits = new Uint8Array(24);
  private digitsStart = 24;
  private nextSeq = -1;

  /**
   * `fastPath` false sends every line through the slow path: the reference the fast path is tested against.
   * `syslog` (JSON only) parses every message that is not partial as syslog: see {@link syslogSplit}.
   */
  constructor(
    readonly format: JournalFormatValue,
    private readonly initialSize = 1024 * 1024,
    private readonly fastPath = true,
    readonly syslog = false,
  ) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  /** Starts a batch whose records all carry the timestamp `ts` (ISO-8601 with milliseconds). */
  begin(ts: string): void {
    this.length = 0;
    if (ts !== this.tsText) {
      this.tsText = ts;
      this.lastSrc = null;
      this.heads.clear();
    }
  }

  /** Appends one record. */
  add(seq: number, input: MessageInput): void {
    if (this.format === JournalFormat.RAW) {
      this.ensure(input.msg.length + 1);
      this.putRaw(input.msg, 0, input.msg.length);
      return;
    }
    this.ensure(RECORD_OVERHEAD + input.src.length * 6 + input.msg.length * 6);
    this.putRecord(seq, input.src, input.msg, 0, input.msg.length, input.partial === true);
  }

  /**
   * Appends the records of `inputs` numbered from `firstSeq`: the same bytes as `add()` per message, with
   * one buffer check for the whole batch.
   */
  addBatch(firstSeq: number, inputs: readonly MessageInput[]): void {
    let need = 0;
    if (this.format === JournalFormat.RAW) {
      for (const m of inputs) need += m.msg.length + 1;
      this.ensure(need);
      for (const m of inputs) this.putRaw(m.msg, 0, m.msg.length);
      return;
    }
    for (const m of inputs) need += RECORD_OVERHEAD + m.src.length * 6 + m.msg.length * 6;
    this.ensure(need);
    for (let i = 0; i < inputs.length; i++) {
      const m = inputs[i]!;
      this.putRecord(firstSeq + i, m.src, m.msg, 0, m.msg.length, m.partial === true);
    }
  }

  /**
   * Appends the records of `batch` numbered from `firstSeq`, copied straight from the spans of the buffers the
   * messages arrived in: the same bytes as `addBatch(firstSeq, batch.inputs())`, without a view per message.
   */
  addSpans(firstSeq: number, batch: MessageBatch): void {
    const { bufs, srcs, spans, partials, length } = batch;
    if (this.format === JournalFormat.RAW) {
      this.ensure(batch.bytes + length);
      for (let i = 0; i < length; i++) this.putRaw(bufs[i]!, spans[2 * i]!, spans[2 * i + 1]!);
      return;
    }
    let need = length * RECORD_OVERHEAD + batch.bytes * 6;
    for (let i = 0; i < length; i++) need += srcs[i]!.length * 6;
    this.ensure(need);
    let pi = 0;
    let nextPartial = partials.length > 0 ? partials[0]! : -1;
    for (let i = 0; i < length; i++) {
      const partial = i === nextPartial;
      if (partial) nextPartial = ++pi < partials.length ? partials[pi]! : -1;
      this.putRecord(firstSeq + i, srcs[i]!, bufs[i]!, spans[2 * i]!, spans[2 * i + 1]!, partial);
    }
  }

  private putRaw(msg: Buffer, start: number, end: number): void {
    if (end - start > LOOP_COPY_MAX) this.buf.set(msg.subarray(start, end), this.length);
    else scanCopy(msg, start, end, this.buf, this.length);
    this.length += end - start;
    this.buf[this.length++] = 0x0a;
  }

  /** Writes one JSON record for the message `buf[start, end)`; the caller has ensured room for it. */
  private putRecord(seq: number, src: string, buf: Buffer, start: number, end: number, partial: boolean): void {
    let syslog: SyslogFields | null = null;
    const headerBytes = end - start;
    if (this.syslog && !partial) {
      const split = syslogSplit(start === 0 && end === buf.length ? buf : buf.subarray(start, end));
      if (split !== null) {
        buf = split.msg;
        start = 0;
        end = buf.length;
        syslog = split.fields;
      }
    }
    if (src !== this.lastSrc) {
      this.lastSrc = src;
      this.lastHead = this.headFor(src);
    }
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
    this.putSeq(seq);
    this.put(this.lastHead);
    const at = this.length;
    const long = end - start > LOOP_COPY_MAX;
    // Short messages are copied while scanned; long ones scanned (through a view), then copied natively.
    let msg: Buffer | null = long ? buf.subarray(start, end) : null;
    const cls = !this.fastPath ? ESCAPE : msg !== null ? scanMessage(msg) : scanCopy(buf, start, end, out, at);
    if (cls === 0) {
      if (msg !== null) this.put(msg);
      else this.length = at + (end - start);
    } else if (cls === HIGH) {
      msg ??= buf.subarray(start, end);
      if (!isUtf8(msg)) this.putB64(msg);
      else if (long) this.put(msg);
      else this.length = at + (end - start);
    } else {
      msg ??= start === 0 && end === buf.length ? buf : buf.subarray(start, end);
      if (!this.putJsonChars(msg)) this.putB64(msg);
    }
    if (partial) this.put(END_PARTIAL);
    else if (syslog !== null) {
      this.put(SYSLOG_KEY);
      let after = -1;
      if (this.fastPath) {
        this.ensure(syslogJsonBound(headerBytes));
        after = writeSyslogJson(this.buf, this.length, syslog);
      }
      if (after >= 0) this.length = after;
      else {
        const json = JSON.stringify(syslog);
        this.ensure(json.length * 3 + 2);
        this.length += this.buf.write(json, this.length, 'utf8');
      }
      this.ensure(2);
      this.buf[this.length++] = 0x7d;
      this.buf[this.length++] = 0x0a;
    } else {
      o = this.length;
      out[o] = 0x22;
      out[o + 1] = 0x7d;
      out[o + 2] = 0x0a;
      this.length = o + 3;
    }
  }

  /** Replaces `msg":"` (just written) with `b64":"` and the message in base64: for bytes that are not UTF-8. */
  private putB64(msg: Buffer): void {
    this.length -= MSG_KEY_LENGTH;
    this.put(B64_KEY);
    this.length += this.buf.write(msg.toString('base64'), this.length, 'latin1');
  }

  private headFor(src: string): Buffer {
    let head = this.heads.get(src);
    if (head === undefined) {
      if (this.heads.size >= MAX_HEADS) this.heads.clear();
      head = Buffer.from(`,"ts":"${this.tsText}","src":${JSON.stringify(src)},"msg":"`, 'utf8');
      this.heads.set(src, head);
    }
    return head;
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

  /** Writes the decimal digits of `seq`. Consecutive seqs (the usual case) count up the digits in place. */
  private putSeq(seq: number): void {
    const d = this.digits;
    if (seq !== this.nextSeq) {
      let start = d.length;
      let n = seq;
      do {
        d[--start] = 0x30 + (n % 10);
        n = Math.floor(n / 10);
      } while (n > 0);
      this.digitsStart = start;
    }
    const out = this.buf;
    let o = this.length;
    for (let i = this.digitsStart; i < d.length; i++) out[o++] = d[i]!;
    this.length = o;
    // Count up to seq + 1 for the next record.
    this.nextSeq = seq + 1;
    let i = d.length - 1;
    while (i >= this.digitsStart && d[i] === 0x39) d[i--] = 0x30;
    if (i >= this.digitsStart) d[i] = d[i]! + 1;
    else d[--this.digitsStart] = 0x31;
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

/**
 * With `--syslog`: the syslog header of `msg` as fields, and the MSG part (a view into `msg`), or null when
 * `msg` is not syslog (no valid PRI) and is kept whole. A partial message is never parsed: its header may be cut.
 */
export function syslogSplit(msg: Buffer): { fields: SyslogFields; msg: Buffer } | null {
  const parsed = parseSyslog(msg);
  return parsed === null ? null : { fields: parsed.fields, msg: msg.subarray(parsed.msgStart) };
}

/**
 * The record object for one message, equal to what `JSON.parse` gives back for the encoded line (`syslog`
 * as for a RecordEncoder made with it).
 */
export function toRecord(seq: number, ts: string, input: MessageInput, syslog = false): JournalRecord {
  const rec: JournalRecord = { seq, ts, src: input.src };
  let msg = input.msg;
  const split = syslog && !input.partial ? syslogSplit(msg) : null;
  if (split !== null) msg = split.msg;
  if (isUtf8(msg)) rec.msg = msg.toString('utf8');
  else rec.b64 = msg.toString('base64');
  if (input.partial) rec.partial = true;
  // Through JSON so that the object equals what a reader parses (no null prototypes, arrays as arrays).
  if (split !== null) rec.syslog = JSON.parse(JSON.stringify(split.fields)) as SyslogFields;
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
    (typeof r.msg === 'string') === (typeof r.b64 === 'string') ||
    (r.syslog !== undefined && !isSyslogFields(r.syslog))
  ) {
    throw new JournalCorruptError('journal line is not a record');
  }
  return r as JournalRecord;
}

function isSyslogFields(v: unknown): v is SyslogFields {
  const f = v as Partial<SyslogFields> | null;
  return f !== null && typeof f === 'object' && typeof f.facility === 'string' && typeof f.severity === 'string';
}

/** The message bytes of a record (with `--syslog`, the MSG part only). */
export function recordBytes(rec: JournalRecord): Buffer {
  return rec.b64 !== undefined ? Buffer.from(rec.b64, 'base64') : Buffer.from(rec.msg ?? '', 'utf8');
}
