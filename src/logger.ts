// Diagnostic lines to stderr (never stdout, which carries listening lines, acks and the access log): one line per event, with a level, as text or JSON.

/** How much muxd says about itself, most severe first; `--log-level` keeps a level and the ones above it. */
export const LogLevel = { ERROR: 'error', WARN: 'warn', INFO: 'info', DEBUG: 'debug' } as const;
/** One of LogLevel's values. */
export type LogLevelValue = (typeof LogLevel)[keyof typeof LogLevel];

/** `--diag-format`: `text` for people, `json` (one object per line) for log shippers. */
export const DiagFormat = { TEXT: 'text', JSON: 'json' } as const;
/** One of DiagFormat's values. */
export type DiagFormatValue = (typeof DiagFormat)[keyof typeof DiagFormat];

/**
 * Writes a diagnostic line at `level` (default info). Swappable in tests: any `(line) => void` is one. A failure
 * message names its error code (`ERR_…`) in the text; the JSON form also carries it as `code`.
 */
export type LogFn = (line: string, level?: LogLevelValue) => void;

/** The process-wide diagnostics settings, set once by the CLI from `--log-level` and `--diag-format`. */
export interface DiagnosticsSettings {
  level: LogLevelValue;
  format: DiagFormatValue;
}

/** The defaults: everything but debug, as text. */
export const DEFAULT_DIAGNOSTICS: Readonly<DiagnosticsSettings> = { level: LogLevel.INFO, format: DiagFormat.TEXT };

const RANK: Record<LogLevelValue, number> = { error: 0, warn: 1, info: 2, debug: 3 };
const settings: DiagnosticsSettings = { ...DEFAULT_DIAGNOSTICS };

/** Changes the level and format for every logger, including those already created. */
export function configureDiagnostics(next: Partial<DiagnosticsSettings>): void {
  Object.assign(settings, next);
}

/** The settings in force. */
export function diagnostics(): Readonly<DiagnosticsSettings> {
  return settings;
}

/** True when a line at `level` is written under the current `--log-level`. */
export function levelEnabled(level: LogLevelValue): boolean {
  return RANK[level] <= RANK[settings.level];
}

/** The first error code a message names, if any. */
function codeIn(text: string): string | undefined {
  return /\bERR_[A-Z0-9_]+\b/.exec(text)?.[0];
}

/**
 * Formats one diagnostic line, LF included. Text: `TIME LEVEL muxd COMPONENT: MESSAGE`. JSON: `timestamp`, `level`,
 * `component`, `message`, and `code` when the message names one (Vector's `--log-format json` has the same shape).
 */
export function formatDiagnostic(time: Date, level: LogLevelValue, component: string, message: string, format: DiagFormatValue): string {
  if (format === DiagFormat.JSON) {
    const code = codeIn(message);
    return `${JSON.stringify({ timestamp: time.toISOString(), level, component, message, ...(code !== undefined ? { code } : {}) })}\n`;
  }
  return `${time.toISOString()} ${level.toUpperCase().padEnd(5)} muxd ${component}: ${message}\n`;
}

/** Builds a logger for one component (`collect`, `nats`, `lifecycle` …) that writes to stderr. */
export function createLogger(component: string, stream: NodeJS.WritableStream = process.stderr): LogFn {
  return (line: string, level: LogLevelValue = LogLevel.INFO) => {
    if (levelEnabled(level)) stream.write(formatDiagnostic(new Date(), level, component, line, settings.format));
  };
}

/**
 * The line for a failure that ends a command: `muxd: MESSAGE` as text (what a shell user expects), or a JSON error
 * object under `--diag-format json`. Written whatever the level, since error is the lowest there is.
 */
export function formatFatal(message: string, format: DiagFormatValue = settings.format): string {
  if (format === DiagFormat.JSON) return formatDiagnostic(new Date(), LogLevel.ERROR, 'main', message, format);
  return `muxd: ${message}\n`;
}

/** A logger that drops everything. */
export const silentLog: LogFn = () => {};
