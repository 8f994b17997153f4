// `muxd up --sink nats://… --no-collect` started before NATS (or before any collector made the stream) waits for
// --sink-timeout like the sink does, then serves the page. Regression: the pure viewer exited 1 at once with
// ERR_CONNECT_FAILED when NATS was not up yet, while `collect --sink` and `up --sink` waited and retried.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { cliPath } from '../helpers/collect.js';
import { freePort, startNats } from '../helpers/nats.js';
import { sigtermWhileWaitingForNats } from '../helpers/sigterm-waiting.js';

test('up --no-collect started before NATS: waits (saying why), then listens once NATS and the stream are there, and the page works', { timeout: 60_000 }, async () => {
  const port = await freePort();
  const child = spawn(process.execPath, [cliPath, 'up', '--port', '0', '--sink', `nats://127.0.0.1:${port}`, '--no-collect', '--sink-timeout', '60'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  after(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  const exited = once(child, 'exit');
  const waiters = new Set<() => void>();
  const onOutput = (): void => {
    for (const w of [...waiters]) w();
  };
  child.stdout.setEncoding('utf8').on('data', (d: string) => ((stdout += d), onOutput()));
  child.stderr.setEncoding('utf8').on('data', (d: string) => ((stderr += d), onOutput()));
  /** Resolves with the first match of `re` in stdout or stderr (so far or to come). */
  const says = (stream: 'stdout' | 'stderr', re: RegExp): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const m = re.exec(stream === 'stdout' ? stdout : stderr);
        if (m === null) return;
        waiters.delete(check);
        resolve(m);
      };
      waiters.add(check);
      void exited.then(([code]) => reject(new Error(`up exited with ${String(code)} before ${re}: ${stderr}`)));
      check();
    });
  const stderrSays = (re: RegExp): Promise<RegExpExecArray> => says('stderr', re);

  await stderrSays(/muxd nats: NATS JetStream not ready \(cannot reach NATS at 127\.0\.0\.1:\d+.*\); retrying for up to \d+s more \(--sink-timeout\)\n/);
  assert.equal(stdout, '', 'not listening while NATS is away');
  const nats = await startNats(port);
  after(() => nats.stop());
  // NATS is up but the stream is not: a collector creates it; the viewer waits for that too, and says so.
  await stderrSays(/NATS JetStream not ready \(stream not found\)/);
  const nc = await connect({ servers: nats.url });
  after(() => nc.close());
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: 'MUXD', subjects: ['muxd.>'] });

  const url = (await says('stdout', /^listening http (\S+)$/m))[1];
  const page = await fetch(`${url}/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<script type="module" src="\/_muxd\/app\.js\?v=/);
  const history = await fetch(`${url}/_muxd/journal?limit=10`);
  assert.equal(history.status, 200);
  assert.deepEqual((await history.json() as { records: unknown[] }).records, []);
  assert.equal((await fetch(`${url}/_muxd/health`)).status, 200);
  assert.match(stderr, /NATS JetStream answers after \d+ failed attempts?/);
  child.kill('SIGTERM');
  assert.equal((await exited)[0], 0, stderr);
});

test('SIGTERM while up --no-collect still waits for NATS: it stops trying and exits 0 at once, never listening', async () => {
  const port = await freePort();
  const r = await sigtermWhileWaitingForNats(['up', '--port', '0', '--sink', `nats://127.0.0.1:${port}`, '--no-collect', '--sink-timeout', '60'], (kill) => after(kill));
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.tookMs < 10_000, `took ${r.tookMs} ms, not --sink-timeout`);
  assert.equal(r.stdout, '', 'never listened');
  assert.match(r.stderr, /SIGTERM: shutting down/);
  assert.doesNotMatch(r.stderr, /ERR_SINK_UNAVAILABLE|ERR_CONNECT_FAILED/);
});
