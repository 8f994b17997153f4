// The syslog parser against the RFC 5424 §6.5 and RFC 3164 §5.4 examples, real logger output, and malformed input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSyslog, severityCode } from '../../src/protocol/syslog.js';
import type { SyslogFields } from '../../src/protocol/syslog.js';

const BOM = '\uFEFF';

function parse(text: string): { fields: SyslogFields; msg: string } | null {
  const bytes = Buffer.from(text, 'utf8');
  const r = parseSyslog(bytes);
  if (r === null) return null;
  // Plain objects for deepEqual (the parser builds structured data without a prototype).
  return { fields: JSON.parse(JSON.stringify(r.fields)) as SyslogFields, msg: bytes.toString('utf8', r.msgStart) };
}

const sdExample = '[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"]';

const cases: Array<{ name: string; input: string; want: { fields: SyslogFields; msg: string } | null }> = [
  {
    name: 'RFC 5424 §6.5 example 1 (no structured data, BOM)',
    input: `<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - ${BOM}'su root' failed for lonvick on /dev/pts/8`,
    want: { fields: { facility: 'auth', severity: 'crit', time: '2003-10-11T22:14:15.003Z', host: 'mymachine.example.com', app: 'su', msgid: 'ID47' }, msg: "'su root' failed for lonvick on /dev/pts/8" },
  },
  {
    name: 'RFC 5424 §6.5 example 2 (microseconds, offset, no MSGID)',
    input: "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
    want: { fields: { facility: 'local4', severity: 'notice', time: '2003-08-24T05:14:15.000003-07:00', host: '192.0.2.1', app: 'myproc', procid: '8710' }, msg: "%% It's time to make the do-nuts." },
  },
  {
    name: 'RFC 5424 §6.5 example 3 (structured data and MSG)',
    input: `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 ${sdExample} ${BOM}An application event log entry...`,
    want: {
      fields: { facility: 'local4', severity: 'notice', time: '2003-10-11T22:14:15.003Z', host: 'mymachine.example.com', app: 'evntslog', msgid: 'ID47', sd: { 'exampleSDID@32473': { iut: '3', eventSource: 'Application', eventID: '1011' } } },
      msg: 'An application event log entry...',
    },
  },
  {
    name: 'RFC 5424 §6.5 example 4 (two SD elements, no MSG)',
    input: `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 ${sdExample}[examplePriority@32473 class="high"]`,
    want: {
      fields: {
        facility: 'local4', severity: 'notice', time: '2003-10-11T22:14:15.003Z', host: 'mymachine.example.com', app: 'evntslog', msgid: 'ID47',
        sd: { 'exampleSDID@32473': { iut: '3', eventSource: 'Application', eventID: '1011' }, 'examplePriority@32473': { class: 'high' } },
      },
      msg: '',
    },
  },
  {
    name: 'RFC 5424 escapes in values and a repeated param name (§7.2.1 origin ip)',
    input: '<13>1 - - - - - [origin ip="192.0.2.1" ip="a]b\\"c\\\\d\\x"] hi there',
    want: { fields: { facility: 'user', severity: 'notice', sd: { origin: { ip: ['192.0.2.1', 'a]b"c\\d\\x'] } } }, msg: 'hi there' },
  },
  {
    name: 'RFC 5424 UTF-8 values, plain, escaped and with an escaped high byte (one scan decides decode and unescape)',
    input: '<13>1 - - - - - [x@1 a="café" b="é\\"ü" c="\\é" d="plain"] m',
    want: { fields: { facility: 'user', severity: 'notice', sd: { 'x@1': { a: 'café', b: 'é"ü', c: '\\é', d: 'plain' } } }, msg: 'm' },
  },
  {
    name: 'RFC 5424 all nil, MSG with LF',
    input: '<0>1 - - - - - - line one\nline two',
    want: { fields: { facility: 'kern', severity: 'emerg' }, msg: 'line one\nline two' },
  },
  {
    name: 'RFC 3164 §5.4 example 1',
    input: "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
    want: { fields: { facility: 'auth', severity: 'crit', time: 'Oct 11 22:14:15', host: 'mymachine', app: 'su' }, msg: "'su root' failed for lonvick on /dev/pts/8" },
  },
  { name: 'RFC 3164 §5.4 example 2: no PRI is not syslog', input: 'Use the BFG!', want: null },
  {
    name: 'RFC 3164 §5.4 example 3 (no TAG after the HOSTNAME)',
    input: "<165>Aug 24 05:34:00 CST 1987 mymachine myproc[10]: %% It's time to make the do-nuts.  %%  Ingredients: Mix=OK, Jeliness=OK Devices: Cooker=OK, Fryer=OK",
    want: {
      fields: { facility: 'local4', severity: 'notice', time: 'Aug 24 05:34:00', host: 'CST' },
      msg: "1987 mymachine myproc[10]: %% It's time to make the do-nuts.  %%  Ingredients: Mix=OK, Jeliness=OK Devices: Cooker=OK, Fryer=OK",
    },
  },
  {
    name: 'RFC 3164 §5.4 example 4 (invalid TIMESTAMP: the rest is the message)',
    input: "<0>1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!",
    want: { fields: { facility: 'kern', severity: 'emerg' }, msg: "1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!" },
  },
  {
    name: 'logger --rfc3164 (TAG with pid, space-padded day)',
    input: '<13>Nov  3 04:05:06 box alice[4242]: hello world',
    want: { fields: { facility: 'user', severity: 'notice', time: 'Nov  3 04:05:06', host: 'box', app: 'alice', procid: '4242' }, msg: 'hello world' },
  },
  {
    name: 'BSD format without HOSTNAME (local sender)',
    input: '<30>Nov 30 03:40:00 cron[77]: job done',
    want: { fields: { facility: 'daemon', severity: 'info', time: 'Nov 30 03:40:00', app: 'cron', procid: '77' }, msg: 'job done' },
  },
  {
    name: 'BSD header with an RFC 3339 timestamp (rsyslog forward format)',
    input: '<14>2026-11-30T03:40:00.123+00:00 web nginx: GET /',
    want: { fields: { facility: 'user', severity: 'info', time: '2026-11-30T03:40:00.123+00:00', host: 'web', app: 'nginx' }, msg: 'GET /' },
  },
  {
    name: 'RFC 5424 with a broken SD falls back to BSD (PRI kept, rest is MSG)',
    input: '<13>1 - - - - - [a b=c] x',
    want: { fields: { facility: 'user', severity: 'notice' }, msg: '1 - - - - - [a b=c] x' },
  },
  { name: 'PRI over 191', input: '<192>1 - - - - - - x', want: null },
  { name: 'PRI with four digits', input: '<0013>x', want: null },
  { name: 'empty PRI', input: '<>1 - - - - - - x', want: null },
  { name: 'unterminated PRI', input: '<13', want: null },
  { name: 'empty', input: '', want: null },
  { name: 'plain text', input: 'hello <13>', want: null },
];

