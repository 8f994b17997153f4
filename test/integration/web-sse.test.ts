// The SSE hub over a real socket: delivery within a second, gap-free Last-Event-ID resume, coalescing, gap events, slow viewers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { readEvents, startWebStack } from '../helpers/web-fakes.js';
import type { WebStack } from '../helpers/web-fakes.js';
import { SseHub } from '../../src/http/core/sse.js';

describe('SSE hub', { timeout: 20000 }, () => {
  let web: WebStack;
  before(async () => {
    web = await startWebStack();
  });
  after(() => web.close());

  it('delivers a journaled record within a second, id = seq', async () => {
    const t0 = Date.now();
    const events = readEvents(`${web.url}/_muxd/events`, {}, (ev) => ev.length >= 1);
    // Wait until the hub has the viewer, then journal.
    while (web.hub.clientCount === 0) await new Promise((r) => setImmediate(r));
    const [rec] = await web.journal.append([{ src: 'tcp:127.0.0.1:1', msg: 'live one' }]);
    const got = await events;
    assert.ok(Date.now() - t0 < 1000);
    assert.equal(got[0]?.id, String(rec?.seq));
    assert.deepEqual(JSON.parse(got[0]?.data ?? ''), { seq: rec?.seq, ts: rec?.ts, src: 'tcp:127.0.0.1:1', msg: 'live one' });
  });

  it('resumes from Last-Event-ID (header or ?lastEventId=) without a gap', async () => {
    const recs = await web.journal.append(Array.from({ length: 20 }, (_, i) => ({ src: 'stdin', msg: `r${i}` })));
    const lastSeen = (recs[4]?.seq ?? 0) as number;
    const want = recs.slice(5).map((r) => String(r.seq));
    const viaHeader = await readEvents(`${web.url}/_muxd/events`, { 'Last-Event-ID': String(lastSeen) }, (ev) => ev.length >= want.length);
    assert.deepEqual(viaHeader.map((e) => e.id), want);
    const viaQuery = await readEvents(`${web.url}/_muxd/events?lastEventId=${lastSeen}`, {}, (ev) => ev.length >= want.length);
    assert.deepEqual(viaQuery.map((e) => e.id), want);
    // Resume while records keep arriving: the catch-up and the live stream meet without gap or duplicate.
    const more = web.journal.append(Array.from({ length: 30 }, (_, i) => ({ src: 'stdin', msg: `late${i}` })));
    const total = want.length + 30;
    const mixed = await readEvents(`${web.url}/_muxd/events`, { 'Last-Event-ID': String(lastSeen) }, (ev) => ev.length >= total);
    await more;
    const ids = mixed.map((e) => Number(e.id));
    assert.deepEqual(ids, Array.from({ length: total }, (_, i) => lastSeen + 1 + i));
  });

  it('sends partial and b64 records as such', async () => {
    const events = readEvents(`${web.url}/_muxd/events`, {}, (ev) => ev.length >= 2);
    while (web.hub.clientCount === 0) await new Promise((r) => setImmediate(r));
    await web.journal.append([
      { src: 'tcp:1', msg: Buffer.from([0xff, 0x00]) },
      { src: 'tcp:1', msg: 'cut', partial: true },
    ]);
    const got = (await events).map((e) => JSON.parse(e.data) as Record<string, unknown>);
    assert.equal(got[0]?.b64, Buffer.from([0xff, 0x00]).toString('base64'));
    assert.equal(got[1]?.partial, true);
  });
});

/** A response that records writes and never drains, like a viewer that stopped reading. */
function fakeResponse(): ServerResponse & { chunks: string[]; destroyed: boolean } {
  const res = new EventEmitter() as unknown as ServerResponse & { chunks: string[]; destroyed: boolean; writableLength: number };
  res.chunks = [];
  res.destroyed = false;
  (res as { writableLength: number }).writableLength = 0;
  Object.assign(res, {
    writeHead() {
      return res;
    },
    write(chunk: string | Buffer) {
      res.chunks.push(chunk.toString());
      (res as { writableLength: number }).writableLength += chunk.length;
      return false;
    },
    end() {},
    destroy() {
      res.destroyed = true;
    },
  });
  return res;
}

