// The file journal: pipelined group commit (one write per batch, fdatasyncs overlapping the next writes, or O_DSYNC writes), failure retry, rotation by size and time.
import { EventEmitter } from 'node:events';
import { IoError } from '../errors.js';
import type { Closable } from '../lifecycle.js';
import { silentLog } from '../logger.js';
import type { LogFn } from '../logger.js';
import { journalFiles } from './files.js';
import { JournalFormat, RecordEncoder, toRecord } from './record.js';
import type { JournalFormatValue, JournalRecord } from './record.js';
import { prepareJournalFile } from './recover.js';
import { rotateFiles } from './rotation.js';
import { RotationClock } from './rotation-clock.js';
import { Retention } from './retention.js';
import { Compression } from './duration.js';
import { appendFlags, DEFAULT_SYNC_METHOD, errnoOf, nodeFileOps, openWith, SyncMethod } from './file-ops.js';
import type { FileOps, SyncMethodValue } from './file-ops.js';
import type { MessageInput, Sink } from './sink.js';
import { MessageBatch } from './message-batch.js';
import { DEFAULT_KEEP, SyncPolicy } from './options.js';
import type { JournalOptions, JournalStats, SyncPolicyValue } from './options.js';

export { journalFiles } from './files.js';
export type { JournalRecord } from './record.js';
export { DEFAULT_KEEP, SyncPolicy } from './options.js';
export { DEFAULT_SYNC_METHOD, nodeFileOps, SyncMethod } from './file-ops.js';
export type { FileOps, SyncMethodValue } from './file-ops.js';
export type { JournalOptions, JournalStats, SyncPolicyValue } from './options.js';

interface Job {
  batch: MessageBatch;
  resolve: (firstSeq: number) => void;
  reject: (err: Error) => void;
  first: number;
  /** File offset after this job's records. */
  end: number;
  ts: string;
}

function usesDsync(sync: SyncPolicyValue, method: SyncMethodValue): boolean {
  return sync === SyncPolicy.BATCH && method === SyncMethod.DSYNC;
}

function countOf(jobs: Job[]): number {
  let n = 0;
  for (const j of jobs) n += j.batch.length;
  return n;
}

/**
 * An append-only journal file. Batches are written in order, one write(2) at a time; after each write an
 * fdatasync starts (at most two at once) and, when it returns, every batch written before it is durable.
 * With sync method `dsync` the file is opened O_DSYNC instead: a write that returns is durable, no fdatasync runs.
 * Every system call goes through `FileOps` (node:fs unless the options name another).
 * Batches arriving during a sync are written meanwhile and share the next one (group commit). Emits `'durable'` (records) after each durable group when
 * someone listens, `'sync'` (durationMs, batchSize, bytes), `'rotated'` (last seq of the rotated file), `'failing'` and `'recovered'`.
 */
export class Journal extends EventEmitter implements Sink, Closable {
  readonly name = 'journal';
  readonly path: string;
  readonly format: JournalFormatValue;
  readonly sync: SyncPolicyValue;
  /** `dsync` only matters under sync `batch`: then a returned write(2) is durable and no fdatasync runs. */
  readonly syncMethod: SyncMethodValue;
  readonly stats: JournalStats = { bytesWritten: 0, size: 0, lastSeq: 0, syncs: 0, ioErrors: 0 };
  private fd: number;
  private queue: Job[] = [];
  /** Written, not yet durable, oldest first. */
  private written: Job[] = [];
  /** Jobs at the end of `written` that no fdatasync in flight covers yet. */
  private uncovered = 0;
  private syncsInFlight = 0;
  /** Bumped when a sync fails: completions of syncs started before are ignored. */
  private syncGen = 0;
  private writing = false;
  private rotating = false;
  private failing = false;
  /** A sync failed while a write was in flight: that write's batches fail too. */
  private poisoned = false;
  /** Last seq handed out / written; `stats.lastSeq` is the last durable one. */
  private writtenSeq: number;
  private durableSize: number;
  private retryDelay: number;
  private closePromise: Promise<void> | null = null;
  private idleWaiters: Array<() => void> = [];
  private readonly encoder: RecordEncoder;
  private readonly rotateSize: number;
  private readonly keep: number;
  private readonly clock: RotationClock;
  /** Owns the rotated files: compression, deletion by age, and the lock rotation takes to rename them. */
  readonly retention: Retention;
  private readonly log: LogFn;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;
  private readonly ops: FileOps;
  /** The file is opened with O_DSYNC: a write that returns is durable. */
  private readonly dsync: boolean;

  /** Use {@link openJournal}. */
  constructor(opts: JournalOptions, fd: number, lastSeq: number, size: number, startedAt: number | null = null) {
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
    this.writtenSeq = lastSeq;
    this.stats.size = size;
    this.durableSize = size;
    this.encoder = new RecordEncoder(this.format, undefined, true, opts.syslog === true);
    this.ops = opts.fileOps ?? nodeFileOps;
    this.syncMethod = opts.syncMethod ?? DEFAULT_SYNC_METHOD;
    this.dsync = usesDsync(this.sync, this.syncMethod);
    this.retention = new Retention({ file: this.path, keepAgeMs: opts.keepAgeMs ?? 0, compression: opts.compression ?? Compression.NONE, log: this.log });
    this.clock = new RotationClock(opts.rotateIntervalMs ?? 0, () => void this.maybeRotate());
    if (startedAt !== null) this.clock.wrote(startedAt);
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
    return this.appendBatch(MessageBatch.from(batch));
  }

