// The shared query of tail and /_muxd/journal: parsing from flags and from URL parameters, matching, and the byte prefilter that must never drop a match.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RecordEncoder } from '../../src/journal/record.js';
import { needleLines } from '../../src/journal/needle-lines.js';
import { isEmptyQuery, lineMayMatch, matchLine, parseQuery, queryNeedles } from '../../src/journal/query.js';
import type { QueryText } from '../../src/journal/query.js';

const TS = '2026-12-01T10:00:00.000Z';

/** Encodes messages with the journal's own encoder (syslog parsing on), one line each. */
function encode(inputs: Array<{ src?: string; msg: Buffer | string; partial?: boolean }>): Buffer[] {
  const enc = new RecordEncoder('json', 1024, true, true);
  enc.begin(TS);
  inputs.forEach((m, i) => enc.add(i + 1, { src: m.src ?? 'tcp:127.0.0.1:1', msg: Buffer.isBuffer(m.msg) ? m.msg : Buffer.from(m.msg), ...(m.partial ? { partial: true } : {}) }));
  const text = enc.bytes();
  const lines: Buffer[] = [];
  for (let s = 0, nl = text.indexOf(10); nl >= 0; s = nl + 1, nl = text.indexOf(10, s)) lines.push(Buffer.from(text.subarray(s, nl)));
  return lines;
}

const MESSAGES: Array<{ src?: string; msg: Buffer | string; partial?: boolean }> = [
  { msg: 'plain refused here' },
  { msg: 'a "quoted" refused' },
  { msg: 'back\\slash and tab\there' },
  { msg: Buffer.from([0xff, 0x72, 0x65, 0x66, 0x75, 0x73, 0x65, 0x64]) }, // invalid UTF-8: b64, decodes to "�refused"
  { msg: 'cut in the midd', partial: true },
  { msg: '<34>1 2026-12-01T10:00:00Z host sshd 42 - - Failed password: refused', src: 'syslog:10.0.0.1:514' },
  { msg: '<14>Dec  1 10:00:00 host cron[7]: job done', src: 'udp:10.0.0.2:514' },
  { msg: 'ünïcødé refused ✓' },
  { msg: 'newline\nin the middle refused' },
];

/** Reference: parse every line and apply the matcher. */
function reference(lines: Buffer[], text: QueryText): number[] {
  const q = parseQuery(text, Date.parse(TS) + 60_000, 'param');
  return lines.flatMap((l, i) => (matchLine(l, q) !== null ? [i + 1] : []));
}

/** The fast path: prefilter by needles over the whole buffer, then confirm. */
function fast(lines: Buffer[], text: QueryText, desc: boolean): number[] {
  const q = parseQuery(text, Date.parse(TS) + 60_000, 'param');
  const data = Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]));
  const out: number[] = [];
  for (const [ls, le] of needleLines(data, 0, data.length, queryNeedles(q), desc)) {
    const line = data.subarray(ls, le);
    const rec = matchLine(line, q);
    if (rec !== null) out.push(rec.seq);
  }
  return desc ? out.reverse() : out;
}

