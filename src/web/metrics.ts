// Prometheus metrics for /_muxd/metrics on a private prom-client registry; counters are read at scrape time, never on the hot path.
import type { EventEmitter } from 'node:events';
import type { Res } from '../http/core/types.js';
import { bodyBytes } from '../http/core/phases.js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The collector's counters, as `CollectorServer.stats` exposes them. */
export interface CollectorStatsLike {
  connectionsCurrent: number;
  connectionsTotal: number;
  received: number;
  acked: number;
  /** Rejected messages by error code. */
  rejected: Record<string, number> | Map<string, number>;
  /** UDP datagrams dropped because a cap was reached (absent: no UDP listener). */
  dropped?: number;
  /** UDP datagrams the kernel dropped before muxd read them (absent: no UDP listener). */
  kernelDropped?: number;
}

/** The journal's counters and its per-batch 'sync' event `(durationMs, batchSize, bytes)`. */
export interface JournalStatsLike extends EventEmitter {
  stats: { bytesWritten: number; size: number; lastSeq: number; syncs?: number; ioErrors?: number };
}

/** The NATS sink's counters and its per-batch 'publish' event `(durationMs, messages, bytes)`. */
export interface SinkStatsLike extends EventEmitter {
  stats: { batchesPublished: number; republishes: number; timedOut: number; lastSeq: number };
  healthy: boolean;
}

/** Counts responses by status with one shared 'finish' listener (no closure per request). */
export class HttpStatusCounter {
  /** Responses finished, by status code. */
  readonly byStatus = new Map<number, number>();
  /** Body bytes of the finished responses, by status class (`2xx` …), as their writers counted them. */
  readonly bytesByClass = new Map<string, number>();
  private readonly resOnFinish: (this: Res) => void;

  constructor() {
    const counts = this.byStatus;
    const bytes = this.bytesByClass;
    this.resOnFinish = function resOnFinish(this: Res): void {
      counts.set(this.statusCode, (counts.get(this.statusCode) ?? 0) + 1);
      const cls = `${Math.floor(this.statusCode / 100)}xx`;
      bytes.set(cls, (bytes.get(cls) ?? 0) + (bodyBytes(this) ?? 0));
    };
  }

  /** Counts this response once it finishes. */
  track(res: Res): void {
    res.once('finish', this.resOnFinish);
  }
}

/** One input's counters (`CollectorServer.stats.inputs`, the terminal's). */
export interface InputStatsLike {
  input: string;
  messages: number;
  bytes: number;
  refused: Record<string, number>;
  connections: number;
}

/** Everything the metrics read; each source is optional so parts can be tested alone. */
export interface MetricsSources {
  collector?: () => CollectorStatsLike;
  /** Per input (muxd port, syslog port, RELP, UDP, terminal): messages, bytes, refusals by code, open connections. */
  inputs?: () => InputStatsLike[];
  /** Rejections decided outside the collector (e.g. by the HTTP ingest endpoint), added to the collector's by code. */
  rejectedElsewhere?: () => Record<string, number>;
  journal?: JournalStatsLike;
  /** The NATS JetStream sink (`--sink nats://…`). */
  sink?: SinkStatsLike;
  sseClients?: () => number;
  /** Filtered searches and downloads of `/_muxd/journal` running now. */
  searches?: () => number;
  http?: HttpStatusCounter;
  /** Also export Node's default process metrics (event-loop lag, heap, CPU). Default true. */
  defaultMetrics?: boolean;
}

/** The metrics registry plus its text rendering. */
export interface Metrics {
  readonly registry: Registry;
  /** Prometheus text exposition and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
  /** Stops listening to the journal. */
  close(): void;
}

function entries(rejected: CollectorStatsLike['rejected']): Array<[string, number]> {
  return rejected instanceof Map ? [...rejected.entries()] : Object.entries(rejected);
}

