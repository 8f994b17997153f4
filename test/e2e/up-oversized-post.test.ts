// Regression: of 20 `fetch` POSTs of 5 MiB to /_muxd/messages only a few saw the 413; the rest got ECONNRESET or EPIPE
// (4 of 20 on the code before the fix). The server closed while the client was still sending, so the kernel reset the
// connection and the answer was lost. With the lingering close every one of them reads 413 ERR_PAYLOAD_TOO_LARGE.
// Against the spawned CLI: in-process, client and server share one event loop and the race does not show.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnUp } from '../helpers/up-process.js';

test('20 fetch POSTs of 5 MiB to /_muxd/messages all see 413 ERR_PAYLOAD_TOO_LARGE', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'muxd-oversized-'));
  after(() => rm(dir, { recursive: true, force: true }));
  const up = await spawnUp(['--port', '0', '--collect-port', '0', '--no-stdin', '--log', 'off', '--journal', path.join(dir, 'journal.jsonl')]);
  try {
    const body = Buffer.alloc(5 * 1024 * 1024, 'a\n');
    const outcomes: string[] = [];
    for (let i = 0; i < 20; i++) {
      try {
        const res = await fetch(`${up.httpUrl}/_muxd/messages`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body });
        const json = (await res.json()) as { error: { code: string } };
        outcomes.push(`${res.status} ${json.error.code}`);
      } catch (err) {
        outcomes.push(`failed: ${String((err as { cause?: { code?: string } }).cause?.code ?? err)}`);
      }
    }
    assert.deepEqual(outcomes, Array(20).fill('413 ERR_PAYLOAD_TOO_LARGE'));
    const ok = await fetch(`${up.httpUrl}/_muxd/messages`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'still fine\n' });
    assert.equal(ok.status, 200);
  } finally {
    assert.equal(await up.stop(), 0);
  }
});
