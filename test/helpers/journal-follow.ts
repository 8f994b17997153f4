// Reads a journal as muxd appends to it, a chunk at a time (a million records without one giant array), and tallies numbered test messages: each exactly once, each its own record.
import { open } from 'node:fs/promises';
import { decodeRecord } from '../../src/journal/record.js';
import type { JournalRecord } from '../../src/journal/record.js';

const CHUNK = 4 * 1024 * 1024;
const LF = 0x0a;

/**
 * Follows one journal file from its start. `poll()` reads what was appended since the last call and hands each
 * whole record to `onRecord`; the bytes after the last LF are a record still being written, kept for the next
 * call. Every record must decode, and seqs must count up by one from `firstSeq`, or `poll()` throws.
 */
export class JournalFollower {
  /** Whole records read so far. */
  records = 0;
  /** Seq of the last record read (firstSeq - 1 before any). */
  lastSeq: number;
  private offset = 0;
  private carry: Buffer = Buffer.alloc(0);

  constructor(
    readonly file: string,
    private readonly onRecord: (rec: JournalRecord) => void,
    firstSeq = 1,
  ) {
    this.lastSeq = firstSeq - 1;
  }

  /** Reads the new bytes; resolves with the number of whole records read so far. */
  async poll(): Promise<number> {
    const fh = await open(this.file, 'r').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    });
    if (fh === null) return this.records;
    try {
      const buf = Buffer.allocUnsafe(CHUNK);
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, CHUNK, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        this.take(buf.subarray(0, bytesRead));
      }
    } finally {
      await fh.close();
    }
    return this.records;
  }

  /** Bytes after the last LF: 0 once the writer has finished (a closed journal ends with LF). */
  get unfinishedBytes(): number {
    return this.carry.length;
  }

  /** Polls every `everyMs` until `done()` holds after a poll; throws after `timeoutMs` naming `what`. */
  async until(done: () => boolean, what: string, timeoutMs: number, everyMs = 200): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.poll();
      if (done()) return;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${this.records} records read)`);
      // The journal file is the only progress signal muxd and a syslog sender share: poll it.
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }

  private take(chunk: Buffer): void {
    const data = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    let start = 0;
    let lf: number;
    while ((lf = data.indexOf(LF, start)) !== -1) {
      const rec = decodeRecord(data.toString('utf8', start, lf));
      if (rec.seq !== this.lastSeq + 1) throw new Error(`${this.file}: seq ${rec.seq} follows seq ${this.lastSeq}`);
      this.lastSeq = rec.seq;
      this.records++;
      this.onRecord(rec);
      start = lf + 1;
    }
    // A copy: `chunk` is a view of the read buffer, which the next read overwrites.
    this.carry = Buffer.from(data.subarray(start));
  }
}

/** What a {@link Tally} found. */
export interface TallyCounts {
  sent: number;
  /** Messages journaled exactly once. */
  once: number;
  /** Messages not journaled. */
  missing: number;
  /** Messages journaled more than once, and the surplus records. */
  duplicated: number;
  surplus: number;
  /** Records that are not one sent message (glued, cut, or foreign). */
  strays: number;
}

/**
 * Counts numbered messages `0 … sent-1` in journal records. `idOf` returns a record's number, or null when the
 * record is not exactly one sent message; such records are strays (the first few are kept for the report).
 */
export class Tally {
  readonly strayExamples: string[] = [];
  private readonly seen: Uint8Array;
  private strays = 0;

  constructor(
    readonly sent: number,
    private readonly idOf: (rec: JournalRecord) => number | null,
  ) {
    this.seen = new Uint8Array(sent);
  }

  /** Counts one record (pass this to a {@link JournalFollower}). */
  readonly add = (rec: JournalRecord): void => {
    const id = this.idOf(rec);
    if (id === null || !Number.isInteger(id) || id < 0 || id >= this.sent) {
      this.strays++;
      if (this.strayExamples.length < 3) this.strayExamples.push(JSON.stringify(rec).slice(0, 300));
      return;
    }
    if (this.seen[id]! < 255) this.seen[id]!++;
  };

  /** How many times message `id` was journaled (255 means 255 or more). */
  timesSeen(id: number): number {
    return this.seen[id]!;
  }

  /** Counts over the messages `from … to-1` (default: all). */
  counts(from = 0, to = this.sent): TallyCounts {
    let once = 0;
    let missing = 0;
    let duplicated = 0;
    let surplus = 0;
    for (let i = from; i < to; i++) {
      const n = this.seen[i]!;
      if (n === 1) once++;
      else if (n === 0) missing++;
      else {
        duplicated++;
        surplus += n - 1;
      }
    }
    return { sent: to - from, once, missing, duplicated, surplus, strays: this.strays };
  }

  /** The first `max` message numbers in `from … to-1` that were never journaled. */
  missingIds(max = 5, from = 0, to = this.sent): number[] {
    const out: number[] = [];
    for (let i = from; i < to && out.length < max; i++) if (this.seen[i] === 0) out.push(i);
    return out;
  }

  /** A one-line summary for assertion messages and the test log. */
  describe(from = 0, to = this.sent): string {
    const c = this.counts(from, to);
    const missing = c.missing > 0 ? ` (first missing: ${this.missingIds(5, from, to).join(', ')})` : '';
    const strays = c.strays > 0 ? `; stray records, e.g. ${this.strayExamples.join(' | ')}` : '';
    return `${c.sent} sent: ${c.once} once, ${c.missing} missing${missing}, ${c.duplicated} duplicated (+${c.surplus} records), ${c.strays} strays${strays}`;
  }
}
