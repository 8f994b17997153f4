// The byte pump under file-response.ts: streams a range of a file into a response with pooled read buffers,
// backpressure and an fd closed on every exit.
import { open, read, close, fstat } from 'node:fs';
import type { ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';

/** Read size for every streamed file (pooled buffers here, read streams in file-response.ts): big reads mean few syscalls and few socket writes. */
export const FILE_CHUNK_BYTES = 1024 * 1024;
/** Most idle buffers kept for reuse (16 MiB); beyond that they are left to the GC. */
const MAX_POOLED = 16;
const pool: Buffer[] = [];

function take(): Buffer {
  return pool.pop() ?? Buffer.allocUnsafeSlow(FILE_CHUNK_BYTES);
}

function give(buf: Buffer): void {
  if (pool.length < MAX_POOLED) pool.push(buf);
}

/** What the pump writes to: an HTTP/1.1 ServerResponse, an HTTP/2 core stream, or any Writable. */
type Sink = ServerResponse | Writable;

/**
 * Sends bytes `[start, end]` (inclusive) of `absPath`, then ends the response. A buffer goes back to the pool only
 * once the socket has taken it (write callback), so reuse never corrupts data in flight. On a read error or a short
 * file the response is destroyed; on client abort the reads stop. The fd is closed in every case. With `expect`, a
 * descriptor whose fstat is not that device and inode (the file was swapped after it was checked) is refused the same way.
 */
export function sendFileRange(res: Sink, absPath: string, start: number, end: number, expect?: { dev: number; ino: number }): void {
  let fd = -1;
  let pos = start;
  let remaining = end - start + 1;
  let reading = false;
  let finished = false;

  const closeFd = (): void => {
    if (fd !== -1) {
      const f = fd;
      fd = -1;
      close(f, () => {});
    }
  };
  const stop = (err: Error | null): void => {
    if (finished) return;
    finished = true;
    res.removeListener('close', resOnClose);
    if (!reading) closeFd();
    if (err !== null && !res.destroyed) res.destroy();
  };
  function resOnClose(): void {
    // The client left (or the response was destroyed) before we were done.
    stop(null);
  }
  const pump = (): void => {
    if (finished) return;
    const buf = take();
    reading = true;
    read(fd, buf, 0, Math.min(buf.length, remaining), pos, (err, n) => {
      reading = false;
      if (finished) {
        give(buf);
        closeFd();
        return;
      }
      if (err !== null || n === 0) {
        give(buf);
        stop(err ?? new Error('file shrank while sending'));
        return;
      }
      pos += n;
      remaining -= n;
      const ok = res.write(n === buf.length ? buf : buf.subarray(0, n), () => give(buf));
      if (remaining === 0) {
        stop(null);
        res.end();
      } else if (ok) {
        pump();
      } else {
        res.once('drain', pump);
      }
    });
  };

  res.on('close', resOnClose);
  open(absPath, 'r', (err, f) => {
    if (err !== null) {
      stop(err);
      return;
    }
    if (finished) {
      close(f, () => {});
      return;
    }
    fd = f;
    if (expect === undefined) {
      pump();
      return;
    }
    // The descriptor must be the file that was checked (see file-cache.ts openChecked): same device and inode.
    fstat(f, (serr, st) => {
      if (finished) {
        closeFd();
        return;
      }
      if (serr !== null || st.dev !== expect.dev || st.ino !== expect.ino) {
        stop(serr ?? new Error('file changed while opening'));
        return;
      }
      pump();
    });
  });
}
