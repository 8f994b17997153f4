// Issue 17, item 4: `muxd tail` and `/_muxd/journal` run one query implementation; the same queries through both, on the same journals (plain, rotated with gzip, b64 and partial records), give the same records.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from '../helpers/collect.js';
import { FIXTURE_T0, searchAll, writeJournalSet } from '../helpers/search.js';
import { cliPath, spawnUp } from '../helpers/up-process.js';

const run = promisify(execFile);
const iso = (seq: number): string => new Date(FIXTURE_T0 + seq * 100).toISOString();

/** Queries as flag/parameter pairs; ISO times only, so both sides read the same instant. */
const QUERIES: Array<Record<string, string>> = [
  {},
  { grep: 'refused' },
  { grep: '"refused"' },
  { grep: '/peer \\d+5$/' },
  { grep: '/REFUSED/i', src: 'tcp' },
  { grep: '\ufffd' },
  { src: 'udp:10.0.0.2:514' },
  { src: 'http' },
  { since: iso(1200), until: iso(2500) },
  { until: iso(300) },
  { severity: 'warning' },
  { severity: '3', app: 'sshd' },
  { app: 'cron', grep: 'ordinary' },
  { grep: 'nothing matches this' },
];

async function viaTail(file: string, q: Record<string, string>): Promise<unknown[]> {
  const flags = Object.entries(q).flatMap(([k, v]) => [`--${k}`, v]);
  const { stdout } = await run(process.execPath, [cliPath, 'tail', '-n', 'all', '--json', ...flags, file], { maxBuffer: 64 << 20, env: { ...process.env, NO_COLOR: '1' } });
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as unknown);
}

for (const layout of ['plain', 'rotated'] as const) {
  test(`tail and /_muxd/journal agree record by record (${layout} journal with b64 and partial records)`, async () => {
    const t = await tempDir('muxd-agree-');
    after(() => t.cleanup());
    const file = path.join(t.dir, 'journal.jsonl');
    await writeJournalSet(file, layout === 'plain' ? [[3000, '']] : [[900, 'gz'], [1700, ''], [2300, 'gz'], [3000, '']]);
    const up = await spawnUp(['--port', '0', '--collect-port', '0', '--no-stdin', '--log', 'off', '--journal', file, '--keep', '100']);
    after(() => up.stop());
    for (const q of QUERIES) {
      const tail = await viaTail(file, q);
      const web = (await searchAll(up.httpUrl, { ...q, limit: '97' })).records;
      assert.deepEqual(web, tail, `${layout} ${JSON.stringify(q)}`);
      const asc = (await searchAll(up.httpUrl, { ...q, limit: '97' }, { order: 'asc' })).records;
      assert.deepEqual(asc, tail, `${layout} oldest first ${JSON.stringify(q)}`);
    }
    // The fixture has what the comparison is about.
    const all = await viaTail(file, {});
    assert.equal(all.length, 3000);
    assert.ok(all.some((r) => (r as { b64?: string }).b64 !== undefined) && all.some((r) => (r as { partial?: boolean }).partial === true));
  });
}
