// Shares the event loop between searches and everything else: full speed on an idle loop, a small share of it while other work (the collector) keeps it busy.
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';

/** How often the pacer looks at what else the loop is doing, in ms. */
const WINDOW_MS = 100;
/** Other work above this share of the loop's time means searches must make room. */
const BUSY_ABOVE = 0.25;
/** The share of the loop's time all searches together take while it is busy. */
const BUSY_SHARE = 0.05;

/**
 * Paces the CPU slices of every search in a process. Each slice reports how long it ran; between slices the search
 * yields to the event loop. While the loop's other work (collector reads and acks, HTTP) keeps it busy, slices are
 * spaced so that all searches together take at most {@link BUSY_SHARE} of the time: a search never delays anyone's
 * `ok` by more than a slice, and, when nothing else runs, scans at full speed. Event loop utilization minus the
 * searches' own time tells the two cases apart.
 */
export class SearchPacer {
  private windowStart = performance.now();
  private elu = performance.eventLoopUtilization();
  private searchMs = 0;
  private busy = false;
  private nextSlot = 0;
  private lastSpent = 1;

  /** True while other work keeps the loop busy (searches are slowed down). */
  get throttled(): boolean {
    return this.busy;
  }

  /** Called after a slice that ran `spentMs` of CPU; resolves when the search may run its next slice. */
  async pace(spentMs: number): Promise<void> {
    this.searchMs += spentMs;
    this.lastSpent = 0.8 * this.lastSpent + 0.2 * spentMs;
    const now = performance.now();
    if (now - this.windowStart >= WINDOW_MS) this.look(now);
    if (!this.busy) return nextTurn();
    const at = Math.max(now, this.nextSlot);
    this.nextSlot = at + this.lastSpent / BUSY_SHARE;
    const wait = at - now;
    return wait < 1 ? nextTurn() : sleep(wait);
  }

  private look(now: number): void {
    const delta = performance.eventLoopUtilization(this.elu);
    this.elu = performance.eventLoopUtilization();
    const span = now - this.windowStart;
    const other = Math.max(0, delta.active - this.searchMs);
    this.busy = other > span * BUSY_ABOVE;
    this.windowStart = now;
    this.searchMs = 0;
  }
}

/** The process's one pacer: every search shares it. */
export const searchPacer = new SearchPacer();
