// `--access-log FILE`: an append-only log stream that SIGHUP reopens, so logrotate can move the file away.
import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { once } from 'node:events';
import { Writable } from 'node:stream';

/**
 * A Writable over FILE (opened for appending). `reopen()` starts a new FILE after logrotate renamed the old one:
 * lines already handed over finish in the old file, later ones go to the new. Backpressure passes through: a write
 * waits for the file's 'drain', so the access log's own cap bounds what is buffered.
 */
export class ReopenableLogFile extends Writable {
  private file: WriteStream;

  constructor(readonly path: string) {
    super({ decodeStrings: true });
    this.file = this.open();
  }

  private open(): WriteStream {
    const file = createWriteStream(this.path, { flags: 'a' });
    // A write error (disk full) must not crash the process; the access log counts what it cannot write.
    file.on('error', (err) => this.destroy(err));
    return file;
  }

  /** SIGHUP: close the current file once its lines are written, and go on in a fresh FILE. */
  reopen(): void {
    const old = this.file;
    this.file = this.open();
    old.end();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    if (this.file.write(chunk)) callback();
    else this.file.once('drain', () => callback());
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.file.end();
    once(this.file, 'close').then(
      () => callback(),
      (err: Error) => callback(err),
    );
  }
}
