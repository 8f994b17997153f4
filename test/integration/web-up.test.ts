// `up` in-process with the real journal, collector and HTTP server: TCP → SSE within a second, resume, POST → journal, metrics.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lifecycle } from '../../src/lifecycle.js';
import type { UpApp } from '../../src/web/app.js';
import { readEvents } from '../helpers/web-fakes.js';
import { startUpInProcess } from '../helpers/up-inprocess.js';

/** Sends lines over TCP and resolves with the reply lines. */
async function sendTcp(port: number, lines: string[]): Promise<string[]> {
  const sock = net.connect(port, '127.0.0.1');
  await once(sock, 'connect');
  sock.end(lines.map((l) => `${l}\n`).join(''));
  let text = '';
  sock.setEncoding('utf8');
  for await (const chunk of sock) text += chunk as string;
  return text.trim().split('\n');
}

async function start(dir: string, root: string | null): Promise<{ app: UpApp; lifecycle: Lifecycle }> {
  return startUpInProcess(dir, root, { values: { 'max-message': '100', 'max-conns': '100' } });
}

describe('up (in process)', { timeout: 20000 }, () => {
  let dir: string;
  let root: string;
  let app: UpApp;
  let lifecycle: Lifecycle;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muxd-up-'));
    root = join(dir, 'site');
    await mkdir(join(root, '_muxd'), { recursive: true });
    await writeFile(join(root, 'index.html'), '<h1>site</h1>');
    await writeFile(join(root, '_muxd', 'health'), 'a file that must never shadow the endpoint');
    ({ app, lifecycle } = await start(dir, root));
  });
  after(async () => {
    await lifecycle.shutdown();
    await rm(dir, { recursive: true, force: true });
  });

  it('delivers a message sent over TCP on /_muxd/events within a second', async () => {
    const events = readEvents(`${app.httpUrl}/_muxd/events`, {}, (ev) => ev.length >= 1);
    while (app.hub.clientCount === 0) await new Promise((r) => setImmediate(r));
    const t0 = Date.now();
    const [reply] = await sendTcp(app.collectPort!, ['over tcp']);
    const got = await events;
    assert.ok(Date.now() - t0 < 1000, 'delivered within a second');
    assert.match(reply ?? '', /^ok \d+$/);
    assert.equal(got[0]?.id, reply?.slice(3));
    const rec = JSON.parse(got[0]?.data ?? '') as { msg: string; src: string };
    assert.equal(rec.msg, 'over tcp');
    assert.match(rec.src, /^tcp:127\.0\.0\.1:\d+$/);
  });

  it('resumes with Last-Event-ID without a gap', async () => {
    const replies = await sendTcp(app.collectPort!, Array.from({ length: 50 }, (_, i) => `burst ${i}`));
    const seqs = replies.map((r) => Number(r.slice(3)));
    const from = seqs[9] as number;
    const want = seqs.slice(10).map(String);
    const got = await readEvents(`${app.httpUrl}/_muxd/events`, { 'Last-Event-ID': String(from) }, (ev) => ev.length >= want.length);
    assert.deepEqual(got.map((e) => e.id), want);
  });

  it('journals a POST with an ok-equivalent seq; a long line gets the TCP error', async () => {
    const res = await fetch(`${app.httpUrl}/_muxd/messages`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'posted line' });
    assert.equal(res.status, 200);
    const { seq } = (await res.json()) as { seq: number };
    const journal = await readFile(join(dir, 'journal.jsonl'), 'utf8');
    const rec = journal.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { seq: number; msg: string; src: string }).find((r) => r.seq === seq);
    assert.equal(rec?.msg, 'posted line');
    assert.equal(rec?.src, 'http:127.0.0.1');
    const long = await fetch(`${app.httpUrl}/_muxd/messages`, { method: 'POST', body: 'x'.repeat(101) });
    assert.equal(long.status, 413);
    assert.equal(((await long.json()) as { error: { code: string } }).error.code, 'ERR_MESSAGE_TOO_LONG');
    const tcpLong = await sendTcp(app.collectPort!, ['y'.repeat(101)]);
    assert.match(tcpLong[0] ?? '', /^error ERR_MESSAGE_TOO_LONG /, 'the same code as over TCP');
  });

  it('moves the metrics counters', async () => {
    const scrape = async (): Promise<string> => (await fetch(`${app.httpUrl}/_muxd/metrics`)).text();
    const value = (text: string, name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    const before = await scrape();
    await sendTcp(app.collectPort!, ['m1', 'm2', 'm3']);
    const after = await scrape();
    assert.equal(value(after, 'muxd_messages_acked_total') - value(before, 'muxd_messages_acked_total'), 3);
    assert.equal(value(after, 'muxd_connections_total') - value(before, 'muxd_connections_total'), 1);
    assert.ok(value(after, 'muxd_journal_bytes_written_total') > value(before, 'muxd_journal_bytes_written_total'));
    assert.ok(value(after, 'muxd_journal_size_bytes') > 0);
    assert.ok(value(after, 'muxd_journal_fdatasync_seconds_count') > value(before, 'muxd_journal_fdatasync_seconds_count'));
    assert.match(after, /^muxd_messages_rejected_total\{code="ERR_MESSAGE_TOO_LONG"\} 2$/m, 'HTTP and TCP rejections both count');
    assert.match(after, /^muxd_http_requests_total\{status="200"\} \d+$/m);
    assert.match(after, /^muxd_nodejs_eventloop_lag_seconds /m);
  });

  it('keeps /_muxd/ reserved even when DIR has a _muxd folder, and serves DIR elsewhere', async () => {
    const health = await fetch(`${app.httpUrl}/_muxd/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, 'ok');
    const page = await fetch(`${app.httpUrl}/`);
    assert.equal(await page.text(), '<h1>site</h1>');
  });

  it('resumes across a restart from the journal files without a gap', async () => {
    const replies = await sendTcp(app.collectPort!, ['before restart 1', 'before restart 2']);
    const last = Number(replies[1]?.slice(3));
    await lifecycle.shutdown();
    ({ app, lifecycle } = await start(dir, root));
    const got = await readEvents(`${app.httpUrl}/_muxd/events?lastEventId=${last - 2}`, {}, (ev) => ev.length >= 2);
    assert.deepEqual(got.map((e) => Number(e.id)), [last - 1, last]);
    const page = (await (await fetch(`${app.httpUrl}/_muxd/journal?limit=1`)).json()) as { records: Array<{ seq: number; msg: string }> };
    assert.equal(page.records[0]?.msg, 'before restart 2');
  });
});