describe('journal query', () => {
  it('parses flags and URL parameters alike, naming the parameter in errors', () => {
    assert.ok(isEmptyQuery(parseQuery({})));
    assert.ok(isEmptyQuery(parseQuery({ grep: '', src: '' }, Date.now(), 'param')), 'empty URL parameters mean no filter');
    const now = Date.parse(TS);
    const q = parseQuery({ since: '10m', until: '2026-12-01T10:05:00Z', severity: 'warning', grep: '/Refused/i', app: 'sshd', src: 'tcp' }, now);
    assert.equal(q.since, now - 600_000);
    assert.equal(q.until, Date.parse('2026-12-01T10:05:00Z'));
    assert.equal(q.severity, 4);
    assert.equal(q.grepText, undefined, 'a regex has no byte needle');
    assert.equal(parseQuery({ grep: 'x' }).grepText, 'x');
    assert.throws(() => parseQuery({ grep: '/(/' }), { code: 'ERR_INVALID_OPTION', message: /^--grep has an invalid regular expression/ });
    for (const [name, value] of [['grep', '/(/'], ['since', 'yesterday'], ['until', '5 minutes'], ['severity', 'loud']] as const) {
      assert.throws(() => parseQuery({ [name]: value }, now, 'param'), (err: Error & { code?: string; param?: string }) => {
        assert.equal(err.code, 'ERR_BAD_QUERY');
        assert.equal(err.param, name);
        assert.match(err.message, new RegExp(`^${name}\\b`));
        return true;
      });
    }
  });

  it('until is exclusive and since inclusive: consecutive ranges never share a record', () => {
    const [line] = encode([{ msg: 'x' }]);
    const at = (since: string, until: string): boolean => matchLine(line as Buffer, parseQuery({ since, until })) !== null;
    assert.equal(at(TS, '2026-12-01T10:00:01Z'), true);
    assert.equal(at('2026-12-01T09:59:00Z', TS), false);
    // The ts text is compared without a parse only when it has toISOString's shape; other shapes are parsed.
    const short = Buffer.from('{"seq":1,"ts":"2026-12-01T10:00:00Z","src":"x","msg":"m"}');
    assert.notEqual(matchLine(short, parseQuery({ since: TS, until: '2026-12-01T10:00:01Z' })), null);
    assert.equal(matchLine(short, parseQuery({ until: TS })), null);
    const odd = Buffer.from('{"seq":1,"src":"x","ts":"2026-12-01T10:00:00.000Z","msg":"m"}');
    assert.notEqual(matchLine(odd, parseQuery({ since: '2026-12-01T09:00:00Z' })), null, 'key order does not matter');
    assert.equal(matchLine(odd, parseQuery({ since: '2026-12-01T11:00:00Z' })), null);
  });

  it('the byte prefilter never drops a match, in both directions (escaped needles, regex, b64, partial, syslog)', () => {
    const lines = encode(MESSAGES);
    const queries: QueryText[] = [
      { grep: 'refused' },
      { grep: '"quoted"' }, // JSON escapes the quotes: no needle, every line parsed
      { grep: 'back\\slash' },
      { grep: 'tab\there' },
      { grep: 'in the middle' },
      { grep: '\n' },
      { grep: 'ünïcødé' },
      { grep: '✓' },
      { grep: '/REFUSED$/i' },
      { grep: 'midd' },
      { grep: '\ufffdrefused' }, // the b64 record decodes lossily
      { src: 'syslog' },
      { src: 'tcp:127.0.0.1' },
      { src: 'tcp:127.0.0.1:1' },
      { src: 'tcp:127' }, // not at a ':' boundary: nothing
      { app: 'sshd' },
      { app: 'cron' },
      { severity: 'crit' },
      { severity: 'info' },
      { severity: 'info', grep: 'job' },
      { app: 'sshd', grep: 'refused' },
      { since: '2026-12-01T10:00:00Z', grep: 'refused' },
      { until: '2026-12-01T10:00:00Z' },
      {},
    ];
    for (const text of queries) {
      const want = reference(lines, text);
      assert.deepEqual(fast(lines, text, false), want, `asc ${JSON.stringify(text)}`);
      assert.deepEqual(fast(lines, text, true), want, `desc ${JSON.stringify(text)}`);
    }
    assert.deepEqual(reference(lines, { grep: 'refused' }), [1, 2, 4, 6, 8, 9]);
    assert.deepEqual(reference(lines, { app: 'sshd' }), [6]);
    assert.deepEqual(reference(lines, { severity: 'crit' }), [6]);
    assert.deepEqual(reference(lines, { src: 'tcp:127' }), []);
  });

  it('needles are the grep text as JSON writes it, with the b64 key; none when JSON would escape the text', () => {
    assert.deepEqual(queryNeedles(parseQuery({ grep: 'refused' }))?.map(String), ['refused', 'b64":"']);
    assert.equal(queryNeedles(parseQuery({ grep: 'a"b' })), null);
    assert.equal(queryNeedles(parseQuery({ grep: '/x/' })), null);
    assert.deepEqual(queryNeedles(parseQuery({ grep: '/x/', app: 'sshd' }))?.map(String), ['"app":"sshd"']);
    assert.deepEqual(queryNeedles(parseQuery({ src: 'tcp' }))?.map(String), ['"src":"tcp']);
    assert.ok(lineMayMatch(Buffer.from('{"seq":1,"b64":"AA=="}'), queryNeedles(parseQuery({ grep: 'zzz' }))));
  });

  it('needleLines finds the same lines as a line-by-line search, for random buffers and needles', () => {
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const alphabet = 'ab\nc';
    for (let round = 0; round < 300; round++) {
      let text = '';
      for (let i = 0, n = rnd(80); i < n; i++) text += alphabet[rnd(alphabet.length)];
      text += '\n';
      const data = Buffer.from(text);
      const needles = [Buffer.from(['a', 'ab', 'bc', 'cc', 'ba'][rnd(5)] as string), Buffer.from(['c', 'bb', 'aa'][rnd(3)] as string)].slice(0, 1 + rnd(2));
      const want: Array<[number, number]> = [];
      for (let s = 0, nl = data.indexOf(10); nl >= 0; s = nl + 1, nl = data.indexOf(10, s)) {
        if (needles.some((n) => data.subarray(s, nl).includes(n))) want.push([s, nl]);
      }
      assert.deepEqual([...needleLines(data, 0, data.length, needles, false)], want, `asc ${JSON.stringify(text)}`);
      assert.deepEqual([...needleLines(data, 0, data.length, needles, true)], want.slice().reverse(), `desc ${JSON.stringify(text)}`);
      const all: Array<[number, number]> = [];
      for (let s = 0, nl = data.indexOf(10); nl >= 0; s = nl + 1, nl = data.indexOf(10, s)) all.push([s, nl]);
      assert.deepEqual([...needleLines(data, 0, data.length, null, true)], all.slice().reverse());
      assert.deepEqual([...needleLines(data, 0, data.length, null, false)], all);
    }
  });
});
