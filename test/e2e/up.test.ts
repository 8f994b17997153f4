// End-to-end `muxd up`: the npm start command with both listening lines, the page, TCP and terminal sources, shutdown.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEvents } from '../helpers/web-fakes.js';
import { cliPath, repoRoot, spawnUp } from '../helpers/up-process.js';
import type { UpProcess } from '../helpers/up-process.js';
import { waitStderrLine } from '../helpers/stderr-wait.js';

describe('muxd up (npm start command)', { timeout: 20000 }, () => {
  let dir: string;
  let up: UpProcess;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muxd-up-e2e-'));
    // package.json "start": node dist/cli/main.js up public --journal ./data/journal.jsonl (ports 0 for the test).
    up = await spawnUp(['public', '--journal', join(dir, 'journal.jsonl'), '--port', '0', '--collect-port', '0']);
  });
  after(async () => {
    await up.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints both listening lines and serves the demo folder and the page', async () => {
    assert.match(up.httpUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(up.collectPort > 0);
    const home = await fetch(`${up.httpUrl}/`);
    assert.equal(home.status, 200);
    assert.match(await home.text(), /muxd is serving this folder/);
    const page = await fetch(`${up.httpUrl}/_muxd/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>muxd · live journal<\/title>/);
  });

  it('shows a TCP message and a line typed at its terminal on the live stream', async () => {
    let attached!: () => void;
    const open = new Promise<void>((resolve) => (attached = resolve));
    const events = readEvents(`${up.httpUrl}/_muxd/events`, {}, (ev) => ev.length >= 2, attached);
    await open;
    const sock = net.connect(up.collectPort, '127.0.0.1');
    await once(sock, 'connect');
    sock.write('hello from tcp\n');
    const [reply] = (await once(sock, 'data')) as [Buffer];
    assert.match(reply.toString(), /^ok \d+\n$/);
    sock.end();
    up.child.stdin.write('typed at the terminal\n');
    const okLine = await waitStderrLine(up.child, up.stderr, /^ok \d+$/);
    const got = (await events).map((e) => JSON.parse(e.data) as { src: string; msg: string; seq: number });
    assert.deepEqual(got.map((r) => r.msg), ['hello from tcp', 'typed at the terminal']);
    assert.equal(got[1]?.src, 'stdin');
    assert.equal(String(got[1]?.seq), okLine.slice(3));
  });

  it('stops on SIGTERM with exit code 0, every record in the journal', async () => {
    const code = await up.stop();
    assert.equal(code, 0);
    const journal = await readFile(join(dir, 'journal.jsonl'), 'utf8');
    assert.match(journal, /"msg":"hello from tcp"/);
    assert.match(journal, /"src":"stdin","msg":"typed at the terminal"/);
  });
});

describe('muxd up without DIR, and its usage errors', { timeout: 20000 }, () => {
  it('answers the page at /', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'muxd-up-nodir-'));
    const up = await spawnUp(['--journal', join(dir, 'j.jsonl'), '--port', '0', '--collect-port', '0', '--no-stdin', '--log', 'off']);
    try {
      const res = await fetch(`${up.httpUrl}/`);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /live journal/);
      assert.equal((await fetch(`${up.httpUrl}/notes.txt`)).status, 404);
    } finally {
      assert.equal(await up.stop(), 0);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a non-loopback --host without --token (exit 2)', () => {
    const r = spawnSync(process.execPath, [cliPath, 'up', '--host', '0.0.0.0', '--port', '0', '--collect-port', '0', '--no-stdin'], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--token/);
  });

  it('documents every flag of serve and collect in --help', () => {
    const r = spawnSync(process.execPath, [cliPath, 'up', '--help'], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(r.status, 0);
    for (const flag of ['--collect-port', '--token', '--journal', '--sync', '--max-message', '--listing', '--spa', '--tls-cert', '--cors', '--no-stdin']) assert.ok(r.stdout.includes(flag), flag);
  });
});
