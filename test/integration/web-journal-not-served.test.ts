// Regression (issue 7, section 2): `muxd up . --journal ./data/journal.jsonl` served GET /data/journal.jsonl, the whole
// journal without any token, and its rotations and .torn file the same way. The static handler now refuses (404)
// every real path that belongs to the journal, whatever URL or symlink leads there, and listings leave them out.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startUpInProcess } from '../helpers/up-inprocess.js';
import type { UpInProcess } from '../helpers/up-inprocess.js';

describe('up never serves its journal as a file', { timeout: 30_000 }, () => {
  let dir: string;
  let up: UpInProcess;
  const logged: string[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muxd-journal-guard-'));
    const site = join(dir, 'site');
    const data = join(site, 'data');
    await mkdir(join(site, 'pub'), { recursive: true });
    await mkdir(data);
    const ts = new Date().toISOString();
    await writeFile(join(data, 'journal.jsonl.1'), `${JSON.stringify({ seq: 1, ts, src: 'tcp', msg: 'rotated secret' })}\n`);
    await writeFile(join(data, 'journal.jsonl'), `${JSON.stringify({ seq: 2, ts, src: 'tcp', msg: 'current secret' })}\n`);
    await writeFile(join(data, 'journal.jsonl.torn'), 'torn secret\n');
    await writeFile(join(data, 'journal.jsonl.idx'), 'index secret\n');
    await writeFile(join(data, 'notes.txt'), 'public notes\n');
    await symlink('../data/journal.jsonl', join(site, 'pub', 'j.txt'));
    await symlink('../data/journal.jsonl.1', join(site, 'pub', 'rotated.txt'));
    await symlink('data', join(site, 'mirror'));
    up = await startUpInProcess(dir, site, {
      journal: join(data, 'journal.jsonl'),
      values: { listing: true },
      log: (line) => logged.push(line),
    });
    // One message through the collector, so the current file is the live journal.
    const res = await fetch(`${up.app.httpUrl}/_muxd/messages`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'live secret\n' });
    assert.equal(res.status, 200);
  });
  after(async () => {
    await up.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('warns at startup that the journal lies inside DIR', () => {
    assert.ok(logged.some((l) => /warning: the journal .*journal\.jsonl lies inside the served folder/.test(l)), logged.join('\n'));
  });

  it('answers 404 for the journal, its rotation, .torn and index: plain, via symlinks, percent-encoded', async () => {
    const paths = [
      '/data/journal.jsonl',
      '/data/journal.jsonl.1',
      '/data/journal.jsonl.torn',
      '/data/journal.jsonl.idx',
      '/pub/j.txt',
      '/pub/rotated.txt',
      '/mirror/journal.jsonl',
      '/mirror/journal.jsonl.torn',
      '/data/journal%2Ejsonl',
      '/%64ata/journal.jsonl',
      '/data/./journal.jsonl',
      '//data//journal.jsonl.1',
    ];
    for (const p of paths) {
      for (let i = 0; i < 2; i++) {
        const res = await fetch(`${up.app.httpUrl}${p}`);
        const text = await res.text();
        assert.equal(res.status, 404, `${p} (#${i})`);
        assert.doesNotMatch(text, /secret/, p);
      }
      const head = await fetch(`${up.app.httpUrl}${p}`, { method: 'HEAD' });
      assert.equal(head.status, 404, `HEAD ${p}`);
    }
    const ok = await fetch(`${up.app.httpUrl}/data/notes.txt`);
    assert.equal(ok.status, 200, 'the rest of the folder is served');
    assert.equal(await ok.text(), 'public notes\n');
  });

  it('listings leave the journal files out, also behind a symlinked folder', async () => {
    for (const p of ['/data/', '/mirror/', '/pub/']) {
      const res = await fetch(`${up.app.httpUrl}${p}`, { headers: { Accept: 'application/json' } });
      assert.equal(res.status, 200, p);
      const names = ((await res.json()) as { entries: Array<{ name: string }> }).entries.map((e) => e.name);
      assert.equal(names.filter((n) => /journal|j\.txt|rotated/.test(n)).length, 0, `${p}: ${names.join(', ')}`);
      if (p !== '/pub/') assert.ok(names.includes('notes.txt'), `${p}: ${names.join(', ')}`);
    }
    const html = await (await fetch(`${up.app.httpUrl}/data/`)).text();
    assert.doesNotMatch(html, /journal/);
  });
});
