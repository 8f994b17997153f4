// Diagnostic log lines to stderr: one line per event, timestamped, never on stdout (stdout carries listening lines and acks).

/** Writes a diagnostic line. Swappable in tests. */
export type LogFn = (line: string) => void;

/** Builds a logger that prefixes `muxd <component>:` and writes to stderr. */
export function createLogger(component: string, stream: NodeJS.WritableStream = process.stderr): LogFn {
  return (line: string) => {
    stream.write(`${new Date().toISOString()} muxd ${component}: ${line}\n`);
  };
}

/** A logger that drops everything. */
export const silentLog: LogFn = () => {};
