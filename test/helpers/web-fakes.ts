// Test doubles for the web layer: a journal that writes real JSON lines and emits 'durable'/'sync', and a submitter over it.
import { EventEmitter } from 'node:events';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createAccessPolicy } from '../../src/web/security.js';
import { loadAssets } from '../../src/web/assets.js';
import { JournalHistory } from '../../src/web/history.js';
import { createIngestHandler } from '../../src/web/ingest.js';
import type { SubmitResult } from '../../src/web/ingest.js';
import { HttpStatusCounter, createMetrics } from '../../src/web/metrics.js';
import { createWebRouter } from '../../src/web/router.js';
import { composeLayers } from '../../src/http/core/layers.js';
import { countLayer } from '../../src/http/features/build.js';
import type { Handler } from '../../src/web/router.js';
import { SseHub } from '../../src/http/core/sse.js';
import type { LiveRecord } from '../../src/http/core/sse.js';
import { searchJournal } from '../../src/journal/search.js';
import { RateRing } from '../../src/web/rate.js';
import { DEFAULT_MAX_SEARCHES, SearchGate } from '../../src/web/search.js';

/** A stand-in for the journal: appends JSON lines to a real file, then announces them like the real one. */
export class FakeJournal extends EventEmitter {
  readonly stats = { bytesWritten: 0, size: 0, lastSeq: 0, syncs: 0, ioErrors: 0 };
  private queue: Promise<unknown> = Promise.resolve();
  constructor(readonly path: string) {
    super();
  }