/** Builds a private registry (never the global one) wired to the given sources. */
export function createMetrics(src: MetricsSources): Metrics {
  const registry = new Registry();
  if (src.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'muxd_', eventLoopMonitoringPrecision: 20 });
  const inputs = src.inputs;
  if (inputs) {
    const labelNames = ['input'] as const;
    new Counter({ name: 'muxd_input_messages_total', help: 'Messages read by each input (queued for the journal).', labelNames, registers: [registry], collect() { this.reset(); for (const x of inputs()) this.inc({ input: x.input }, x.messages); } });
    new Counter({ name: 'muxd_input_bytes_total', help: 'Message bytes read by each input.', labelNames, registers: [registry], collect() { this.reset(); for (const x of inputs()) this.inc({ input: x.input }, x.bytes); } });
    new Gauge({ name: 'muxd_input_connections', help: 'Connections open on each input.', labelNames, registers: [registry], collect() { this.reset(); for (const x of inputs()) this.set({ input: x.input }, x.connections); } });
    new Counter({
      name: 'muxd_input_refused_total',
      help: 'Messages or connections each input refused, by error code (ERR_BAD_FRAME counts framing errors).',
      labelNames: ['input', 'code'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const x of inputs()) for (const [code, n] of Object.entries(x.refused)) this.inc({ input: x.input, code }, n);
      },
    });
  }
  const collector = src.collector;
  if (collector) {
    new Gauge({ name: 'muxd_connections_current', help: 'Collector TCP connections open now.', registers: [registry], collect() { this.set(collector().connectionsCurrent); } });
    new Counter({ name: 'muxd_connections_total', help: 'Collector TCP connections accepted.', registers: [registry], collect() { this.reset(); this.inc(collector().connectionsTotal); } });
    new Counter({ name: 'muxd_messages_received_total', help: 'Messages received from every source.', registers: [registry], collect() { this.reset(); this.inc(collector().received); } });
    new Counter({ name: 'muxd_messages_acked_total', help: 'Messages acknowledged as durable.', registers: [registry], collect() { this.reset(); this.inc(collector().acked); } });
    new Counter({ name: 'muxd_udp_dropped_total', help: 'UDP datagrams dropped because a cap was reached (UDP cannot be paused).', registers: [registry], collect() { this.reset(); this.inc(collector().dropped ?? 0); } });
    new Counter({ name: 'muxd_udp_kernel_dropped_total', help: 'UDP datagrams the kernel dropped before muxd read them (a full receive buffer; /proc/net/udp drops).', registers: [registry], collect() { this.reset(); this.inc(collector().kernelDropped ?? 0); } });
    new Counter({
      name: 'muxd_messages_rejected_total',
      help: 'Messages answered with an error, by code.',
      labelNames: ['code'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [code, n] of entries(collector().rejected)) this.inc({ code }, n);
        for (const [code, n] of Object.entries(src.rejectedElsewhere?.() ?? {})) this.inc({ code }, n);
      },
    });
  }
  const journal = src.journal;
  let journalOnSync: ((durationMs: number, batchSize: number) => void) | null = null;
  let journalOnRotated: (() => void) | null = null;
  if (journal) {
    new Counter({ name: 'muxd_journal_bytes_written_total', help: 'Bytes written to the journal.', registers: [registry], collect() { this.reset(); this.inc(journal.stats.bytesWritten); } });
    new Gauge({ name: 'muxd_journal_size_bytes', help: 'Size of the current journal file.', registers: [registry], collect() { this.set(journal.stats.size); } });
    new Gauge({ name: 'muxd_journal_last_seq', help: 'Seq of the last record written.', registers: [registry], collect() { this.set(journal.stats.lastSeq); } });
    new Counter({ name: 'muxd_journal_io_errors_total', help: 'Failed journal writes or syncs.', registers: [registry], collect() { this.reset(); this.inc(journal.stats.ioErrors ?? 0); } });
    const syncSeconds = new Histogram({
      name: 'muxd_journal_fdatasync_seconds',
      help: 'Latency of each journal fdatasync (one per group commit).',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    });
    const batchSize = new Histogram({
      name: 'muxd_journal_batch_messages',
      help: 'Messages per group commit.',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384],
      registers: [registry],
    });
    journalOnSync = (durationMs, size) => {
      syncSeconds.observe(durationMs / 1000);
      batchSize.observe(size);
    };
    journal.on('sync', journalOnSync);
    const rotations = new Counter({ name: 'muxd_journal_rotations_total', help: 'Times the journal file was rotated.', registers: [registry] });
    journalOnRotated = () => rotations.inc();
    journal.on('rotated', journalOnRotated);
  }
  const sink = src.sink;
  let sinkOnPublish: ((durationMs: number) => void) | null = null;
  if (sink) {
    new Counter({ name: 'muxd_sink_batches_published_total', help: 'Batches acknowledged by NATS JetStream (one message each).', registers: [registry], collect() { this.reset(); this.inc(sink.stats.batchesPublished); } });
    new Counter({ name: 'muxd_sink_republishes_total', help: 'Batches published again (same Nats-Msg-Id) after a failure or timeout.', registers: [registry], collect() { this.reset(); this.inc(sink.stats.republishes); } });
    new Counter({ name: 'muxd_sink_timeouts_total', help: 'Batches answered ERR_SINK_UNAVAILABLE.', registers: [registry], collect() { this.reset(); this.inc(sink.stats.timedOut); } });
    new Gauge({ name: 'muxd_sink_up', help: 'Sink state: 1 while NATS JetStream acknowledges, 0 while it is down.', registers: [registry], collect() { this.set(sink.healthy ? 1 : 0); } });
    const publishSeconds = new Histogram({
      name: 'muxd_sink_publish_seconds',
      help: 'Time from publishing a batch to its PubAck.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
      registers: [registry],
    });
    sinkOnPublish = (durationMs) => publishSeconds.observe(durationMs / 1000);
    sink.on('publish', sinkOnPublish);
  }
  const sse = src.sseClients;
  if (sse) new Gauge({ name: 'muxd_sse_clients', help: 'Live journal viewers connected.', registers: [registry], collect() { this.set(sse()); } });
  const searches = src.searches;
  if (searches) new Gauge({ name: 'muxd_searches_active', help: 'Filtered journal searches and downloads running now.', registers: [registry], collect() { this.set(searches()); } });
  const http = src.http;
  if (http) {
    new Counter({
      name: 'muxd_http_requests_total',
      help: 'HTTP responses sent, by status.',
      labelNames: ['status'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [status, n] of http.byStatus) this.inc({ status: String(status) }, n);
      },
    });
    new Counter({
      name: 'muxd_http_requests_by_class_total',
      help: 'HTTP responses sent, by status class (2xx, 3xx, 4xx, 5xx).',
      labelNames: ['class'],
      registers: [registry],
      collect() {
        this.reset();
        const byClass = new Map<string, number>();
        for (const [status, n] of http.byStatus) byClass.set(`${Math.floor(status / 100)}xx`, (byClass.get(`${Math.floor(status / 100)}xx`) ?? 0) + n);
        for (const [cls, n] of byClass) this.inc({ class: cls }, n);
      },
    });
    new Counter({
      name: 'muxd_http_response_bytes_total',
      help: 'HTTP response body bytes sent, by status class.',
      labelNames: ['class'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [cls, n] of http.bytesByClass) this.inc({ class: cls }, n);
      },
    });
  }
  return {
    registry,
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
    close() {
      if (journal && journalOnSync) journal.removeListener('sync', journalOnSync);
      if (journal && journalOnRotated) journal.removeListener('rotated', journalOnRotated);
      if (sink && sinkOnPublish) sink.removeListener('publish', sinkOnPublish);
    },
  };
}
