// Pure parts of muxd tail: record parsing, --src/--since/--grep, readable formatting and control-character escaping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeControl, formatRecord, matchRaw, matchRecord, parseGrep, parseRecord, parseSince } from '../../src/client/tail-filter.js';
import type { JournalRecord } from '../../src/client/tail-filter.js';
import { InvalidOptionError } from '../../src/errors.js';

const rec = (o: Partial<JournalRecord> = {}): JournalRecord => ({ seq: 42, ts: '2026-11-26T18:00:00.123Z', src: 'tcp:127.0.0.1:5555', msg: 'hello', ...o });

test('parseRecord: json records, with msg, b64 and partial', () => {
  assert.deepEqual(parseRecord('{"seq":1,"ts":"2026-11-26T18:00:00.000Z","src":"stdin","msg":"hi"}'), {
    seq: 1,
    ts: '2026-11-26T18:00:00.000Z',
    src: 'stdin',
    msg: 'hi',
  });
  assert.deepEqual(parseRecord('{"seq":2,"ts":"t","src":"tcp:1.2.3.4:5","b64":"/w==","partial":true}'), {
    seq: 2,
    ts: 't',
    src: 'tcp:1.2.3.4:5',
    b64: '/w==',
    partial: true,
  });
});

test('parseRecord: anything else is not a record (raw lines, torn records, wrong shapes)', () => {
  for (const line of [
    'hello world',
    '{"seq":1,"ts":"t","src":"stdin","msg":"torn',
    '[1,2]',
    '{"seq":"1","ts":"t","src":"s","msg":"m"}',
    '{"seq":1.5,"ts":"t","src":"s","msg":"m"}',
    '{"seq":1,"src":"s","msg":"m"}',
    '{"seq":1,"ts":"t","src":"s"}',
    '{"seq":1,"ts":"t","src":"s","msg":"m","b64":"AA=="}',
    'null',
    '{}',
  ]) {
    assert.equal(parseRecord(line), null, line);
  }
});

test('parseSince: relative ages and ISO times', () => {
  const now = Date.parse('2026-11-26T18:00:00.000Z');
  assert.equal(parseSince('10m', now), now - 600_000);
  assert.equal(parseSince('90s', now), now - 90_000);
  assert.equal(parseSince('2h', now), now - 7_200_000);
  assert.equal(parseSince('1d', now), now - 86_400_000);
  assert.equal(parseSince('250ms', now), now - 250);
  assert.equal(parseSince('2026-11-26T17:00:00.000Z', now), Date.parse('2026-11-26T17:00:00.000Z'));
  assert.equal(parseSince('2026-11-26T19:00:00+01:00', now), Date.parse('2026-11-26T18:00:00Z'));
  assert.equal(parseSince('2026-11-26', now), Date.parse('2026-11-26'));
  for (const bad of ['', '10', 'm', '10 minutes', '-5m', 'yesterday', 'May 5', '2026-13-45T99:99:99Z']) {
    assert.throws(() => parseSince(bad, now), InvalidOptionError, bad);
  }
});

test('parseGrep: substring by default, /regex/flags when slashed, bad regex is an option error', () => {
  const sub = parseGrep('a.b');
  assert.equal(sub('xa.by'), true);
  assert.equal(sub('axb'), false);
  const re = parseGrep('/^err(or)?\\b/i');
  assert.equal(re('ERROR: disk'), true);
  assert.equal(re('no error'), false);
  const g = parseGrep('/x/g');
  assert.equal(g('x'), true);
  assert.equal(g('x'), true, 'the g flag must not make matching stateful');
  assert.throws(() => parseGrep('/(/'), InvalidOptionError);
});

test('matchRecord: --src exact or prefix at a colon, --since by ts, --grep on text and on binary bytes', () => {
  const r = rec();
  assert.ok(matchRecord(r, {}));
  assert.ok(matchRecord(r, { src: 'tcp:127.0.0.1:5555' }));
  assert.ok(matchRecord(r, { src: 'tcp' }));
  assert.ok(matchRecord(r, { src: 'tcp:127.0.0.1' }));
  assert.ok(matchRecord(r, { src: 'tcp:' }));
  assert.ok(!matchRecord(r, { src: 'tcp:127.0.0.11' }));
  assert.ok(!matchRecord(r, { src: 'tc' }));
  assert.ok(!matchRecord(r, { src: 'stdin' }));
  assert.ok(matchRecord(rec({ src: 'stdin' }), { src: 'stdin' }));
  assert.ok(matchRecord(r, { since: Date.parse('2026-11-26T18:00:00.123Z') }));
  assert.ok(!matchRecord(r, { since: Date.parse('2026-11-26T18:00:00.124Z') }));
  assert.ok(!matchRecord(rec({ ts: 'garbage' }), { since: 0 }));
  assert.ok(matchRecord(r, { grep: parseGrep('ell') }));
  assert.ok(!matchRecord(r, { grep: parseGrep('bye') }));
  const bin: JournalRecord = { seq: 1, ts: r.ts, src: 'stdin', b64: Buffer.from([0xff, 0x68, 0x69]).toString('base64') };
  assert.ok(matchRecord(bin, { grep: parseGrep('hi') }));
  assert.ok(matchRecord(r, { src: 'tcp', since: 0, grep: parseGrep('hello') }));
  assert.ok(!matchRecord(r, { src: 'tcp', since: 0, grep: parseGrep('nope') }));
});

test('matchRaw: only --grep applies to raw lines', () => {
  assert.ok(matchRaw('plain line', { src: 'stdin', since: Date.now() }));
  assert.ok(matchRaw('plain line', { grep: parseGrep('plain') }));
  assert.ok(!matchRaw('plain line', { grep: parseGrep('other') }));
});

test('formatRecord: the readable layout, binary and partial markers', () => {
  assert.equal(formatRecord(rec()), '2026-11-26T18:00:00.123Z  #42  tcp:127.0.0.1:5555  hello');
  assert.equal(
    formatRecord({ seq: 7, ts: 't', src: 'stdin', b64: Buffer.from([0xff, 0xfe, 0x00]).toString('base64') }),
    't  #7  stdin  [binary 3 bytes] //4A',
  );
  assert.equal(formatRecord(rec({ partial: true, msg: 'cut' })), '2026-11-26T18:00:00.123Z  #42  tcp:127.0.0.1:5555  [partial] cut');
  const painted = formatRecord(rec(), { ts: (s) => `<${s}>`, seq: (s) => `[${s}]`, src: (s) => `{${s}}`, mark: (s) => s });
  assert.equal(painted, '<2026-11-26T18:00:00.123Z>  [#42]  {tcp:127.0.0.1:5555}  hello');
});

test('escapeControl: a message cannot move the cursor or change colours; tabs and text stay', () => {
  assert.equal(escapeControl('a\tb'), 'a\tb');
  assert.equal(escapeControl('\x1b[2Jgone\r'), '\\x1b[2Jgone\\x0d');
  assert.equal(escapeControl('\x00\x7f\u009b'), '\\x00\\x7f\\x9b');
  assert.equal(escapeControl('héllo ✓'), 'héllo ✓');
  assert.equal(formatRecord(rec({ msg: '\x1b]0;title\x07' })).endsWith('\\x1b]0;title\\x07'), true);
});
