// `--access-log FILE` in the lifecycle: SIGHUP reopens it for logrotate, shutdown ends it. Serve's server and the workers' primary both use this.
import type { Closable } from '../../lifecycle.js';
import type { LogFn } from '../../logger.js';
import type { ReopenableLogFile } from './log-file.js';

/** The reload and close of an access log file, as a lifecycle component or a part of one. */
export interface AccessLogFileControl {
  /** SIGHUP: write out what is buffered into the old file, then go on in a fresh one, and say so. */
  reload(): void;
  /** Shutdown: end the file once what was handed to it is written. */
  close(): Promise<void>;
}

/**
 * The one reopen-and-end routine of `--access-log FILE`. `flush` hands over lines still buffered in the process
 * (the access log's), so lines of requests answered before the signal land in the file logrotate just moved.
 */
export function accessLogFileControl(file: ReopenableLogFile, log: LogFn, flush: () => void = () => {}): AccessLogFileControl {
  return {
    reload: () => {
      flush();
      file.reopen();
      log(`reopened the access log ${file.path}`);
    },
    close: () => new Promise<void>((resolve) => file.end(() => resolve())),
  };
}

/** {@link accessLogFileControl} as a lifecycle component of its own (the workers' primary, which writes the workers' lines). */
export function accessLogFileClosable(file: ReopenableLogFile, log: LogFn): Closable {
  return { name: 'access-log', ...accessLogFileControl(file, log) };
}
