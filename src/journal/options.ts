// Journal options, counters and the sync policies; re-exported by journal.ts.
import type { LogFn } from '../logger.js';
import type { FileOps, SyncMethodValue } from './file-ops.js';
import type { JournalFormatValue } from './record.js';
import type { CompressionValue } from './duration.js';

/** When an `ok` may be sent: after an fdatasync covering the record (`batch`), or after write(2) returns (`none`). */
export const SyncPolicy = { BATCH: 'batch', NONE: 'none' } as const;
/** `batch` or `none`. */
export type SyncPolicyValue = (typeof SyncPolicy)[keyof typeof SyncPolicy];

/** Options for {@link openJournal}. */
export interface JournalOptions {
  /** The current journal file; rotated files are `path.1 … path.keep`. */
  path: string;
  /** Default `json`. */
  format?: JournalFormatValue;
  /** Default `batch`. */
  sync?: SyncPolicyValue;
  /** JSON format only: parse each message as syslog into a `syslog` field (see record.ts). Default false. */
  syslog?: boolean;
  /** How `batch` makes a write durable: fdatasync after it, or a file opened with O_DSYNC. Default DEFAULT_SYNC_METHOD. */
  syncMethod?: SyncMethodValue;
  /** The system calls on the journal's file; node:fs by default (tests pass fakes that fail). */
  fileOps?: FileOps;
  /** Rotate once the current file reaches this many bytes; 0 (default) never rotates. */
  rotateSize?: number;
  /** Rotated files to keep. Default 5. */
  keep?: number;
  /** Also rotate once the current file's first record is this old (ms); 0 (default) never rotates by time. Empty files never rotate. */
  rotateIntervalMs?: number;
  /** Delete rotated files whose last record is older than this (ms), besides `keep`; 0 (default) keeps them. */
  keepAgeMs?: number;
  /** `gzip`: compress rotated files in the background to `FILE.n.gz`. Default `none`. */
  compression?: CompressionValue;
  log?: LogFn;
  /** First retry delay after an I/O failure (default 50 ms); doubles up to `retryMaxMs` (default 2000 ms). */
  retryMinMs?: number;
  retryMaxMs?: number;
}

/** Counters exposed for metrics and tests. */
export interface JournalStats {
  bytesWritten: number;
  /** Bytes in the current file. */
  size: number;
  /** The sequence number of the last durable record. */
  lastSeq: number;
  syncs: number;
  ioErrors: number;
}

/** Default number of rotated files kept. */
export const DEFAULT_KEEP = 5;
