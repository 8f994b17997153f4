// Rotation by time (--rotate-interval): when the current file's first record was written, and a timer that marks rotation due.
import { open } from 'node:fs/promises';
import { JournalFormat } from './record.js';
import type { JournalFormatValue } from './record.js';
import { fileLines } from './file-set.js';
import { decodeRecord } from './record.js';

/** setTimeout's ceiling (about 24.8 days): longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Marks rotation due `intervalMs` after the current file got its first record. The journal calls
 * {@link RotationClock.wrote} when it writes into an empty file and {@link RotationClock.reset} after a rotation;
 * `onDue` asks it to rotate once nothing is in flight. The timer never keeps the process alive.
 */
export class RotationClock {
  /** True once the interval has passed for the current file. */
  due = false;
  private startedAt: number | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly intervalMs: number,
    private readonly onDue: () => void,
  ) {}

  /** The current file's first record was written at `at` (epoch ms); starts the timer unless one runs. */
  wrote(at: number): void {
    if (this.intervalMs <= 0 || this.startedAt !== null) return;
    this.startedAt = at;
    this.arm();
  }

  /** A new, empty current file. */
  reset(): void {
    this.stop();
    this.due = false;
    this.startedAt = null;
  }

  /** Stops the timer. Safe to call twice. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    const left = (this.startedAt as number) + this.intervalMs - Date.now();
    // Even when already due, the journal hears of it from a timer: never from inside wrote() (its constructor, a write).
    this.timer = setTimeout(() => {
      if (left > MAX_TIMER_MS) return this.arm();
      this.timer = null;
      this.due = true;
      this.onDue();
    }, Math.max(0, Math.min(left, MAX_TIMER_MS))).unref();
  }
}

/**
 * When the current file got its first record: a json record's `ts`; for raw files (no times inside) the file's
 * birth time where the file system keeps one, else now. null for an empty file.
 */
export async function fileStartedAt(file: string, format: JournalFormatValue): Promise<number | null> {
  const fh = await open(file, 'r');
  try {
    const st = await fh.stat();
    if (st.size === 0) return null;
    if (format === JournalFormat.RAW) return st.birthtimeMs > 0 ? st.birthtimeMs : Date.now();
    for await (const lines of fileLines(fh, false)) {
      const first = lines[0];
      if (first === undefined) continue;
      let t = Number.NaN;
      try {
        t = Date.parse(decodeRecord(first).ts);
      } catch {
        // Not a record (recovery has refused anything worse than a torn tail): count from now.
      }
      return Number.isNaN(t) ? Date.now() : t;
    }
    return null;
  } finally {
    await fh.close();
  }
}