for (const c of cases) {
  test(`syslog parser: ${c.name}`, () => {
    assert.deepEqual(parse(c.input), c.want);
  });
}

test('syslog parser: RFC 5424 field limits and nil handling', () => {
  assert.equal(parse(`<13>1 - - ${'a'.repeat(49)} - - - x`)!.fields.app, undefined, 'APP-NAME over 48 is not RFC 5424');
  assert.equal(parse(`<13>1 - - ${'a'.repeat(48)} - - - x`)!.fields.app, 'a'.repeat(48));
  assert.equal(parse('<13>1 2003-10-11 h a - - - x')!.fields.host, undefined, 'a date without time is not a timestamp');
  assert.equal(parse('<13>1 - h a - - -')!.msg, '', 'no MSG at all');
  assert.equal(parse('<13>1 - h a - - -x')!.fields.host, undefined, 'SD must be followed by SP or the end');
});

test('syslog parser: a typed array that is not a Buffer works too', () => {
  const u8 = new Uint8Array(Buffer.from('xx<13>1 - h a - - - msg'));
  const r = parseSyslog(u8.subarray(2));
  assert.equal(r?.fields.host, 'h');
  assert.equal(r?.msgStart, 18);
});

test('severity names and aliases', () => {
  assert.equal(severityCode('warning'), 4);
  assert.equal(severityCode('WARN'), 4);
  assert.equal(severityCode('error'), 3);
  assert.equal(severityCode('emerg'), 0);
  assert.equal(severityCode('debug'), 7);
  assert.equal(severityCode('loud'), -1);
});

test('syslog parser: random bytes after a PRI never throw and MSG stays inside the input', () => {
  let seed = 99;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
  const alphabet = Buffer.from('<>[]="\\ -:1234567890TZ.abcxyz\n\u00e9@', 'utf8');
  for (let trial = 0; trial < 5000; trial++) {
    const len = rand(80);
    const body = Buffer.alloc(len);
    for (let i = 0; i < len; i++) body[i] = rand(4) === 0 ? rand(256) : alphabet[rand(alphabet.length)]!;
    const input = Buffer.concat([Buffer.from(rand(2) ? '<13>1 ' : '<13>'), body]);
    const r = parseSyslog(input);
    assert.ok(r !== null, 'a valid PRI always parses');
    assert.ok(r.msgStart >= 4 && r.msgStart <= input.length, `msgStart ${r.msgStart} in ${input.length}`);
    assert.doesNotThrow(() => JSON.stringify(r.fields));
  }
});

test('syslog parser: a header longer than the first decoded kilobyte is still parsed', () => {
  const long = `[big@1 v="${'x'.repeat(3000)}"]`;
  const r = parse(`<13>1 - h app - - ${long} after`);
  assert.equal((r!.fields.sd!['big@1']!.v as string).length, 3000);
  assert.equal(r!.msg, 'after');
});

test('syslog parser: SD names like __proto__ become own properties, never the prototype', () => {
  const r = parseSyslog(Buffer.from('<13>1 - - - - - [__proto__ __proto__="x"] m'))!;
  assert.equal(Object.getPrototypeOf(r.fields.sd), Object.prototype);
  assert.deepEqual(JSON.parse(JSON.stringify(r.fields.sd)), JSON.parse('{"__proto__":{"__proto__":"x"}}'));
});
