// A FileOps for journal unit tests: the real file system, with failures, short writes and held calls injected per operation.
import { nodeFileOps } from '../../src/journal/file-ops.js';
import type { FileOps } from '../../src/journal/file-ops.js';

type OpName = keyof FileOps;

interface Plan {
  /** Fail with this errno code instead of calling the file system. */
  code?: string;
  /** write only: write at most this many bytes. */
  short?: number;
  /** Wait for this before doing anything. */
  hold?: Promise<void>;
  /** Resolved when the planned call starts. */
  reached?: () => void;
}

/** An errno-style error, as node:fs gives them. */
export function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected by the test`), { code });
}

/**
 * Wraps node:fs. Plans are queued per operation and each is used by one call, in order; calls without a
 * plan go to the real file system. `calls` records every operation made (and `opened` every open's flags).
 */
export class FakeFileOps implements FileOps {
  readonly calls: OpName[] = [];
  readonly opened: number[] = [];
  private readonly plans = new Map<OpName, Plan[]>();

  /** The next `times` calls of `op` fail with `code`. */
  fail(op: OpName, code: string, times = 1): this {
    for (let i = 0; i < times; i++) this.plan(op, { code });
    return this;
  }

  /** The next write writes at most `bytes` bytes (a short write). */
  short(bytes: number): this {
    return this.plan('write', { short: bytes });
  }

  /**
   * The next call of `op` waits until `release()` (then fails with `code` when given). `reached` resolves
   * once that call has started, so a test can order events without sleeping.
   */
  hold(op: OpName, code?: string): { reached: Promise<void>; release: () => void } {
    let release!: () => void;
    const hold = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const started = new Promise<void>((resolve) => (reached = resolve));
    this.plan(op, { hold, reached, ...(code !== undefined ? { code } : {}) });
    return { reached: started, release };
  }

  /** How many times `op` was called. */
  count(op: OpName): number {
    return this.calls.filter((c) => c === op).length;
  }

  private plan(op: OpName, p: Plan): this {
    const list = this.plans.get(op) ?? [];
    list.push(p);
    this.plans.set(op, list);
    return this;
  }

  /** Runs `real` or the planned failure for one call of `op`; `fail` delivers the error to the caller's callback. */
  private run(op: OpName, fail: (err: NodeJS.ErrnoException) => void, real: (p: Plan | undefined) => void): void {
    this.calls.push(op);
    const p = this.plans.get(op)?.shift();
    p?.reached?.();
    const go = (): void => {
      if (p?.code !== undefined) fail(errno(p.code));
      else real(p);
    };
    if (p?.hold) void p.hold.then(go);
    else if (p?.code !== undefined) setImmediate(go);
    else go();
  }

  open(file: string, flags: number, cb: (err: NodeJS.ErrnoException | null, fd: number) => void): void {
    this.opened.push(flags);
    this.run('open', (e) => cb(e, -1), () => nodeFileOps.open(file, flags, cb));
  }

  write(fd: number, buf: Buffer, off: number, len: number, pos: number, cb: (err: NodeJS.ErrnoException | null, written: number) => void): void {
    this.run(
      'write',
      (e) => cb(e, 0),
      (p) => nodeFileOps.write(fd, buf, off, p?.short !== undefined ? Math.min(len, p.short) : len, pos, cb),
    );
  }

  fdatasync(fd: number, cb: (err: NodeJS.ErrnoException | null) => void): void {
    this.run('fdatasync', cb, () => nodeFileOps.fdatasync(fd, cb));
  }

  ftruncate(fd: number, len: number, cb: (err: NodeJS.ErrnoException | null) => void): void {
    this.run('ftruncate', cb, () => nodeFileOps.ftruncate(fd, len, cb));
  }

  fstat(fd: number, cb: (err: NodeJS.ErrnoException | null, st: { size: number }) => void): void {
    this.run('fstat', (e) => cb(e, { size: 0 }), () => nodeFileOps.fstat(fd, cb));
  }

  close(fd: number, cb: (err: NodeJS.ErrnoException | null) => void): void {
    this.run('close', cb, () => nodeFileOps.close(fd, cb));
  }

  rename(from: string, to: string, cb: (err: NodeJS.ErrnoException | null) => void): void {
    this.run('rename', cb, () => nodeFileOps.rename(from, to, cb));
  }
}
