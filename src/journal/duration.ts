// Pure parsing of retention durations (`--rotate-interval 1h`, `--keep-age 14d`) and the retention defaults.
import { InvalidOptionError } from '../errors.js';

/** Milliseconds per duration unit: seconds, minutes, hours, days, weeks. */
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** `--rotate-interval` default: `0`, never rotate by time. */
export const DEFAULT_ROTATE_INTERVAL = '0';
/** `--keep-age` default: `0`, rotated files are not deleted by age (only `--keep` applies). */
export const DEFAULT_KEEP_AGE = '0';
/** Shortest accepted `--rotate-interval` and `--keep-age` (besides 0): below a second, rotation would be a write loop. */
export const MIN_RETENTION_MS = 1000;
/** Longest accepted duration: ten years, well inside a timer's range once split (see journal.ts). */
export const MAX_RETENTION_MS = 3650 * UNIT_MS.d;

/** `--compress-rotated` choices: `none` (default) keeps rotated files plain, `gzip` compresses them in the background. */
export const Compression = { NONE: 'none', GZIP: 'gzip' } as const;
/** `none` or `gzip`. */
export type CompressionValue = (typeof Compression)[keyof typeof Compression];
/** `--compress-rotated` default. */
export const DEFAULT_COMPRESSION: CompressionValue = Compression.NONE;

/**
 * Parses a duration such as `90s`, `10m`, `1h`, `1d` or `2w` (a whole number and one unit; `0` alone means off)
 * into milliseconds. Throws InvalidOptionError naming `flag` for anything else, or for a duration outside
 * [{@link MIN_RETENTION_MS}, {@link MAX_RETENTION_MS}].
 */
export function parseDuration(raw: string, flag: string): number {
  const text = raw.trim();
  if (text === '0') return 0;
  const m = /^(\d{1,12})(s|m|h|d|w)$/.exec(text);
  if (m === null) throw new InvalidOptionError(`--${flag} must be 0 (off) or a duration like 90s, 10m, 1h, 1d, 2w, not ${JSON.stringify(raw)}`);
  const ms = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  if (ms < MIN_RETENTION_MS || ms > MAX_RETENTION_MS) throw new InvalidOptionError(`--${flag} must be between 1s and 3650d (or 0), not ${JSON.stringify(raw)}`);
  return ms;
}
