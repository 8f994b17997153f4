// Where uploads land: target checks (inside the root by real path, no dotfiles), temp file + fsync + rename, no partial files.
import { randomBytes } from 'node:crypto';
import { link, lstat, open, realpath, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { BadPathError, FileExistsError, IoError, NotFoundError } from '../../errors.js';
import { CONFIG_FILE_NAME } from '../../config.js';
import { UPLOAD_TEMP_PREFIX } from '../static/static-handler.js';

/** An upload written to its temp file and fsynced, not yet in place. */
export interface StagedFile {
  tmp: string;
  target: string;
  /** The name as stored (for the reply). */
  name: string;
  size: number;
}

/** Longest file name accepted, in bytes (the usual file system limit). */
const MAX_NAME_BYTES = 255;

/** Temp files are dotfiles in the target's folder (same file system as the target), which the static handler never lists nor serves. */
const TEMP_PREFIX = UPLOAD_TEMP_PREFIX;

/**
 * Validates one file name from a request (a URL segment or a multipart filename): non-empty, no `/` or `\`, no
 * control character, not `.`/`..`, not hidden (never, whatever `--dotfiles` says), at most 255 bytes.
 */
export function checkFileName(name: string): string {
  // eslint-disable-next-line no-control-regex -- control bytes are what this refuses
  if (name === '' || /[/\\\x00-\x1f\x7f]/.test(name) || Buffer.byteLength(name) > MAX_NAME_BYTES) throw new BadPathError('bad file name');
  if (name.startsWith('.')) throw new NotFoundError();
  return name;
}

/** Writes uploads below one root, by the same real-path rules as the static handler's reads. */
export class UploadStore {
  private readonly rootPrefix: string;

  /**
   * @param root the served folder's real path
   * @param deny real paths never written (`up`'s journal files)
   * @param protect the config file in use (as named and by real path), never written
   */
  constructor(
    readonly root: string,
    private readonly overwrite: boolean,
    private readonly deny?: (realPath: string) => boolean,
    private readonly protect: readonly string[] = [],
  ) {
    this.rootPrefix = root.endsWith(path.sep) ? root : root + path.sep;
  }

  /** The real path of the folder named by URL segments; NotFoundError when missing, not a folder, outside the root or hidden. */
  async folder(segments: readonly string[]): Promise<string> {
    let real: string;
    try {
      real = await realpath(path.join(this.root, ...segments));
      if (!(await stat(real)).isDirectory()) throw new NotFoundError();
    } catch {
      throw new NotFoundError();
    }
    if (real !== this.root) {
      // A symlinked folder must stay inside the root and not be hidden by its real path.
      if (!real.startsWith(this.rootPrefix)) throw new NotFoundError();
      if (real.slice(this.rootPrefix.length).split(path.sep).some((s) => s.startsWith('.'))) throw new NotFoundError();
    }
    if (this.deny?.(real)) throw new NotFoundError();
    return real;
  }

  /** Checks that `name` may be written in `dir` (a real path from {@link folder}): FileExistsError when taken (without overwrite) or a folder. */
  async check(dir: string, name: string): Promise<string> {
    const target = path.join(dir, checkFileName(name));
    // muxd.json anywhere (muxd run in that folder would read it), and the config file of this run, wherever it is named.
    if (name.toLowerCase() === CONFIG_FILE_NAME || this.protect.includes(target)) throw new BadPathError(`${name} is muxd configuration: uploads never write it`);
    if (this.deny?.(target)) throw new NotFoundError();
    try {
      const st = await lstat(target);
      if (st.isDirectory() || !this.overwrite) throw new FileExistsError();
      return target;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return target;
      throw err;
    }
  }

  /** Streams `source` into a new temp file next to `target` and fsyncs it. On any failure the temp file is gone. */
  async stage(target: string, source: Readable | AsyncIterable<Buffer>): Promise<StagedFile> {
    const tmp = path.join(path.dirname(target), `${TEMP_PREFIX}${randomBytes(9).toString('base64url')}`);
    const fh = await open(tmp, 'wx', 0o666);
    let size = 0;
    try {
      // One awaited write at a time: the source is read only as fast as the disk takes it.
      await pipeline(source, async function writeAll(chunks: AsyncIterable<Buffer>) {
        for await (const c of chunks) {
          for (let off = 0; off < c.length; ) off += (await fh.write(c, off, c.length - off)).bytesWritten;
          size += c.length;
        }
      });
      await fh.sync();
      await fh.close();
    } catch (err) {
      await fh.close().catch(() => {});
      await unlink(tmp).catch(() => {});
      throw err;
    }
    return { tmp, target, name: path.basename(target), size };
  }

  /**
   * Moves a staged file into place: rename with `overwrite`, otherwise link + unlink, which fails atomically when the
   * name was taken meanwhile (FileExistsError). Then fsyncs the folder so the name survives a crash. Resolves whether
   * a file was replaced.
   */
  async commit(f: StagedFile): Promise<boolean> {
    let replaced = false;
    try {
      if (this.overwrite) {
        replaced = await lstat(f.target).then(() => true, () => false);
        await rename(f.tmp, f.target);
      } else {
        try {
          await link(f.tmp, f.target);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'EEXIST') throw new FileExistsError();
          // File systems without hard links: check, then rename (a narrow race, only there).
          if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
          if (await lstat(f.target).then(() => true, () => false)) throw new FileExistsError();
          await rename(f.tmp, f.target);
        }
        await unlink(f.tmp).catch(() => {});
      }
    } catch (err) {
      await this.discard(f);
      throw err instanceof FileExistsError ? err : new IoError('cannot store the upload', { cause: err });
    }
    await syncFolder(path.dirname(f.target));
    return replaced;
  }

  /** Removes a staged file that will not be committed. */
  async discard(f: StagedFile): Promise<void> {
    await unlink(f.tmp).catch(() => {});
  }
}

/** fsyncs a folder (the rename or link in it); file systems that cannot are skipped. */
async function syncFolder(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // EINVAL/EISDIR on file systems without directory fsync: the rename is still done.
  }
}
