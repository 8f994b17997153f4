// muxd tail's syslog filters and formatting: --severity (that level and worse, aliases, codes), --app, records without syslog.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRecord, hasRecordFilters, matchRecord, parseSeverity } from '../../src/client/tail-filter.js';
import type { JournalRecord } from '../../src/journal/record.js';

const rec = (severity: string | null, app?: string): JournalRecord => ({
  seq: 1,
  ts: '2026-11-30T00:00:00.000Z',
  src: 'tcp:127.0.0.1:1',
  msg: 'disk full',
  ...(severity === null ? {} : { syslog: { facility: 'user', severity: severity as 'info', ...(app === undefined ? {} : { app }) } }),
});

test('parseSeverity: names, aliases, codes; anything else is an option error', () => {
  assert.equal(parseSeverity('warning'), 4);
  assert.equal(parseSeverity('warn'), 4);
  assert.equal(parseSeverity('Error'), 3);
  assert.equal(parseSeverity('0'), 0);
  assert.throws(() => parseSeverity('loud'), { code: 'ERR_INVALID_OPTION' });
  assert.throws(() => parseSeverity('8'), { code: 'ERR_INVALID_OPTION' });
});

test('matchRecord --severity: that severity and more severe; records without syslog never pass', () => {
  const f = { severity: parseSeverity('warning') };
  assert.deepEqual(
    ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'].map((s) => matchRecord(rec(s), f)),
    [true, true, true, true, true, false, false, false],
  );
  assert.equal(matchRecord(rec(null), f), false);
  assert.equal(hasRecordFilters(f), true);
});

test('matchRecord --app: exact app name, combined with --severity', () => {
  assert.equal(matchRecord(rec('info', 'sshd'), { app: 'sshd' }), true);
  assert.equal(matchRecord(rec('info', 'sshd2'), { app: 'sshd' }), false);
  assert.equal(matchRecord(rec('info'), { app: 'sshd' }), false);
  assert.equal(matchRecord(rec(null), { app: 'sshd' }), false);
  assert.equal(matchRecord(rec('info', 'sshd'), { app: 'sshd', severity: 3 }), false);
  assert.equal(matchRecord(rec('err', 'sshd'), { app: 'sshd', severity: 3 }), true);
});

test('formatRecord shows severity and app[procid] before a syslog message, escaped', () => {
  const r = rec('warning', 'app\x1b');
  r.syslog!.procid = '42';
  assert.equal(formatRecord(r), '2026-11-30T00:00:00.000Z  #1  tcp:127.0.0.1:1  warning app\\x1b[42]: disk full');
  assert.equal(formatRecord(rec('err')), '2026-11-30T00:00:00.000Z  #1  tcp:127.0.0.1:1  err disk full');
});
