// Per-input counters (the muxd port, the syslog port, RELP, UDP, the terminal): what each input read, refused and holds open.

/** What one input has done since the start; read by the stats, `/metrics` and the admin endpoint. */
export interface InputCounters {
  /** `collect`, `syslog`, `relp`, `udp` or `stdin`. */
  readonly input: string;
  /** Messages read and queued for the journal. */
  messages: number;
  /** Their bytes. */
  bytes: number;
  /** Messages or connections refused, by error code (ERR_MESSAGE_TOO_LONG, ERR_BAD_FRAME, ERR_BUSY, …). */
  readonly refused: Record<string, number>;
}

/** Fresh counters for `input`. */
export function inputCounters(input: string): InputCounters {
  return { input, messages: 0, bytes: 0, refused: {} };
}

/** Adds `n` refusals with `code` to `counters`. */
export function countRefused(counters: InputCounters, code: string, n = 1): void {
  counters.refused[code] = (counters.refused[code] ?? 0) + n;
}

/** One input's counters and its open connections, as the stats report them. */
export interface InputStats extends InputCounters {
  /** Connections open now (0 for UDP and the terminal). */
  connections: number;
}
