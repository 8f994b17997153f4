// Regression (issue 7 §5): a 1 MiB POST /_muxd/messages body of "a\n" queued 524,288 messages at once. Now a body
// with more than --max-body-messages messages is answered 413 ERR_PAYLOAD_TOO_LARGE before any is queued.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectConfigFrom, DEFAULT_COLLECTOR_OPTIONS } from '../../src/collector/options.js';
import { resolveServeOptions } from '../../src/http/features/options.js';
import { Lifecycle } from '../../src/lifecycle.js';
import { startUp } from '../../src/web/app.js';
import type { UpApp } from '../../src/web/app.js';

async function start(dir: string, extra: Record<string, string>): Promise<{ app: UpApp; lifecycle: Lifecycle }> {
  const values = { port: '0', log: 'off', journal: join(dir, 'journal.jsonl'), 'no-stdin': true, ...extra };
  const { serverOptions } = await resolveServeOptions(
    { ...values, host: '127.0.0.1', cache: '0', dotfiles: 'deny', 'max-conns': '100', 'max-ranges': '16', 'max-header-size': '16384', 'headers-timeout': '20000', 'request-timeout': '30000', 'keep-alive-timeout': '5000' },
    '.',
  );
  const lifecycle = new Lifecycle({ drainTimeoutMs: 2000 });
  const app = await startUp({ staticOptions: null, serverOptions, collect: collectConfigFrom(values), lifecycle, log: null });
  await app.indexed;
  return { app, lifecycle };
}

const post = (app: UpApp, body: string, type = 'text/plain'): Promise<Response> =>
  fetch(`${app.httpUrl}/_muxd/messages`, { method: 'POST', headers: { 'Content-Type': type }, body });

describe('POST /_muxd/messages message cap', { timeout: 30_000 }, () => {
  let dir: string;
  const running: Lifecycle[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muxd-ingest-caps-'));
  });
  after(async () => {
    for (const l of running) await l.shutdown();
    await rm(dir, { recursive: true, force: true });
  });

  it('a 1 MiB body of "a\\n" (524,288 messages) gets 413 ERR_PAYLOAD_TOO_LARGE and queues nothing', async () => {
    const { app, lifecycle } = await start(join(dir, 'default'), {});
    running.push(lifecycle);
    const res = await post(app, 'a\n'.repeat(512 * 1024));
    assert.equal(res.status, 413);
    const body = (await res.json()) as { error: { code: string } | string; message?: string };
    assert.match(JSON.stringify(body), /ERR_PAYLOAD_TOO_LARGE/);
    assert.match(JSON.stringify(body), new RegExp(`more than ${DEFAULT_COLLECTOR_OPTIONS.maxBodyMessages} messages`));
    const stats = app.collector.stats;
    assert.equal(stats.received, 0);
    assert.equal(stats.peakQueuedMessages, 0);
    const ok = await post(app, 'a\n'.repeat(DEFAULT_COLLECTOR_OPTIONS.maxBodyMessages));
    assert.equal(ok.status, 200, 'exactly the cap is accepted');
    const { seqs } = (await ok.json()) as { seqs: number[] };
    assert.equal(seqs.length, DEFAULT_COLLECTOR_OPTIONS.maxBodyMessages);
  });

  it('--max-body-messages sets the cap, for text and JSON bodies alike', async () => {
    const { app, lifecycle } = await start(join(dir, 'three'), { 'max-body-messages': '3' });
    running.push(lifecycle);
    assert.equal((await post(app, 'a\nb\nc\n')).status, 200);
    assert.equal((await post(app, 'a\nb\nc\nd')).status, 413);
    assert.equal((await post(app, JSON.stringify({ messages: ['a', 'b', 'c', 'd'] }), 'application/json')).status, 413);
    assert.equal((await post(app, JSON.stringify(['a', 'b', 'c']), 'application/json')).status, 200);
    assert.equal(app.collector.stats.received, 6);
  });
});
