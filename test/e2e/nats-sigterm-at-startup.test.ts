// SIGTERM while `collect` or `up` still waits for NATS at startup is a clean shutdown: exit 0 at once, never listening.
// Regression (issue 15 follow-up): `muxd up --sink nats://…` exited 1 with ERR_SINK_UNAVAILABLE there, while
// `muxd collect` exited 0.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { tempDir } from '../helpers/collect.js';
import { freePort } from '../helpers/nats.js';
import { sigtermWhileWaitingForNats } from '../helpers/sigterm-waiting.js';

for (const command of ['collect', 'up'] as const) {
  test(`SIGTERM while ${command} --sink still waits for NATS: it stops trying and exits 0 at once, never listening`, async () => {
    const t = await tempDir('muxd-nats-');
    after(() => t.cleanup());
    const port = await freePort();
    const args = [command, '--port', '0', '--no-stdin', '--journal', path.join(t.dir, 'j.jsonl'), '--sink', `nats://127.0.0.1:${port}`, '--sink-timeout', '60'];
    if (command === 'up') args.push('--collect-port', '0');
    const r = await sigtermWhileWaitingForNats(args, (kill) => after(kill));
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.tookMs < 10_000, `took ${r.tookMs} ms, not --sink-timeout`);
    assert.equal(r.stdout, '', 'never listened');
    assert.match(r.stderr, /SIGTERM: shutting down/);
    assert.doesNotMatch(r.stderr, /ERR_SINK_UNAVAILABLE/);
  });
}
