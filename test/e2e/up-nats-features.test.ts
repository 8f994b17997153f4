// Regression (issue 15): `up --sink nats://… --auth ann:pw` served every route without a password and ignored --header, because app-stream.ts never read the features.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tempDir } from '../helpers/collect.js';
import { startNats } from '../helpers/nats.js';
import { spawnUp } from '../helpers/up-process.js';

const ANN = `Basic ${Buffer.from('ann:pw').toString('base64')}`;

let nats: Awaited<ReturnType<typeof startNats>>;
before(async () => {
  nats = await startNats();
});
after(() => nats.stop());

// In order: the collecting up creates the stream the pure viewer then reads.
for (const noCollect of [false, true]) {
  test(`up --sink nats://…${noCollect ? ' --no-collect' : ''} --auth --header: every route asks for the password, files get the header`, async () => {
    const t = await tempDir('muxd-nats-features-');
    after(() => t.cleanup());
    const site = path.join(t.dir, 'site');
    await mkdir(site);
    await writeFile(path.join(site, 'index.html'), '<p>hi</p>');
    const up = await spawnUp(
      [
        site,
        ...['--port', '0', '--collect-port', '0', '--no-stdin', '--log', 'off', '--journal', path.join(t.dir, 'j.jsonl')],
        ...['--sink', nats.url, '--collector-id', 'u1', '--auth', 'ann:pw', '--header', 'X-Probe: yes'],
        ...(noCollect ? ['--no-collect'] : []),
      ],
      15_000,
      { noCollect },
    );
    after(() => up.stop());
    for (const route of ['/', '/index.html', '/_muxd/', '/_muxd/app.js', '/_muxd/journal', '/_muxd/events', '/_muxd/health', '/_muxd/metrics']) {
      const res = await fetch(`${up.httpUrl}${route}`);
      await res.body?.cancel();
      assert.equal(res.status, 401, `${route} without credentials`);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Basic /, route);
    }
    const ok = await fetch(`${up.httpUrl}/index.html`, { headers: { Authorization: ANN } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('x-probe'), 'yes');
    assert.equal(await ok.text(), '<p>hi</p>');
    const page = await fetch(`${up.httpUrl}/_muxd/health`, { headers: { Authorization: ANN } });
    assert.equal(page.status, 200);
    await page.body?.cancel();
  });
}