  /** {@inheritDoc Sink.appendBatch} */
  appendBatch(batch: MessageBatch): Promise<number> {
    if (this.closePromise) return Promise.reject(new IoError('journal is closed'));
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ batch, resolve, reject, first: 0, end: 0, ts: '' });
      this.pumpWrite();
    });
  }

  private get busy(): boolean {
    return this.writing || this.syncsInFlight > 0 || this.rotating || this.queue.length > 0 || this.written.length > 0;
  }

  /** Resolves once every queued batch is durable (or failed). */
  drain(_deadline?: number): Promise<void> {
    if (!this.busy) return Promise.resolve();
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
    this.clock.stop();
    await this.retention.close();
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    await new Promise<void>((resolve) => {
      this.ops.fdatasync(fd, (err) => {
        if (err) this.log(`final fdatasync failed: ${errnoOf(err)}`, 'error');
        this.ops.close(fd, () => resolve());
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
    if (this.busy) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private pumpWrite(): void {
    if (this.writing || this.rotating || this.failing || this.queue.length === 0) return this.notifyIdle();
    this.writing = true;
    const jobs = this.queue;
    this.queue = [];
    const ts = new Date().toISOString();
    const enc = this.encoder;
    enc.begin(ts);
    let seq = this.writtenSeq;
    for (const job of jobs) {
      job.first = seq + 1;
      job.ts = ts;
      enc.addSpans(seq + 1, job.batch);
      seq += job.batch.length;
    }
    const bytes = enc.bytes();
    const start = this.stats.size;
    if (start === 0) this.clock.wrote(Date.parse(ts));
    const started = this.dsync ? performance.now() : 0;
    this.writeAll(bytes, 0, start, (err) => {
      this.writing = false;
      this.encoder.reset();
      if (this.poisoned) {
        this.poisoned = false;
        this.rejectJobs(jobs, new IoError('fdatasync failed'));
        return this.notifyIdle();
      }
      if (err) return this.failed(jobs, err, 'write', start);
      this.writtenSeq = seq;
      this.stats.size = start + bytes.length;
      this.stats.bytesWritten += bytes.length;
      for (const job of jobs) job.end = this.stats.size;
      if (this.sync === SyncPolicy.NONE || this.dsync) {
        // With O_DSYNC the write itself was the sync.
        this.durable(jobs, started);
      } else {
        for (const job of jobs) this.written.push(job);
        this.uncovered += jobs.length;
        this.pumpSync();
      }
      if (!this.maybeRotate()) this.pumpWrite();
    });
  }

  /** pwrite(2) at the known end of the file (the fd is O_APPEND as well), looping over short writes. */
  private writeAll(buf: Buffer, off: number, pos: number, cb: (err: Error | null) => void): void {
    if (off >= buf.length) return cb(null);
    this.ops.write(this.fd, buf, off, buf.length - off, pos, (err, n) => {
      if (err) return cb(err);
      this.writeAll(buf, off + n, pos + n, cb);
    });
  }

  private pumpSync(): void {
    if (this.syncsInFlight >= 2 || this.uncovered === 0) return this.notifyIdle();
    this.syncsInFlight++;
    this.uncovered = 0;
    const cover = this.written[this.written.length - 1]!;
    const gen = this.syncGen;
    const started = performance.now();
    this.ops.fdatasync(this.fd, (err) => {
      this.syncsInFlight--;
      if (gen !== this.syncGen) return this.notifyIdle();
      if (err) return this.failed([], err, 'fdatasync', this.durableSize);
      // Everything written before this fdatasync started is durable now (an earlier sync may still run).
      const upto = this.written.indexOf(cover);
      if (upto >= 0) this.durable(this.written.splice(0, upto + 1), started);
      if (!this.maybeRotate()) this.pumpSync();
    });
  }

  /** Resolves jobs whose records are durable under the policy, in order. */
  private durable(jobs: Job[], started: number): void {
    const last = jobs[jobs.length - 1]!;
    const bytes = last.end - this.durableSize;
    this.stats.lastSeq = last.first + last.batch.length - 1;
    this.durableSize = last.end;
    this.stats.syncs++;
    this.retryDelay = this.retryMinMs;
    let records: JournalRecord[] | null = null;
    if (this.listenerCount('durable') > 0) records = [];
    for (const job of jobs) {
      job.resolve(job.first);
      if (records) job.batch.inputs().forEach((m, i) => records.push(toRecord(job.first + i, job.ts, m, this.encoder.syslog)));
    }
    this.emit('sync', started === 0 ? 0 : performance.now() - started, countOf(jobs), bytes);
    if (records) this.emit('durable', records);
  }

  /** Rotates once the file is large enough (or old enough) and nothing is in flight. Returns true if it took over the pumps. */
  private maybeRotate(): boolean {
    const bySize = this.rotateSize > 0 && this.stats.size >= this.rotateSize;
    if (!(bySize || (this.clock.due && this.stats.size > 0)) || this.rotating) return false;
    if (this.writing || this.syncsInFlight > 0 || this.written.length > 0 || this.failing) return this.writing || this.syncsInFlight > 0;
    this.rotating = true;
    const fd = this.fd;
    this.fd = -1;
    const o = { ops: this.ops, flags: appendFlags(this.dsync), keep: this.keep, format: this.format, lastSeq: this.stats.lastSeq, retention: this.retention };
    rotateFiles(this.path, fd, o).then(
      (next) => {
        this.fd = next;
        this.stats.size = 0;
        this.durableSize = 0;
        this.rotating = false;
        this.clock.reset();
        this.retention.rotated();
        this.log(`rotated the journal after seq ${this.stats.lastSeq}`);
        this.emit('rotated', this.stats.lastSeq);
        this.pumpWrite();
      },
      (err: unknown) => {
        this.rotating = false;
        this.log(`rotation failed (${errnoOf(err)}); writes paused, retrying`, 'error');
        this.startFailing();
      },
    );
    return true;
  }

  private rejectJobs(jobs: Job[], err: Error): void {
    for (const j of jobs) j.reject(err);
  }

  /**
   * A write or fdatasync failed. Nothing after the last durable point may be acknowledged: those batches
   * fail, the file is cut back, and their sequence numbers are handed out again once the disk works.
   */
  private failed(jobs: Job[], err: Error, op: string, keepSize: number): void {
    this.stats.ioErrors++;
    let victims = jobs;
    if (op === 'fdatasync') {
      victims = jobs.concat(this.written);
      this.written = [];
      this.uncovered = 0;
      this.syncGen++;
      if (this.writing) this.poisoned = true;
      this.writtenSeq = this.stats.lastSeq;
    } else {
      this.writtenSeq = jobs[0]!.first - 1;
    }
    this.stats.size = keepSize;
    this.log(`${op} failed (${errnoOf(err)}): ${countOf(victims)} messages not acknowledged; writes paused, retrying`, 'error');
    this.rejectJobs(victims, new IoError(`${op} failed`, { cause: err }));
    this.startFailing();
  }

  private startFailing(): void {
    if (this.failing) return;
    this.failing = true;
    this.emit('failing');
    const failedAt = Date.now();
    const attempt = (): void => {
      if (this.closePromise) {
        this.failing = false;
        this.rejectQueued(new IoError('journal closed while writes were failing'));
        return;
      }
      if (this.writing || this.syncsInFlight > 0) return void setTimeout(attempt, this.retryDelay).unref();
      this.probe((err) => {
        if (err) {
          this.retryDelay = Math.min(this.retryDelay * 2, this.retryMaxMs);
          setTimeout(attempt, this.retryDelay).unref();
          return;
        }
        this.failing = false;
        this.log(`journal writes work again after ${Date.now() - failedAt} ms`);
        this.emit('recovered');
        this.pumpWrite();
      });
    };
    setTimeout(attempt, this.retryDelay).unref();
    this.notifyIdle();
  }

  /** Cuts whatever a failed write left behind and checks that the disk syncs again. */
  private probe(cb: (err: Error | null) => void): void {
    const withFd = (): void => {
      this.ops.ftruncate(this.fd, this.stats.size, (terr) => {
        if (terr) return cb(terr);
        this.ops.fdatasync(this.fd, cb);
      });
    };
    if (this.fd >= 0) return withFd();
    this.ops.open(this.path, appendFlags(this.dsync), (err, fd) => {
      if (err) return cb(err);
      this.fd = fd;
      this.ops.fstat(fd, (serr, st) => {
        if (serr) return cb(serr);
        this.stats.size = st.size;
        withFd();
      });
    });
  }
}

/**
 * Opens (creating the parent folder and the file if needed, fsyncing the folder) and recovers a journal:
 * a torn last record moves to FILE.torn, and numbering continues after the last record on disk (the newest
 * rotated file's, plain or gzip, when the current file is empty). Then retention settles what a kill left
 * (see Retention.start) and starts compressing.
 */
export async function openJournal(opts: JournalOptions): Promise<Journal> {
  const ops = opts.fileOps ?? nodeFileOps;
  const prep = await prepareJournalFile(opts.path, opts.format ?? JournalFormat.JSON, ops, opts.log ?? silentLog, (opts.rotateIntervalMs ?? 0) > 0);
  const fd = await openWith(ops, opts.path, appendFlags(usesDsync(opts.sync ?? SyncPolicy.BATCH, opts.syncMethod ?? DEFAULT_SYNC_METHOD)));
  const journal = new Journal(opts, fd, prep.lastSeq, prep.size, prep.startedAt);
  await journal.retention.start();
  return journal;
}
