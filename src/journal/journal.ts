// The file journal: group commit (one write plus one fdatasync per batch), I/O failure handling with retry, rotation.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { IoError } from '../errors.js';
import type { Closable } from '../lifecycle.js';
import { silentLog } from '../logger.js';
import type { LogFn } from '../logger.js';
import { fsyncDir, journalFiles, rotatedName, seqBaseName } from './files.js';
import { JournalFormat, RecordEncoder, toRecord } from './record.js';
import type { JournalFormatValue, JournalRecord } from './record.js';
import { recoverJournal } from './recover.js';
import type { MessageInput, Sink } from './sink.js';

export { journalFiles } from './files.js';
export type { JournalRecord } from './record.js';

/** When an `ok` may be sent: after an fdatasync covering the record (`batch`), or after write(2) returns (`none`). */
export const SyncPolicy = { BATCH: 'batch', NONE: 'none' } as const;
/** `batch` or `none`. */
export type SyncPolicyValue = (typeof SyncPolicy)[keyof typeof SyncPolicy];

/** Options for {@link openJournal}. */
export interface JournalOptions {
  /** The current journal file; rotated files are `path.1 … path.keep`. */
  path: string;
  /** Default `json`. */
  format?: JournalFormatValue;
  /** Default `batch`. */
  sync?: SyncPolicyValue;
  /** Rotate once the current file reaches this many bytes; 0 (default) never rotates. */
  rotateSize?: number;
  /** Rotated files to keep. Default 5. */
  keep?: number;
  log?: LogFn;
  /** First retry delay after an I/O failure (default 50 ms); doubles up to `retryMaxMs` (default 2000 ms). */
  retryMinMs?: number;
  retryMaxMs?: number;
}

/** Counters exposed for metrics and tests. */
export interface JournalStats {
  bytesWritten: number;
  /** Bytes in the current file. */
  size: number;
  /** The sequence number of the last durable record. */
  lastSeq: number;
  syncs: number;
  ioErrors: number;
}

interface Job {
  batch: MessageInput[];
  resolve: (firstSeq: number) => void;
  reject: (err: Error) => void;
}

/** Default number of rotated files kept. */
export const DEFAULT_KEEP = 5;

function errnoOf(err: unknown): string {
  return (err as NodeJS.ErrnoException | null)?.code ?? 'unknown error';
}

/**
 * An append-only journal file. `append()` batches are committed in order; batches that arrive while a
 * commit runs are merged into the next commit (group commit). Emits `'durable'` (records) after each
 * durable commit when someone listens, `'sync'` (durationMs, batchSize, bytes), `'failing'` and `'recovered'`.
 */
export class Journal extends EventEmitter implements Sink, Closable {
  readonly name = 'journal';
  readonly path: string;
  readonly format: JournalFormatValue;
  readonly sync: SyncPolicyValue;
  readonly stats: JournalStats = { bytesWritten: 0, size: 0, lastSeq: 0, syncs: 0, ioErrors: 0 };
  private fd: number;
  private queue: Job[] = [];
  private committing = false;
  private failing = false;
  private retryDelay: number;
  private closePromise: Promise<void> | null = null;
  private idleWaiters: Array<() => void> = [];
  private readonly encoder: RecordEncoder;
  private readonly rotateSize: number;
  private readonly keep: number;
  private readonly log: LogFn;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;

  /** Use {@link openJournal}. */
  constructor(opts: JournalOptions, fd: number, lastSeq: number, size: number) {
    super();
    this.path = opts.path;
    this.format = opts.format ?? JournalFormat.JSON;
    this.sync = opts.sync ?? SyncPolicy.BATCH;
    this.rotateSize = opts.rotateSize ?? 0;
    this.keep = opts.keep ?? DEFAULT_KEEP;
    this.log = opts.log ?? silentLog;
    this.retryMinMs = opts.retryMinMs ?? 50;
    this.retryMaxMs = opts.retryMaxMs ?? 2000;
    this.retryDelay = this.retryMinMs;
    this.fd = fd;
    this.stats.lastSeq = lastSeq;
    this.stats.size = size;
    this.encoder = new RecordEncoder(this.format);
  }

