// `serve --workers N`: a node:cluster primary that forks N servers on one port, restarts crashed ones, relays their logs.
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import os from 'node:os';
import { Writable } from 'node:stream';
import { InvalidOptionError, IoError } from '../../errors.js';
import type { Closable } from '../../lifecycle.js';
import type { LogFn } from '../../logger.js';

/** First restart delay after a crash; doubled per crash in a row, up to {@link RESTART_MAX_MS}. */
export const RESTART_BASE_MS = 100;
/** Longest delay before a crashed worker is restarted. */
export const RESTART_MAX_MS = 10_000;
/** A worker that ran this long before crashing resets the backoff. */
export const RESTART_RESET_MS = 10_000;

/** Messages between the primary and its workers (IPC). */
export const WorkerMessage = {
  /** worker → primary: listening, with the URL to announce. */
  LISTENING: 'muxd:listening',
  /** worker → primary: whole access-log lines, written by the primary alone so lines never interleave. */
  LOG: 'muxd:log',
  /** worker → primary: nothing after this; sent last so its delivery proves the lines before it were written. */
  FLUSHED: 'muxd:flushed',
  /** primary → worker: run the shutdown routine (a message, not a signal, so a terminal's Ctrl-C is not a second signal). */
  SHUTDOWN: 'muxd:shutdown',
} as const;

interface Message {
  type: string;
  url?: string;
  text?: string;
}

/** Parses `--workers N|auto` (auto: one per core, `os.availableParallelism()`); undefined when the flag is absent. */
export function parseWorkers(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'auto') return os.availableParallelism();
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 256) {
    throw new InvalidOptionError(`--workers must be auto or a whole number from 1 to 256, not ${JSON.stringify(raw)}`);
  }
  return Number(raw);
}

/** Options for {@link WorkerPool}. */
export interface WorkerPoolOptions {
  count: number;
  /** Diagnostics (crashes, restarts). */
  log: LogFn;
  /** Where relayed access-log text goes (whole lines). */
  logOutput: NodeJS.WritableStream;
}

/**
 * The primary's side: forks the workers (the same command line), waits until each listens, restarts a crashed one
 * with a backoff, relays access-log lines to one stream, and drains them all through the primary's one shutdown
 * routine ({@link WorkerPool.closable}).
 */
export class WorkerPool {
  private readonly workers = new Set<Worker>();
  private stopping = false;
  private crashesInARow = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  /** Every worker started so far (restarts included). */
  started = 0;

  constructor(private readonly o: WorkerPoolOptions) {}

  /** Forks the workers; resolves with the URL once all listen, rejects when one exits before listening. */
  async start(): Promise<string> {
    const started = await Promise.all(Array.from({ length: this.o.count }, () => this.fork()));
    return started[0]!.url;
  }

  private fork(): Promise<{ url: string; pid: number }> {
    const worker = cluster.fork();
    this.started++;
    this.workers.add(worker);
    const born = Date.now();
    return new Promise((resolve, reject) => {
      let listening = false;
      worker.on('message', (m: Message) => {
        if (m.type === WorkerMessage.LOG && typeof m.text === 'string') this.o.logOutput.write(m.text);
        else if (m.type === WorkerMessage.LISTENING && typeof m.url === 'string') {
          listening = true;
          resolve({ url: m.url, pid: worker.process.pid ?? -1 });
        }
      });
      worker.on('exit', (code, signal) => {
        this.workers.delete(worker);
        if (!listening) {
          reject(new IoError(`worker ${worker.process.pid ?? '?'} exited (${signal ?? `code ${code}`}) before listening`));
          return;
        }
        if (this.stopping) return;
        if (Date.now() - born >= RESTART_RESET_MS) this.crashesInARow = 0;
        const delay = Math.min(RESTART_MAX_MS, RESTART_BASE_MS * 2 ** this.crashesInARow);
        this.crashesInARow++;
        this.o.log(`worker ${worker.process.pid ?? '?'} exited (${signal ?? `code ${code}`}); restarting in ${delay} ms`);
        this.restartTimer = setTimeout(() => {
          this.restartTimer = null;
          if (this.stopping) return;
          this.fork().then(
            (w) => this.o.log(`worker ${w.pid} started in place of ${worker.process.pid ?? '?'}`),
            (err: unknown) => this.o.log(`restart failed: ${err instanceof Error ? err.message : String(err)}`),
          );
        }, delay);
      });
    });
  }

  /** Pids of the running workers. */
  get pids(): number[] {
    return [...this.workers].map((w) => w.process.pid ?? -1);
  }

  /** Stops restarting, asks every worker to run its shutdown routine, waits for them until the deadline, then kills the rest. */
  closable(): Closable {
    let exited: Promise<void> = Promise.resolve();
    return {
      name: 'workers',
      stopAccepting: () => {
        if (this.stopping) return;
        this.stopping = true;
        if (this.restartTimer !== null) clearTimeout(this.restartTimer);
        exited = Promise.all([...this.workers].map((w) => new Promise<void>((resolve) => {
          if (w.isDead()) return resolve();
          w.once('exit', () => resolve());
          w.send({ type: WorkerMessage.SHUTDOWN }, () => {});
        }))).then(() => {});
      },
      drain: async (deadline: number) => {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
          timer.unref();
        });
        await Promise.race([exited, late]);
        clearTimeout(timer);
      },
      close: async () => {
        for (const w of this.workers) if (!w.isDead()) w.process.kill('SIGKILL');
      },
    };
  }
}

/**
 * A worker's access-log output: whole lines go to the primary over IPC (the access log only ever writes whole lines),
 * with IPC backpressure (the write completes when the message is sent).
 */
export function primaryLogStream(): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      sendToPrimary({ type: WorkerMessage.LOG, text: chunk.toString() }).then(() => cb(), cb);
    },
  });
}

function sendToPrimary(message: Message): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected || process.send === undefined) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

/** A worker tells the primary it listens; resolves when the message is out. */
export function announceWorkerListening(url: string): Promise<void> {
  return sendToPrimary({ type: WorkerMessage.LISTENING, url });
}

/** Resolves once every message sent before it (log lines included) is written to the channel: call before disconnecting. */
export function flushToPrimary(): Promise<void> {
  return sendToPrimary({ type: WorkerMessage.FLUSHED });
}

/** Calls `fn` when the primary asks this worker to shut down. */
export function onShutdownRequest(fn: () => void): void {
  process.on('message', (m: Message) => {
    if (m.type === WorkerMessage.SHUTDOWN) fn();
  });
}
