// Regression: the access log escaped C0 controls only, so a header carrying C1 controls (\x9b is CSI on some
// terminals) reached the operator's terminal raw. Every format now escapes \x00–\x1f, \x7f and \x80–\x9f.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createAccessLog, quoteLogValue } from '../../src/http/core/access-log.js';
import type { LogFormatValue } from '../../src/http/core/access-log.js';

test('quoted log values escape C1 controls as well as C0 controls and DEL', () => {
  assert.equal(quoteLogValue('a\x9b31mb'), '"a\\x9b31mb"');
  assert.equal(quoteLogValue('\x80\x85\x9f'), '"\\x80\\x85\\x9f"');
  assert.equal(quoteLogValue('\x1b[31m\x7f'), '"\\x1b[31m\\x7f"');
  for (let c = 0; c <= 0xff; c++) {
    const out = quoteLogValue(`x${String.fromCharCode(c)}`);
    const control = c < 0x20 || (c >= 0x7f && c <= 0x9f);
    assert.equal(/[\x00-\x1f\x7f-\x9f]/.test(out), false, `0x${c.toString(16)} left raw`); // eslint-disable-line no-control-regex
    if (!control && c !== 0x22 && c !== 0x5c) assert.equal(out, `"x${String.fromCharCode(c)}"`, `0x${c.toString(16)} changed`);
  }
  assert.equal(quoteLogValue('café ünïcode'), '"café ünïcode"', 'latin1 letters above \\x9f stay readable');
});

async function logLine(format: LogFormatValue, userAgent: string): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const log = createAccessLog(format, out);
  assert.ok(log);
  const req = { method: 'GET', url: '/x', httpVersion: '1.1', headers: { 'user-agent': userAgent, referer: userAgent }, socket: { remoteAddress: '127.0.0.1' } };
  const res = { writableFinished: true, headersSent: true, statusCode: 200, getHeader: () => '2' };
  log.record(req as never, res as never);
  await log.closable().close?.();
  return Buffer.concat(chunks).toString('utf8');
}

test('every log format writes C1 controls from a header escaped', async () => {
  const evil = 'agent\x9b2J\x85end\x1b';
  const combined = await logLine('combined', evil);
  assert.match(combined, /"agent\\x9b2J\\x85end\\x1b"/);
  const json = await logLine('json', evil);
  // eslint-disable-next-line no-control-regex -- control characters are what must not appear
  assert.equal(/[\x00-\x1f\x7f-\x9f]/.test(json.trimEnd()), false, JSON.stringify(json));
  const parsed = JSON.parse(json) as { userAgent: string };
  assert.equal(parsed.userAgent, evil, 'the JSON line still decodes to the exact header value');
});
