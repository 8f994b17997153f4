// `muxd tail --severity LEVEL --app NAME` through the built CLI on a journal written by `collect --syslog`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { cliPath, exchange, spawnCollect, tempDir } from '../helpers/collect.js';

const run = promisify(execFile);

test('muxd tail --severity warning --app: syslog records of that level and worse, from that app', async (t) => {
  const tmp = await tempDir();
  t.after(() => tmp.cleanup());
  const file = path.join(tmp.dir, 'j.jsonl');
  const muxd = await spawnCollect(['--no-stdin', '--syslog', '--journal', file]);
  t.after(() => muxd.stop());
  const frame = (m: string) => `${Buffer.byteLength(m)} ${m}`;
  const msgs = [
    '<12>1 - h web - - - warn from web', // user.warning
    '<11>1 - h web - - - err from web', // user.err
    '<14>1 - h web - - - info from web', // user.info
    '<10>1 - h db - - - crit from db', // user.crit
    'not syslog at all',
  ];
  const r = await exchange(muxd.port, msgs.slice(0, 4).map(frame).join(''), { halfClose: true });
  assert.equal(r.replies.length, 0, 'octet-counted: no replies, the server closes once they are journaled (issue 14)');
  const r2 = await exchange(muxd.port, `${msgs[4]}\n`, { halfClose: true });
  assert.deepEqual(r2.replies, ['ok 5']);
  const env = { ...process.env, NO_COLOR: '1' };
  const sev = await run(process.execPath, [cliPath, 'tail', '-n', 'all', '--severity', 'warning', file], { env });
  assert.deepEqual(
    sev.stdout.trimEnd().split('\n').map((l) => l.split('  ').slice(3).join('  ')),
    ['warning web: warn from web', 'err web: err from web', 'crit db: crit from db'],
  );
  const app = await run(process.execPath, [cliPath, 'tail', '-n', '1', '--severity', 'err', '--app', 'web', '--json', file], { env });
  assert.deepEqual(JSON.parse(app.stdout), { ...JSON.parse(app.stdout), msg: 'err from web', syslog: { facility: 'user', severity: 'err', host: 'h', app: 'web' } });
  await assert.rejects(run(process.execPath, [cliPath, 'tail', '--severity', 'loud', file], { env }), (err: { code: number }) => err.code === 2);
});
