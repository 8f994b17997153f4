// The one shutdown routine shared by every subcommand: stop accepting, drain until a deadline, flush and fsync, exit code.
import type { LogFn } from './logger.js';

/** A component that takes part in shutdown. Every hook is optional and must not throw. */
export interface Closable {
  /** Shown in logs. */
  readonly name: string;
  /** Stop taking new work (close listeners, pause stdin). Called first, on every component. */
  stopAccepting?(): void;
  /** Let work in flight finish; resolves when done. Cut short at the deadline (epoch ms). */
  drain?(deadline: number): Promise<void>;
  /** Release resources after draining (destroy sockets, fsync and close files). Called in reverse registration order. */
  close?(): Promise<void>;
  /** SIGHUP: re-read what may change on disk (TLS certificates, log files) without dropping a connection; logs, never throws. */
  reload?(): void;
}

/** Options for {@link Lifecycle}. */
export interface LifecycleOptions {
  /** How long in-flight work may take before it is cut off. Default 10 000 ms. */
  drainTimeoutMs?: number;
  /** Called for a second signal while shutdown runs: the CLI ends the process there. */
  onForce?: (signal: string) => void;
  /** Where progress is reported. */
  log?: LogFn;
}

/** Default drain deadline for in-flight transfers and pending replies. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;

/**
 * Longest a connection we are closing (a refusal, a shutdown, an HTTP error answered early) stays open after our
 * FIN for the peer to read the last words and finish sending, before it is destroyed: the collector's sockets and
 * HTTP's lingering close both take it (nginx's lingering_timeout is 5 s too).
 */
export const LINGER_MS = 5_000;

/**
 * Owns the ordered shutdown of every registered component. `shutdown()` is safe to call any number
 * of times; every call returns the same promise.
 */
export class Lifecycle {
  private readonly components: Closable[] = [];
  private shutdownPromise: Promise<void> | null = null;
  private readonly drainTimeoutMs: number;
  private readonly onForce: ((signal: string) => void) | undefined;
  private readonly log: LogFn;
  private signalHandler: ((signal: NodeJS.Signals) => void) | null = null;
  private readonly stopController = new AbortController();

  constructor(options: LifecycleOptions = {}) {
    this.drainTimeoutMs = options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
    this.onForce = options.onForce;
    this.log = options.log ?? (() => {});
  }

  /** True once shutdown has begun. */
  get stopping(): boolean {
    return this.shutdownPromise !== null;
  }

  /** Aborted when shutdown begins: work still starting up (a sink being waited for) gives up instead of starting late. */
  get signal(): AbortSignal {
    return this.stopController.signal;
  }

  /** Adds a component; components registered first are closed last (register the journal first). */
  register(component: Closable): void {
    this.components.push(component);
  }

  /** Asks every component to reload (SIGHUP); ignored once shutdown has begun. */
  reload(): void {
    if (this.stopping) return;
    this.log('SIGHUP: reloading certificates and log files');
    for (const c of this.components) {
      try {
        c.reload?.();
      } catch (err) {
        this.log(`${c.name}: reload failed: ${String(err)}`);
      }
    }
  }

  /** Installs SIGINT/SIGTERM handlers: the first starts shutdown, a second forces the exit through `onForce`. */
  handleSignals(signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM']): void {
    const handler = (signal: NodeJS.Signals): void => {
      if (this.stopping) {
        this.log(`${signal} again: forcing exit`, 'warn');
        this.onForce?.(signal);
        return;
      }
      this.log(`${signal}: shutting down (send it again to force)`);
      void this.shutdown();
    };
    this.signalHandler = handler;
    for (const s of signals) process.on(s, handler);
    // SIGHUP reloads, as nginx and Caddy do on certificate renewal (and no longer ends the process).
    process.on('SIGHUP', () => this.reload());
  }

  /** Runs the shutdown sequence once. */
  shutdown(): Promise<void> {
    if (!this.stopController.signal.aborted) this.stopController.abort();
    this.shutdownPromise ??= this.run();
    return this.shutdownPromise;
  }

  private async run(): Promise<void> {
    for (const c of this.components) {
      try {
        c.stopAccepting?.();
      } catch (err) {
        this.log(`${c.name}: stop accepting failed: ${String(err)}`, 'error');
      }
    }
    const deadline = Date.now() + this.drainTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.drainTimeoutMs);
      timer.unref();
    });
    const drains = Promise.all(
      this.components.map((c) =>
        (c.drain?.(deadline) ?? Promise.resolve()).catch((err: unknown) => {
          this.log(`${c.name}: drain failed: ${String(err)}`, 'error');
        }),
      ),
    );
    if ((await Promise.race([drains, timeout])) === 'timeout') {
      this.log(`drain deadline of ${this.drainTimeoutMs} ms passed; closing what is left`, 'warn');
    }
    clearTimeout(timer);
    for (const c of [...this.components].reverse()) {
      try {
        await c.close?.();
      } catch (err) {
        process.exitCode = 1;
        this.log(`${c.name}: close failed: ${String(err)}`, 'error');
      }
    }
    if (this.signalHandler) {
      process.removeListener('SIGINT', this.signalHandler);
      process.removeListener('SIGTERM', this.signalHandler);
      // Keep a handler so a late second signal still forces rather than killing mid-fsync.
      const force = (s: NodeJS.Signals): void => this.onForce?.(s);
      process.once('SIGINT', force);
      process.once('SIGTERM', force);
    }
    process.exitCode ??= 0;
    this.log('shutdown complete');
  }
}
