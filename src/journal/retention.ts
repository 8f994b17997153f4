// Retention of rotated journal files: the lock over the file set, background gzip compression, deletion by age, and cleanup at start.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import { open, rm, stat, unlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { LogFn } from '../logger.js';
import { Compression } from './duration.js';
import type { CompressionValue } from './duration.js';
import { errnoOf } from './file-ops.js';
import { compressedName, compressTmpName, fsyncDir, oneFormEach, rotatedEntries, rotatedName, siblingNames } from './files.js';
import type { RotatedName } from './files.js';

/** What {@link Retention} needs to know. */
export interface RetentionOptions {
  /** The live journal file. */
  file: string;
  /** Rotated files older than this (by the time of their last record, their mtime) are deleted; 0 keeps them. */
  keepAgeMs: number;
  compression: CompressionValue;
  log: LogFn;
}

/** How often the age sweep runs besides after each rotation: a tenth of the age, between 1 s and 1 h. */
function sweepEvery(keepAgeMs: number): number {
  return Math.min(3_600_000, Math.max(1000, Math.floor(keepAgeMs / 10)));
}

/**
 * Owns every change to the rotated files. Rotation's renames, the final rename of a compression and deletions
 * by age run one at a time through {@link Retention.exclusive}, so a compression never renames its result to a
 * position that rotation has shifted meanwhile. Compression runs in the background, one file at a time, as
 * node:zlib streams (libuv's thread pool, never the event loop): `FILE.n` is written to `FILE.gz.tmp`, fsynced,
 * then renamed to `FILE.n.gz` and only then is `FILE.n` removed. A kill at any point leaves the plain file, or
 * both forms (the `.gz` is whole: it got its name only once durable); {@link Retention.start} settles either.
 * Emits `'compressed'` (the `.gz` path) after each compression and `'deleted'` (count) after a sweep deleted files.
 */
export class Retention extends EventEmitter {
  private lock: Promise<unknown> = Promise.resolve();
  private readonly dir: string;
  private readonly base: string;
  private worker: Promise<void> | null = null;
  private again = false;
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly o: RetentionOptions) {
    super();
    this.dir = path.dirname(o.file);
    this.base = path.basename(o.file);
  }

  /** Runs `fn` while no other change to the file set runs. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /**
   * At open: removes a temporary file left by a killed compression, and a plain rotated file whose `.gz` exists
   * (the kill came between the rename and the removal); then sweeps by age and starts compressing what is plain.
   */
  async start(): Promise<void> {
    await this.exclusive(() => this.settle());
    if (this.o.keepAgeMs > 0) {
      await this.sweep();
      this.timer = setInterval(() => this.sweepLogged(), sweepEvery(this.o.keepAgeMs)).unref();
    }
    this.compressSoon();
  }

  private async settle(): Promise<void> {
    await rm(compressTmpName(this.o.file), { force: true });
    const entries = rotatedEntries(this.base, await siblingNames(this.o.file));
    let removed = false;
    for (let i = 1; i < entries.length; i++) {
      const [a, b] = [entries[i - 1] as RotatedName, entries[i] as RotatedName];
      if (a.n === b.n && !a.compressed && b.compressed) {
        await unlink(path.join(this.dir, a.name));
        removed = true;
      }
    }
    if (removed) await fsyncDir(this.dir);
  }

  /** After a rotation: a new plain `FILE.1` to compress, and maybe files past their age. */
  rotated(): void {
    if (this.o.keepAgeMs > 0) this.sweepLogged();
    this.compressSoon();
  }

  /** Stops the sweeps and any compression (its temporary file is removed); the plain file stays. Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.abort.abort();
    await this.worker;
    await this.lock;
  }

  private sweepLogged(): void {
    this.sweep().catch((err: unknown) => this.o.log(`deleting old rotated journal files failed (${errnoOf(err)}); will try again`));
  }

  /**
   * Deletes rotated files whose last record is older than the age, except the newest rotated file: when the current
   * file is empty, or holds only records a power loss may take back, recovery reads the last seq from it, so
   * numbering must never depend on the current file alone. It goes once a newer rotation has aged too.
   */
  sweep(): Promise<void> {
    return this.exclusive(async () => {
      const cutoff = Date.now() - this.o.keepAgeMs;
      const entries = rotatedEntries(this.base, await siblingNames(this.o.file));
      const newest = Math.min(...entries.map((e) => e.n));
      let deleted = 0;
      for (const e of entries) {
        if (e.n === newest) continue;
        const p = path.join(this.dir, e.name);
        const st = await stat(p).catch(() => null);
        if (st === null || st.mtimeMs >= cutoff) continue;
        await unlink(p).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err;
        });
        deleted++;
      }
      if (deleted > 0) {
        await fsyncDir(this.dir);
        this.o.log(`deleted ${deleted} rotated journal file${deleted === 1 ? '' : 's'} older than --keep-age`);
        this.emit('deleted', deleted);
      }
    });
  }

  private compressSoon(): void {
    if (this.o.compression !== Compression.GZIP || this.closed) return;
    if (this.worker) {
      this.again = true;
      return;
    }
    this.worker = this.compressAll()
      .catch((err: unknown) => {
        if (!this.closed) this.o.log(`compressing a rotated journal file failed (${errnoOf(err)}); it stays plain until the next rotation`);
      })
      .finally(() => {
        this.worker = null;
        if (this.again && !this.closed) {
          this.again = false;
          this.compressSoon();
        }
      });
  }

  /** Compresses every plain rotated file without a `.gz`, oldest first, one at a time. */
  private async compressAll(): Promise<void> {
    for (;;) {
      const entries = oneFormEach(rotatedEntries(this.base, await siblingNames(this.o.file)));
      const next = entries.find((e) => !e.compressed);
      if (next === undefined || this.closed) return;
      await this.compressOne(path.join(this.dir, next.name));
    }
  }

  private async compressOne(src: string): Promise<void> {
    const tmp = compressTmpName(this.o.file);
    const input = await open(src, 'r').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    });
    if (input === null) return;
    let ino: number;
    try {
      const st = await input.stat();
      ino = st.ino;
      await pipeline(input.createReadStream({ autoClose: false }), createGzip(), fs.createWriteStream(tmp), { signal: this.abort.signal });
      const out = await open(tmp, 'r');
      try {
        await out.datasync();
      } finally {
        await out.close();
      }
      // The age of a compressed file is the age of its records.
      await utimes(tmp, st.atime, st.mtime);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    } finally {
      await input.close();
    }
    await this.exclusive(() => this.install(tmp, ino));
  }

  /** Renames the finished `.gz` to the position its source holds now (rotation may have moved it), then removes the source. */
  private async install(tmp: string, ino: number): Promise<void> {
    for (const e of rotatedEntries(this.base, await siblingNames(this.o.file))) {
      if (e.compressed) continue;
      const p = rotatedName(this.o.file, e.n);
      if ((await stat(p).catch(() => null))?.ino !== ino) continue;
      await fs.promises.rename(tmp, compressedName(this.o.file, e.n));
      await fsyncDir(this.dir);
      await unlink(p);
      await fsyncDir(this.dir);
      this.emit('compressed', compressedName(this.o.file, e.n));
      return;
    }
    // The source fell off the end (--keep or --keep-age) while it was compressed.
    await rm(tmp, { force: true });
  }
}
