// The file operations the journal performs on its files, as one small interface (node:fs by default) so failures can be faked in unit tests.
import fs from 'node:fs';

/** Callback of an operation that returns nothing. */
export type DoneCallback = (err: NodeJS.ErrnoException | null) => void;

/**
 * Every system call the journal makes on its current file, plus the rename of rotation. Callback-shaped
 * like node:fs, so the default costs nothing over calling node:fs directly.
 */
export interface FileOps {
  open(file: string, flags: number, cb: (err: NodeJS.ErrnoException | null, fd: number) => void): void;
  /** pwrite(2): `len` bytes of `buf` from `off`, at file position `pos`. */
  write(fd: number, buf: Buffer, off: number, len: number, pos: number, cb: (err: NodeJS.ErrnoException | null, written: number) => void): void;
  fdatasync(fd: number, cb: DoneCallback): void;
  ftruncate(fd: number, len: number, cb: DoneCallback): void;
  /** Only the size is used. */
  fstat(fd: number, cb: (err: NodeJS.ErrnoException | null, st: { size: number }) => void): void;
  close(fd: number, cb: DoneCallback): void;
  rename(from: string, to: string, cb: DoneCallback): void;
}

/** The real file system. */
export const nodeFileOps: FileOps = {
  open: (file, flags, cb) => fs.open(file, flags, cb),
  write: (fd, buf, off, len, pos, cb) => fs.write(fd, buf, off, len, pos, cb),
  fdatasync: (fd, cb) => fs.fdatasync(fd, cb),
  ftruncate: (fd, len, cb) => fs.ftruncate(fd, len, cb),
  fstat: (fd, cb) => fs.fstat(fd, cb),
  close: (fd, cb) => fs.close(fd, cb),
  rename: (from, to, cb) => fs.rename(from, to, cb),
};

/**
 * How a batch is made durable: `fdatasync` after its write(2) (two system calls, pipelined with the next
 * write), or `dsync`: the file is opened with O_DSYNC so that write(2) returns only once the data is on disk
 * (PostgreSQL's `wal_sync_method=open_datasync`: one system call and one thread-pool hop per batch).
 */
export const SyncMethod = { FDATASYNC: 'fdatasync', DSYNC: 'dsync' } as const;
/** `fdatasync` or `dsync`. */
export type SyncMethodValue = (typeof SyncMethod)[keyof typeof SyncMethod];

/** The default sync method, chosen by measurement (see docs/protocol.md, "Sync"). */
export const DEFAULT_SYNC_METHOD: SyncMethodValue = SyncMethod.FDATASYNC;

/** open(2) flags of the journal's current file: append, create, and O_DSYNC when `dsync` is true. */
export function appendFlags(dsync: boolean): number {
  const c = fs.constants;
  return c.O_WRONLY | c.O_APPEND | c.O_CREAT | (dsync ? c.O_DSYNC : 0);
}

/** Opens `file` with `flags` through `ops`. */
export function openWith(ops: FileOps, file: string, flags: number): Promise<number> {
  return new Promise((resolve, reject) => ops.open(file, flags, (err, fd) => (err ? reject(err) : resolve(fd))));
}

/** fdatasyncs `fd` and closes it whatever happens; rejects with the fdatasync error. */
export function syncAndClose(ops: FileOps, fd: number): Promise<void> {
  return new Promise((resolve, reject) => ops.fdatasync(fd, (err) => ops.close(fd, () => (err ? reject(err) : resolve()))));
}

/** Renames through `ops`; a missing source is fine when `missingOk`. */
export function renameWith(ops: FileOps, from: string, to: string, missingOk = false): Promise<void> {
  return new Promise((resolve, reject) =>
    ops.rename(from, to, (err) => (err && !(missingOk && err.code === 'ENOENT') ? reject(err) : resolve())),
  );
}

/** The errno code of a failed system call, for log lines (never a path). */
export function errnoOf(err: unknown): string {
  return (err as NodeJS.ErrnoException | null)?.code ?? 'unknown error';
}
