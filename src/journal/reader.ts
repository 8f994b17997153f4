// Streams a journal's lines forward across its rotated files (FILE.N … FILE.1, plain or .gz, then FILE) and follows the live file through rotation.
import { stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import path from 'node:path';
import { IoError } from '../errors.js';
import { LineDecoder } from '../protocol/line-decoder.js';
import { gunzipChunks, listJournalSet, openRef } from './file-set.js';
import type { JournalFileRef } from './file-set.js';
import { lineSeq, offsetOfLastLines } from './scan.js';
import { firstSeq } from './seq-scan.js';

/** Yielded once the existing content has been read; what follows is new (only when following). */
export const CAUGHT_UP = Symbol('caught-up');

/** Options for {@link readJournal}. */
export interface ReadJournalOptions {
  /** The live journal file; rotated files are FILE.1 (newest) … FILE.N (oldest). */
  file: string;
  /** Keep reading as the file grows and rotates, until `signal` aborts. */
  follow?: boolean;
  /** How often to look for new data and rotation while following. Default 200 ms. */
  pollMs?: number;
  signal?: AbortSignal;
  /** Longer lines are skipped (and reported through onNotice). Default 16 MiB. */
  maxLineBytes?: number;
  /**
   * Only the last this-many lines of the existing content are wanted (no filters): start near the end of
   * the live file instead of reading every file. At least this many lines are still yielded when they exist.
   */
  lastLines?: number;
  /** Things worth telling the user on stderr (truncation, skipped lines). */
  onNotice?: (text: string) => void;
}

const CHUNK = 65_536;

interface Opened {
  fh: FileHandle;
  ino: number;
  compressed: boolean;
}

async function openWithInode(file: string, compressed = false): Promise<Opened | null> {
  const fh = await openRef(file);
  if (fh === null) return null;
  try {
    return { fh, ino: (await fh.stat()).ino, compressed };
  } catch (err) {
    await fh.close();
    throw new IoError(`cannot stat journal file: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { cause: err });
  }
}

/** Rotated files (one form each: plain where both exist) with their inodes, oldest first. */
async function listRotated(file: string): Promise<JournalFileRef[]> {
  return (await listJournalSet(file)).filter((r) => r.n > 0);
}

/**
 * Yields batches of complete lines (LF-framed, CR stripped, empty lines skipped), oldest first, then CAUGHT_UP.
 * A batch's buffers are only valid until the next iteration: copy what you keep. Rotated `.gz` files are
 * decompressed as they are read. An unfinished last line of the live file is not yielded: it is still being written.
 * While following, rotation (a new inode at FILE) is handled by finishing the old file through its
 * open handle, reading any rotated file newer than it, then continuing at the start of the new FILE. Which rotated
 * files are newer is decided by seq for json journals (a compressed file is a new inode), by inode otherwise.
 */
export async function* readJournal(options: ReadJournalOptions): AsyncGenerator<Buffer[] | typeof CAUGHT_UP> {
  const { file, signal } = options;
  const maxLine = options.maxLineBytes ?? 16 * 1024 * 1024;
  const notice = options.onNotice ?? (() => {});
  const buf = Buffer.allocUnsafe(CHUNK);
  let batch: Buffer[] = [];
  // The seq of the newest record yielded (json journals), to find the rotated files newer than it.
  let lastSeq: number | null = null;
  const noteSeq = (): void => {
    const last = batch[batch.length - 1];
    if (last !== undefined) lastSeq = lineSeq(last) ?? lastSeq;
  };
  const sink = {
    line: (b: Buffer) => void batch.push(b),
    tooLong: (n: number) => notice(`skipped a line of ${n} bytes (longer than ${maxLine})`),
  };

  async function* readFrom(fh: FileHandle, position: number, decoder: LineDecoder): AsyncGenerator<Buffer[], number> {
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, position);
      if (bytesRead === 0) return position;
      position += bytesRead;
      batch = [];
      decoder.push(buf.subarray(0, bytesRead), sink);
      if (batch.length > 0) {
        noteSeq();
        yield batch;
      }
    }
  }
  function* finishFile(decoder: LineDecoder): Generator<Buffer[]> {
    batch = [];
    const rest = decoder.end(sink);
    if (rest) batch.push(rest);
    if (batch.length > 0) {
      noteSeq();
      yield batch;
    }
  }
  async function* readWhole(o: Opened): AsyncGenerator<Buffer[]> {
    const decoder = new LineDecoder(maxLine);
    if (o.compressed) {
      for await (const chunk of gunzipChunks(o.fh)) {
        batch = [];
        decoder.push(chunk, sink);
        if (batch.length > 0) {
          noteSeq();
          yield batch;
        }
      }
    } else yield* readFrom(o.fh, 0, decoder);
    yield* finishFile(decoder);
  }
  // Rotated files newer than what was read: by seq where records have one, else by inode.
  const between = (after: number | null, before: number | undefined): Promise<Opened[]> =>
    lastSeq !== null ? openNewerThanSeq(file, lastSeq, after, before) : openBetween(file, after, before);

  // Open the live file first, then the rotated files older than it (checked by inode): a rotation
  // while we read then neither skips nor repeats records.
  let live: Opened | null = null;
  let pending: Opened[] = [];
  try {
    live = await openWithInode(file);
    pending = await openBetween(file, null, live?.ino);
    if (!live && pending.length === 0 && !options.follow) throw new IoError(`no journal at ${file}`);
    let lastIno: number | null = live?.ino ?? pending[pending.length - 1]?.ino ?? null;
    const readPending = async function* (): AsyncGenerator<Buffer[]> {
      while (pending.length > 0) {
        const o = pending.shift() as Opened;
        try {
          yield* readWhole(o);
        } finally {
          await o.fh.close();
        }
      }
    };
    let start = 0;
    if (live && options.lastLines !== undefined) {
      // Two spare lines: the last one may be unfinished, and the cut must fall just after an LF.
      start = await offsetOfLastLines(live.fh, options.lastLines + 2, buf);
      if (start > 0) {
        for (const o of pending.splice(0)) await o.fh.close();
      }
    }
    yield* readPending();
    let decoder = new LineDecoder(maxLine);
    let position = start;
    if (live) position = yield* readFrom(live.fh, start, decoder);
    if (!options.follow) {
      // What follows the live file's last LF is a record still being written: not there yet.
      yield CAUGHT_UP;
      return;
    }
    yield CAUGHT_UP;

    const wait = makeWaiter(path.dirname(file), options.pollMs ?? 200, signal);
    try {
      while (!signal?.aborted) {
        if (live) position = yield* readFrom(live.fh, position, decoder);
        const now = await stat(file).catch(() => null);
        if (now && (!live || now.ino !== live.ino)) {
          // Rotated (or created): finish the old file through its handle, which still reads it after the
          // rename, then every rotated file newer than it and older than the new live file, then the new one.
          if (live) {
            yield* readFrom(live.fh, position, decoder);
            yield* finishFile(decoder);
            await live.fh.close();
            live = null;
          }
          live = await openWithInode(file);
          pending = await between(lastIno, live?.ino);
          // FILE may be gone again (renamed before its successor exists): then the newest rotated file read is
          // where the next pass starts, or it would read that file twice (seen under Node 26's faster fs calls).
          const newest = pending[pending.length - 1]?.ino;
          yield* readPending();
          lastIno = live?.ino ?? newest ?? lastIno;
          decoder = new LineDecoder(maxLine);
          position = 0;
          continue;
        }
        if (live && now && now.size < position) {
          notice('journal file was truncated; reading it from the start');
          decoder = new LineDecoder(maxLine);
          position = 0;
          continue;
        }
        await wait.next();
      }
    } finally {
      wait.close();
    }
  } finally {
    for (const o of pending) await o.fh.close().catch(() => {});
    if (live) await live.fh.close().catch(() => {});
  }
}

/**
 * Opens the rotated files newer than inode `after` (all when null or gone) and older than inode `before`
 * (the live file we hold), oldest first. Each handle is checked against the listed inode; if a rename
 * raced the listing, it lists again.
 */
async function openBetween(file: string, after: number | null, before: number | undefined): Promise<Opened[]> {
  for (let attempt = 0; attempt < 10; attempt++) {
    // readdir then stat per name is not atomic: only trust a listing that two passes agree on.
    const list = await listRotated(file);
    const again = await listRotated(file);
    if (list.length !== again.length || list.some((r, i) => r.path !== again[i]?.path || r.ino !== again[i]?.ino)) continue;
    const a = after === null ? -1 : list.findIndex((r) => r.ino === after);
    const b = before === undefined ? -1 : list.findIndex((r) => r.ino === before);
    const slice = list.slice(a + 1, b === -1 ? list.length : b);
    const opened: Opened[] = [];
    let consistent = true;
    for (const r of slice) {
      const o = await openWithInode(r.path, r.compressed);
      if (o) opened.push(o);
      if (!o || o.ino !== r.ino) {
        consistent = false;
        break;
      }
    }
    if (consistent) return opened;
    for (const o of opened) await o.fh.close().catch(() => {});
  }
  throw new IoError('journal files kept changing while listing them');
}

/**
 * Opens the rotated files whose records come after seq `after` and that are not inode `before` (the live file we
 * hold), oldest first. Walks from the newest rotated file back and stops at the first one starting at or before
 * `after`, or at inode `read` (the file last read, while it is not compressed: so a raw journal whose messages
 * merely look like records never makes it read old files again), so only the few files a rotation just made are
 * looked at; a file gone meanwhile (renamed, compressed) makes it list again.
 */
async function openNewerThanSeq(file: string, after: number, read: number | null, before: number | undefined): Promise<Opened[]> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const list = await listRotated(file);
    const opened: Opened[] = [];
    let consistent = true;
    for (let i = list.length - 1; i >= 0; i--) {
      const r = list[i] as JournalFileRef;
      if (r.ino === read) break;
      if (r.ino === before) continue;
      const o = await openWithInode(r.path, r.compressed);
      if (!o || o.ino !== r.ino) {
        if (o) await o.fh.close();
        consistent = false;
        break;
      }
      if ((await firstSeq(o.fh, o.compressed)) <= after) {
        await o.fh.close();
        break;
      }
      opened.unshift(o);
    }
    if (consistent) return opened;
    for (const o of opened) await o.fh.close().catch(() => {});
  }
  throw new IoError('journal files kept changing while listing them');
}

/** Sleeps until the poll interval passes, the folder changes (inotify through fs.watch), or the signal aborts. */
function makeWaiter(dir: string, pollMs: number, signal: AbortSignal | undefined): { next(): Promise<void>; close(): void } {
  let wake: (() => void) | null = null;
  let poked = false;
  const poke = (): void => {
    poked = true;
    wake?.();
  };
  let watcher: FSWatcher | null = null;
  try {
    watcher = watch(dir, { persistent: false }, poke);
    watcher.on('error', () => watcher?.close());
  } catch {
    // Polling alone still works where fs.watch does not.
  }
  signal?.addEventListener('abort', poke, { once: true });
  return {
    next: () => {
      if (poked || signal?.aborted) {
        poked = false;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        const timer = setTimeout(done, pollMs);
        function done(): void {
          clearTimeout(timer);
          wake = null;
          poked = false;
          resolve();
        }
        wake = done;
      });
    },
    close: () => {
      watcher?.close();
      signal?.removeEventListener('abort', poke);
    },
  };
}
