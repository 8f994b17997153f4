// The record codec with --syslog: MSG part plus a syslog field, equal to toRecord; non-syslog and partial lines kept whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRecord, RecordEncoder, toRecord } from '../../src/journal/record.js';
import type { MessageInput } from '../../src/journal/sink.js';

const TS = '2026-11-30T03:00:00.000Z';

function encode(inputs: MessageInput[], syslog: boolean): string[] {
  const enc = new RecordEncoder('json', 64, true, syslog);
  enc.begin(TS);
  enc.addBatch(1, inputs);
  return enc.bytes().toString('utf8').split('\n').slice(0, -1);
}

const inputs: MessageInput[] = [
  { src: 'tcp:a', msg: Buffer.from('<165>1 2003-10-11T22:14:15.003Z host app 42 ID1 [x@1 k="v\\"q"] \uFEFFhello "world"\nnext') },
  { src: 'tcp:a', msg: Buffer.from('<13>Nov  3 04:05:06 box alice: hi') },
  { src: 'tcp:a', msg: Buffer.from('not syslog') },
  { src: 'tcp:a', msg: Buffer.from([0x3c, 0x31, 0x33, 0x3e, 0x31, 0x20, 0x2d, 0x20, 0x2d, 0x20, 0x2d, 0x20, 0x2d, 0x20, 0x2d, 0x20, 0x2d, 0x20, 0xff, 0xfe]) },
  { src: 'tcp:a', msg: Buffer.from('<13>1 - h - - - - cut'), partial: true },
];

test('record codec --syslog: fields and MSG part, identical to toRecord', () => {
  const lines = encode(inputs, true);
  const recs = lines.map((l) => decodeRecord(l));
  assert.deepEqual(
    recs,
    inputs.map((m, i) => toRecord(i + 1, TS, m, true)),
  );
  assert.deepEqual(recs[0]!.syslog, { facility: 'local4', severity: 'notice', time: '2003-10-11T22:14:15.003Z', host: 'host', app: 'app', procid: '42', msgid: 'ID1', sd: { 'x@1': { k: 'v"q' } } });
  assert.equal(recs[0]!.msg, 'hello "world"\nnext');
  assert.deepEqual(recs[1]!.syslog, { facility: 'user', severity: 'notice', time: 'Nov  3 04:05:06', host: 'box', app: 'alice' });
  assert.equal(recs[1]!.msg, 'hi');
  assert.equal(recs[2]!.syslog, undefined, 'not syslog: no field');
  assert.equal(recs[2]!.msg, 'not syslog', 'kept whole');
  assert.equal(recs[3]!.b64, Buffer.from([0xff, 0xfe]).toString('base64'), 'invalid UTF-8 in MSG becomes b64');
  assert.equal(recs[3]!.syslog?.severity, 'notice');
  assert.equal(recs[4]!.syslog, undefined, 'a partial message is not parsed');
  assert.equal(recs[4]!.partial, true);
});

test('record codec without --syslog keeps syslog text whole', () => {
  const recs = encode(inputs, false).map((l) => decodeRecord(l));
  assert.equal(recs[0]!.syslog, undefined);
  assert.equal(recs[1]!.msg, '<13>Nov  3 04:05:06 box alice: hi');
});

test('decodeRecord rejects a syslog field without facility and severity', () => {
  assert.throws(() => decodeRecord('{"seq":1,"ts":"t","src":"s","msg":"m","syslog":{"host":"h"}}'), { code: 'ERR_JOURNAL_CORRUPT' });
  assert.equal(decodeRecord('{"seq":1,"ts":"t","src":"s","msg":"m","syslog":{"facility":"user","severity":"info"}}').syslog?.severity, 'info');
});
