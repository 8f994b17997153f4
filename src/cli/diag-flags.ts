// The diagnostics flags every command takes (--log-level, --diag-format), resolved flag → MUXD_* variable → default.
import { InvalidOptionError } from '../errors.js';
import { DEFAULT_DIAGNOSTICS, DiagFormat, LogLevel } from '../logger.js';
import type { DiagFormatValue, DiagnosticsSettings, LogLevelValue } from '../logger.js';
import type { OptionSpec } from '../options.js';

const LEVELS = Object.values(LogLevel);
const FORMATS = Object.values(DiagFormat);

/**
 * `--log-level` and `--diag-format`, added to every command's flags. Named apart from serve's `--log` (the access
 * log on stdout): these are muxd's own messages on stderr.
 */
export const diagnosticFlags: Record<string, OptionSpec> = {
  'log-level': {
    type: 'string',
    arg: LEVELS.join('|'),
    default: DEFAULT_DIAGNOSTICS.level,
    description: "muxd's own messages on stderr: this level and the more severe ones (startup and shutdown are info).",
  },
  'diag-format': {
    type: 'string',
    arg: FORMATS.join('|'),
    default: DEFAULT_DIAGNOSTICS.format,
    description: 'Those messages as text lines, or one JSON object per line (timestamp, level, component, message, code).',
  },
};

function pick<T extends string>(name: string, flag: unknown, env: string | undefined, choices: readonly T[], fallback: T): T {
  const raw = typeof flag === 'string' ? flag : env !== undefined && env !== '' ? env : fallback;
  if (!(choices as readonly string[]).includes(raw)) {
    throw new InvalidOptionError(`--${name} must be one of ${choices.join(', ')}, not ${JSON.stringify(raw)}`);
  }
  return raw as T;
}

/** Reads the two flags from parsed argv (`flags`) and the environment (`MUXD_LOG_LEVEL`, `MUXD_DIAG_FORMAT`). */
export function diagnosticsFrom(flags: Record<string, unknown>, env: NodeJS.ProcessEnv): DiagnosticsSettings {
  return {
    level: pick<LogLevelValue>('log-level', flags['log-level'], env.MUXD_LOG_LEVEL, LEVELS, DEFAULT_DIAGNOSTICS.level),
    format: pick<DiagFormatValue>('diag-format', flags['diag-format'], env.MUXD_DIAG_FORMAT, FORMATS, DEFAULT_DIAGNOSTICS.format),
  };
}