  /** False while writes fail and the journal retries. */
  get healthy(): boolean {
    return !this.failing;
  }

  /** The journal's files in order, oldest rotated first. */
  files(): Promise<string[]> {
    return journalFiles(this.path, this.keep);
  }

  /** {@inheritDoc Sink.append} */
  append(batch: MessageInput[]): Promise<number> {
    if (this.closePromise) return Promise.reject(new IoError('journal is closed'));
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ batch, resolve, reject });
      this.pump();
    });
  }

  /** Resolves once every queued batch is committed (or failed). */
  drain(_deadline?: number): Promise<void> {
    if (!this.committing && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Commits what is queued, fsyncs and closes the file. Batches still failing are rejected. Safe to call twice. */
  close(): Promise<void> {
    this.closePromise ??= this.runClose();
    return this.closePromise;
  }

  private async runClose(): Promise<void> {
    if (this.failing) this.rejectQueued(new IoError('journal closed while writes were failing'));
    await this.drain();
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    await new Promise<void>((resolve) => {
      fs.fdatasync(fd, (err) => {
        if (err) this.log(`final fdatasync failed: ${errnoOf(err)}`);
        fs.close(fd, () => resolve());
      });
    });
  }

  private rejectQueued(err: Error): void {
    const jobs = this.queue;
    this.queue = [];
    for (const j of jobs) j.reject(err);
    this.notifyIdle();
  }

  private notifyIdle(): void {
    if (this.committing || this.queue.length > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private pump(): void {
    if (this.committing || this.failing || this.queue.length === 0) {
      this.notifyIdle();
      return;
    }
    this.committing = true;
    const jobs = this.queue;
    this.queue = [];
    const ts = new Date().toISOString();
    const enc = this.encoder;
    enc.begin(ts);
    const firstSeq = this.stats.lastSeq + 1;
    let seq = this.stats.lastSeq;
    let count = 0;
    for (const job of jobs) {
      for (const m of job.batch) enc.add(++seq, m);
      count += job.batch.length;
    }
    const bytes = enc.bytes();
    const started = performance.now();
    this.writeAll(bytes, 0, (werr) => {
      if (werr) return this.fail(jobs, werr, 'write');
      const done = (): void => this.committed(jobs, firstSeq, seq, ts, count, bytes.length, started);
      if (this.sync === SyncPolicy.NONE) return done();
      fs.fdatasync(this.fd, (serr) => (serr ? this.fail(jobs, serr, 'fdatasync') : done()));
    });
  }

  private writeAll(buf: Buffer, off: number, cb: (err: Error | null) => void): void {
    if (off >= buf.length) return cb(null);
    fs.write(this.fd, buf, off, buf.length - off, null, (err, n) => {
      if (err) return cb(err);
      this.writeAll(buf, off + n, cb);
    });
  }

  private committed(jobs: Job[], firstSeq: number, lastSeq: number, ts: string, count: number, bytes: number, started: number): void {
    this.stats.lastSeq = lastSeq;
    this.stats.size += bytes;
    this.stats.bytesWritten += bytes;
    this.stats.syncs++;
    this.retryDelay = this.retryMinMs;
    let next = firstSeq;
    let records: JournalRecord[] | null = null;
    if (this.listenerCount('durable') > 0) records = [];
    for (const job of jobs) {
      job.resolve(next);
      if (records) for (let i = 0; i < job.batch.length; i++) records.push(toRecord(next + i, ts, job.batch[i]!));
      next += job.batch.length;
    }
    this.encoder.reset();
    this.emit('sync', performance.now() - started, count, bytes);
    if (records) this.emit('durable', records);
    if (this.rotateSize > 0 && this.stats.size >= this.rotateSize) {
      this.rotate().then(
        () => {
          this.committing = false;
          this.pump();
        },
        (err: unknown) => {
          this.log(`rotation failed: ${errnoOf(err)}; writes paused, retrying`);
          this.committing = false;
          this.startFailing();
        },
      );
      return;
    }
    this.committing = false;
    this.pump();
  }

  private fail(jobs: Job[], err: Error, op: string): void {
    this.stats.ioErrors++;
    this.encoder.reset();
    const count = jobs.reduce((n, j) => n + j.batch.length, 0);
    this.log(`${op} failed (${errnoOf(err)}): ${count} messages not acknowledged; writes paused, retrying`);
    const ioErr = new IoError(`${op} failed`, { cause: err });
    for (const j of jobs) j.reject(ioErr);
    this.committing = false;
    this.startFailing();
  }

  private startFailing(): void {
    if (!this.failing) this.emit('failing');
    this.failing = true;
    const failedAt = Date.now();
    const attempt = (): void => {
      if (this.closePromise) {
        this.failing = false;
        this.rejectQueued(new IoError('journal closed while writes were failing'));
        return;
      }
      this.probe((err) => {
        if (err) {
          this.retryDelay = Math.min(this.retryDelay * 2, this.retryMaxMs);
          setTimeout(attempt, this.retryDelay).unref();
          return;
        }
        this.failing = false;
        this.log(`journal writes work again after ${Date.now() - failedAt} ms`);
        this.emit('recovered');
        this.pump();
      });
    };
    setTimeout(attempt, this.retryDelay).unref();
    this.notifyIdle();
  }

  /** Cuts whatever a failed write left behind and checks that the disk syncs again. */
  private probe(cb: (err: Error | null) => void): void {
    const withFd = (): void => {
      fs.ftruncate(this.fd, this.stats.size, (terr) => {
        if (terr) return cb(terr);
        fs.fdatasync(this.fd, cb);
      });
    };
    if (this.fd >= 0) return withFd();
    fs.open(this.path, 'a', (err, fd) => {
      if (err) return cb(err);
      this.fd = fd;
      fs.fstat(fd, (serr, st) => {
        if (serr) return cb(serr);
        this.stats.size = st.size;
        withFd();
      });
    });
  }

  private async rotate(): Promise<void> {
    const fd = this.fd;
    this.fd = -1;
    await new Promise<void>((resolve, reject) => {
      fs.fdatasync(fd, (err) => fs.close(fd, () => (err ? reject(err) : resolve())));
    });
    for (let n = this.keep - 1; n >= 1; n--) {
      await rename(rotatedName(this.path, n), rotatedName(this.path, n + 1)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    }
    await rename(this.path, rotatedName(this.path, 1));
    if (this.format === JournalFormat.RAW) {
      const tmp = `${seqBaseName(this.path)}.tmp`;
      await writeFile(tmp, `${this.stats.lastSeq}\n`, { flag: 'w' });
      await syncFile(tmp);
      await rename(tmp, seqBaseName(this.path));
    }
    this.fd = await openAppend(this.path);
    this.stats.size = 0;
    await fsyncDir(path.dirname(this.path));
    this.log(`rotated the journal at seq ${this.stats.lastSeq}`);
  }
}

function openAppend(file: string): Promise<number> {
  return new Promise((resolve, reject) => fs.open(file, 'a', (err, fd) => (err ? reject(err) : resolve(fd))));
}

async function syncFile(file: string): Promise<void> {
  const fd = await new Promise<number>((resolve, reject) => fs.open(file, 'r', (err, f) => (err ? reject(err) : resolve(f))));
  await new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => fs.close(fd, () => (err ? reject(err) : resolve()))));
}

/**
 * Opens (creating the parent folder and the file if needed, fsyncing the folder) and recovers a journal:
 * a torn last record moves to FILE.torn, and numbering continues after the last record on disk.
 */
export async function openJournal(opts: JournalOptions): Promise<Journal> {
  const log = opts.log ?? silentLog;
  const dir = path.dirname(opts.path);
  await mkdir(dir, { recursive: true });
  const exists = await stat(opts.path).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return false;
      throw err;
    },
  );
  if (!exists) {
    fs.closeSync(await openAppend(opts.path));
    await fsyncDir(dir);
  }
  const rec = await recoverJournal(opts.path, opts.format ?? JournalFormat.JSON, log);
  const fd = await openAppend(opts.path);
  return new Journal(opts, fd, rec.lastSeq, rec.size);
}
