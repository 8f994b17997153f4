// The muxd bench load generator: C windowed clients × M messages of S bytes, checking every ack and timing them.
import { connectTo, WindowedSender } from './client.js';
import { ReplyKind } from './reply-parser.js';
import type { Reply } from './reply-parser.js';

/** What to send and where. */
export interface LoadOptions {
  host: string;
  port: number;
  clients: number;
  /** Messages per client. */
  messages: number;
  /** Bytes per message, without the LF. */
  size: number;
  window: number;
  /** Per-client reply timeout (0: none). */
  replyTimeoutMs: number;
  /** Called every `progressMs` while running. */
  onProgress?: (progress: LoadProgress) => void;
  progressMs?: number;
}

/** A snapshot while running. */
export interface LoadProgress {
  answered: number;
  total: number;
  elapsedMs: number;
}

/** The outcome of a run; `ok` is false when any check failed, and `problems` says which. */
export interface LoadReport {
  clients: number;
  messages: number;
  size: number;
  window: number;
  /** clients × messages */
  expected: number;
  acked: number;
  failed: number;
  unanswered: number;
  errors: Record<string, number>;
  connectFailures: number;
  /** Why clients stopped early, by error code. */
  stopped: Record<string, number>;
  /** Seqs acked more than once (across all clients). */
  duplicates: number;
  /** Clients whose acked seqs were not strictly increasing. */
  outOfOrder: number;
  /** The union of acked seqs has no gaps (false is expected when other writers share the collector). */
  contiguous: boolean;
  seconds: number;
  /** Acked messages per second. */
  rate: number;
  /** Ack latency in ms (send() to reply), from up to a million sampled acks; max is exact. */
  latencyMs: { p50: number | null; p99: number | null; max: number | null };
  ok: boolean;
  problems: string[];
}

const SAMPLE_CAP = 1_000_000;

/** Builds message `i` of client `id`: a readable prefix over `pad` (at least `size` bytes of `x`), exactly `size` bytes. */
export function makeMessage(id: number, i: number, size: number, pad: Buffer): Buffer {
  const head = `c${id} m${i} `;
  if (head.length >= size) return Buffer.from(head.slice(0, size), 'latin1');
  // Copy a ready padded template and write the head over it: cheaper than building the whole string.
  const msg = Buffer.allocUnsafe(size);
  pad.copy(msg, 0, 0, size);
  msg.write(head, 0, head.length, 'latin1');
  return msg;
}

/** Percentile of an ascending sample (nearest rank), rounded to µs. */
export function percentile(sorted: Float64Array, p: number): number | null {
  if (sorted.length === 0) return null;
  const v = sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
  return Math.round(v * 1000) / 1000;
}

/** Counts seqs that appear more than once and whether the rest form one gapless run. */
export function checkSeqs(seqs: Float64Array): { duplicates: number; contiguous: boolean } {
  if (seqs.length === 0) return { duplicates: 0, contiguous: true };
  const sorted = Float64Array.from(seqs).sort();
  let duplicates = 0;
  for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) duplicates++;
  const span = (sorted[sorted.length - 1] as number) - (sorted[0] as number) + 1;
  return { duplicates, contiguous: duplicates === 0 && span === sorted.length };
}

/** Runs the load and checks it. Never throws for server misbehaviour: it is reported in `problems`. */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const { clients, messages, size, window } = options;
  const expected = clients * messages;
  const seqs = new Float64Array(expected);
  let seqCount = 0;
  const sample = new Float64Array(Math.min(expected, SAMPLE_CAP));
  let latencies = 0;
  let maxLatency = -1;
  let answered = 0;
  const totals = { acked: 0, failed: 0, unanswered: 0, connectFailures: 0, outOfOrder: 0 };
  const errors: Record<string, number> = {};
  const stopped: Record<string, number> = {};
  const pad = Buffer.alloc(size, 'x');

  const recordLatency = (ms: number): void => {
    if (ms > maxLatency) maxLatency = ms;
    if (latencies < sample.length) sample[latencies] = ms;
    else {
      const j = Math.floor(Math.random() * (latencies + 1));
      if (j < sample.length) sample[j] = ms;
    }
    latencies++;
  };

  const client = async (id: number): Promise<void> => {
    let socket;
    try {
      socket = await connectTo(options.host, options.port);
    } catch {
      totals.connectFailures++;
      totals.unanswered += messages;
      return;
    }
    let last = -1;
    let inOrder = true;
    const onReply = (reply: Reply, latencyMs: number): void => {
      answered++;
      recordLatency(latencyMs);
      if (reply.kind !== ReplyKind.OK) return;
      if (reply.seq <= last) inOrder = false;
      last = reply.seq;
      if (seqCount < seqs.length) seqs[seqCount++] = reply.seq;
    };
    const sender = new WindowedSender(socket, { window, replyTimeoutMs: options.replyTimeoutMs, onReply });
    for (let i = 0; i < messages; i++) {
      if (!sender.writable && !(await sender.waitWritable())) break;
      sender.send(makeMessage(id, i, size, pad));
    }
    const s = await sender.finish();
    totals.acked += s.ok;
    totals.failed += s.failed;
    totals.unanswered += messages - s.ok - s.failed;
    for (const [code, n] of Object.entries(s.errors)) errors[code] = (errors[code] ?? 0) + n;
    if (s.stoppedBy) stopped[s.stoppedBy.code] = (stopped[s.stoppedBy.code] ?? 0) + 1;
    if (!inOrder) totals.outOfOrder++;
  };

  const t0 = performance.now();
  const timer = options.onProgress
    ? setInterval(() => options.onProgress?.({ answered, total: expected, elapsedMs: performance.now() - t0 }), options.progressMs ?? 250)
    : null;
  timer?.unref();
  try {
    await Promise.all(Array.from({ length: clients }, (_, id) => client(id)));
  } finally {
    if (timer) clearInterval(timer);
  }
  const seconds = (performance.now() - t0) / 1000;

  const { duplicates, contiguous } = checkSeqs(seqs.subarray(0, seqCount));
  const sorted = sample.subarray(0, Math.min(latencies, sample.length)).sort();
  const problems: string[] = [];
  if (totals.connectFailures > 0) problems.push(`${totals.connectFailures} client(s) could not connect`);
  if (totals.failed > 0) problems.push(`${totals.failed} error repl${totals.failed === 1 ? 'y' : 'ies'}`);
  if (totals.unanswered > 0) problems.push(`${totals.unanswered} message(s) not acknowledged`);
  if (duplicates > 0) problems.push(`${duplicates} duplicate seq(s) across clients`);
  if (totals.outOfOrder > 0) problems.push(`${totals.outOfOrder} client(s) saw seqs that were not strictly increasing`);
  return {
    clients,
    messages,
    size,
    window,
    expected,
    ...totals,
    errors,
    stopped,
    duplicates,
    contiguous,
    seconds: Math.round(seconds * 1000) / 1000,
    rate: seconds > 0 ? Math.round(totals.acked / seconds) : 0,
    latencyMs: { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: maxLatency < 0 ? null : Math.round(maxLatency * 1000) / 1000 },
    ok: problems.length === 0,
    problems,
  };
}