describe('SSE hub internals', { timeout: 20000 }, () => {
  const req = { httpVersionMajor: 1 } as never;
  it('coalesces one flush per window for every viewer, and turns an overflow into one gap event', async () => {
    const source = new EventEmitter();
    const hub = new SseHub({ source, flushIntervalMs: 1000, maxRecordsPerFlush: 10 });
    const viewers = [fakeResponse(), fakeResponse(), fakeResponse()];
    for (const v of viewers) hub.handle(req, v, undefined);
    const recs = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ seq: from + i, ts: 't', src: 's', msg: `m${from + i}` }));
    source.emit('durable', recs(1, 5));
    await new Promise((r) => setImmediate(r));
    source.emit('durable', recs(6, 15)); // within the window: waits for the next flush
    source.emit('durable', recs(21, 10));
    assert.equal(hub.stats.flushes, 1);
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal(hub.stats.flushes, 2, 'records within one window share one flush');
    for (const v of viewers) {
      assert.equal(v.chunks.length, 3, 'preamble + one write per flush');
      const second = v.chunks[2] as string;
      assert.match(second, /^id: 20\nevent: gap\ndata: \{"from":6,"to":20\}/);
      assert.equal((second.match(/^id: /gm) ?? []).length, 11, 'one gap + the 10 newest records');
    }
    await hub.closable.close?.();
  });

  it('drops a viewer whose buffer passes the cap instead of buffering without bound', async () => {
    const source = new EventEmitter();
    const hub = new SseHub({ source, flushIntervalMs: 0, maxBufferedBytes: 2000 });
    const slow = fakeResponse();
    hub.handle(req, slow, undefined);
    assert.equal(hub.clientCount, 1);
    for (let i = 1; i <= 10 && !slow.destroyed; i++) {
      source.emit('durable', [{ seq: i, ts: 't', src: 's', msg: 'x'.repeat(300) }]);
      await new Promise((r) => setTimeout(r, 2));
    }
    assert.equal(slow.destroyed, true);
    assert.equal(hub.clientCount, 0);
    assert.equal(hub.stats.dropped, 1);
    await hub.closable.close?.();
  });

  it('resumes from the ring and names what fell out of it as a gap', () => {
    const source = new EventEmitter();
    const hub = new SseHub({ source, startSeq: 100, ringRecords: 10 });
    hub.prefill(Array.from({ length: 20 }, (_, i) => ({ seq: 81 + i, ts: 't', src: 's', msg: 'm' })));
    const v = fakeResponse();
    hub.handle(req, v, 85);
    const text = v.chunks.join('');
    assert.match(text, /id: 90\nevent: gap\ndata: \{"from":86,"to":90\}/);
    assert.deepEqual([...text.matchAll(/^id: (\d+)\ndata:/gm)].map((m) => Number(m[1])), [91, 92, 93, 94, 95, 96, 97, 98, 99, 100]);
  });

  it('does not resend records a viewer already read from history before they were flushed', async () => {
    const source = new EventEmitter();
    const hub = new SseHub({ source, startSeq: 0, flushIntervalMs: 1000 });
    const rec = (seq: number) => ({ seq, ts: 't', src: 's', msg: `m${seq}` });
    source.emit('durable', [rec(1), rec(2)]);
    await new Promise((r) => setImmediate(r)); // first flush: 1, 2
    source.emit('durable', [rec(3), rec(4), rec(5)]); // durable, waiting for the next window
    const v = fakeResponse();
    hub.handle(req, v, 4); // the page already has 1..4 from /_muxd/journal
    await new Promise((r) => setTimeout(r, 1100));
    const ids = [...v.chunks.join('').matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    assert.deepEqual(ids, [5]);
    await hub.closable.close?.();
  });
});