  /** Appends records and resolves with them once "durable". */
  append(items: Array<{ src: string; msg: string | Buffer; partial?: boolean }>): Promise<LiveRecord[]> {
    const run = this.queue.then(async () => {
      const ts = new Date().toISOString();
      const records: LiveRecord[] = items.map((it) => {
        const seq = ++this.stats.lastSeq;
        const bytes = Buffer.isBuffer(it.msg) ? it.msg : Buffer.from(it.msg);
        const valid = Buffer.from(bytes.toString('utf8')).equals(bytes);
        const rec: LiveRecord = { seq, ts, src: it.src };
        if (valid) rec.msg = bytes.toString('utf8');
        else rec.b64 = bytes.toString('base64');
        if (it.partial) rec.partial = true;
        return rec;
      });
      const text = records.map((r) => `${JSON.stringify(r)}\n`).join('');
      await appendFile(this.path, text);
      this.stats.bytesWritten += Buffer.byteLength(text);
      this.stats.size += Buffer.byteLength(text);
      this.stats.syncs++;
      this.emit('sync', 0.5, records.length, Buffer.byteLength(text));
      this.emit('durable', records);
      return records;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** A collector-like submitter: same max-message rule as TCP, journals through the fake journal. */
export function fakeSubmitter(journal: FakeJournal, maxMessage: number) {
  const stats = { connectionsCurrent: 0, connectionsTotal: 0, received: 0, acked: 0, rejected: {} as Record<string, number> };
  return {
    stats,
    async submit(src: string, messages: Buffer[]): Promise<SubmitResult[]> {
      stats.received += messages.length;
      const ok = messages.filter((m) => m.length <= maxMessage);
      const recs = await journal.append(ok.map((msg) => ({ src, msg })));
      let i = 0;
      return messages.map((m) => {
        if (m.length > maxMessage) {
          stats.rejected.ERR_MESSAGE_TOO_LONG = (stats.rejected.ERR_MESSAGE_TOO_LONG ?? 0) + 1;
          return { code: 'ERR_MESSAGE_TOO_LONG', message: `message longer than ${maxMessage} bytes` };
        }
        stats.acked++;
        return { seq: (recs[i++] as LiveRecord).seq };
      });
    },
  };
}

/** A running web stack over the fakes, on 127.0.0.1:0. */
export interface WebStack {
  url: string;
  server: Server;
  journal: FakeJournal;
  hub: SseHub;
  dir: string;
  staticCalls: string[];
  close(): Promise<void>;
}

/** Starts the router with fake journal and collector; `static` answers "static:<url>" so tests can see what reached it. */
export async function startWebStack(opts: { token?: string; withStatic?: boolean; staticHandler?: Handler; maxMessage?: number; maxBodyBytes?: number; hub?: Partial<ConstructorParameters<typeof SseHub>[0]> } = {}): Promise<WebStack> {
  const dir = await mkdtemp(join(tmpdir(), 'muxd-web-'));
  const journal = new FakeJournal(join(dir, 'journal.jsonl'));
  const submitter = fakeSubmitter(journal, opts.maxMessage ?? 64);
  const hub = new SseHub({ source: journal, flushIntervalMs: 5, maxRecordsPerSecond: 0, ...opts.hub });
  const history = new JournalHistory({ listFiles: async () => [journal.path], maxSeq: () => hub.lastSeq });
  const httpCounter = new HttpStatusCounter();
  const ingest = createIngestHandler({ submitter, maxMessageBytes: opts.maxMessage ?? 64, ...(opts.maxBodyBytes ? { maxBodyBytes: opts.maxBodyBytes } : {}) });
  const metrics = createMetrics({ collector: () => submitter.stats, rejectedElsewhere: () => ingest.stats.rejected, journal, sseClients: () => hub.clientCount, http: httpCounter, defaultMetrics: false });
  const staticCalls: string[] = [];
  const staticHandler: Handler = (req, res) => {
    staticCalls.push(req.url ?? '');
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`static:${req.url}`);
  };
  const router = createWebRouter({
    staticHandler: opts.withStatic === false ? null : (opts.staticHandler ?? staticHandler),
    assets: await loadAssets(),
    hub,
    history,
    search: {
      searcher: { slices: (query, order, after, before, signal) => searchJournal({ file: journal.path, order, query, ...(after === undefined ? {} : { after }), before: Math.min(before ?? Number.MAX_SAFE_INTEGER, hub.lastSeq + 1), signal }) },
      gate: new SearchGate(DEFAULT_MAX_SEARCHES),
    },
    rate: new RateRing(),
    ingest,
    metrics,
    health: () => ({ status: 'ok', lastSeq: hub.lastSeq }),
    access: createAccessPolicy({ host: '127.0.0.1', token: opts.token }),
  });
  // As in up: the builder's count layer in front of everything.
  const server = createServer(composeLayers([countLayer(httpCounter)], router));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const addr = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${addr.port}`,
    server,
    journal,
    hub,
    dir,
    staticCalls,
    async close() {
      hub.closable.stopAccepting?.();
      await hub.closable.close?.();
      metrics.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Reads an SSE stream and collects events until `until` says stop. */
export async function readEvents(url: string, headers: Record<string, string>, until: (events: SseEvent[]) => boolean, onOpen?: () => void): Promise<SseEvent[]> {
  const ac = new AbortController();
  const res = await fetch(url, { headers, signal: ac.signal });
  if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
  // The hub registers a viewer before it sends the headers: from here on, nothing new is missed.
  onOpen?.();
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buf = '';
  try {
    for await (const chunk of res.body) {
      buf += decoder.decode(chunk as Uint8Array, { stream: true });
      let i;
      while ((i = buf.indexOf('\n\n')) !== -1) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const ev: SseEvent = { event: 'message', id: null, data: '' };
        let hasData = false;
        for (const line of block.split('\n')) {
          if (line.startsWith('id: ')) ev.id = line.slice(4);
          else if (line.startsWith('event: ')) ev.event = line.slice(7);
          else if (line.startsWith('data: ')) {
            ev.data += line.slice(6);
            hasData = true;
          }
        }
        if (hasData) events.push(ev);
      }
      if (until(events)) break;
    }
  } finally {
    ac.abort();
  }
  return events;
}

/** One parsed server-sent event. */
export interface SseEvent {
  event: string;
  id: string | null;
  data: string;
}
