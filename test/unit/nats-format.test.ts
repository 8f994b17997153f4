// The pure parts of the NATS sink: nats:// addresses, names, the batch id and headers, and decoding a batch payload built by the journal's encoder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ErrorCode } from '../../src/errors.js';
import { RecordEncoder } from '../../src/journal/record.js';
import { batchMsgId, batchSubject, decodeBatch, lastSeqOfBatch, POSITION_STRIDE, splitPosition } from '../../src/nats/batch.js';
import { hostnameId, loadCollectorId } from '../../src/nats/collector-id.js';
import { natsSubjectPrefix, parseNatsUrl } from '../../src/nats/url.js';
import { collectConfigFrom } from '../../src/collector/options.js';

test('parseNatsUrl takes one or more HOST[:PORT] and an optional /STREAM', () => {
  assert.deepEqual(parseNatsUrl('nats://127.0.0.1:4222'), { servers: ['127.0.0.1:4222'] });
  assert.deepEqual(parseNatsUrl('nats://a,b:5000,[::1]:7'), { servers: ['a:4222', 'b:5000', '[::1]:7'] });
  assert.deepEqual(parseNatsUrl('nats://h:1/LOGS', '--x'), { servers: ['h:1'], stream: 'LOGS' });
  for (const bad of ['http://h:1', 'nats://', 'nats://h:0', 'nats://h:70000', 'nats://h:1/a.b', 'nats://h:1/', 'nats://h p:1', 'nats://h:1,']) {
    if (bad === 'nats://h:1/') {
      assert.deepEqual(parseNatsUrl(bad), { servers: ['h:1'] });
      continue;
    }
    assert.throws(() => parseNatsUrl(bad), { code: ErrorCode.INVALID_OPTION }, bad);
  }
});

test('subject prefixes are dot-separated tokens; wildcards and spaces are refused', () => {
  assert.equal(natsSubjectPrefix('logs.muxd'), 'logs.muxd');
  for (const bad of ['', 'a.>', 'a.*', 'a..b', 'a b', '.a']) assert.throws(() => natsSubjectPrefix(bad), { code: ErrorCode.INVALID_OPTION }, bad);
});

test('collect flags: --sink file by default; nats flags validated, /STREAM refused on --sink', () => {
  assert.equal(collectConfigFrom({}).nats, null);
  const c = collectConfigFrom({ sink: 'nats://h:1,h:2', 'nats-replicas': '3', 'collector-id': 'c-1', 'sink-timeout': '5' });
  assert.deepEqual(c.nats, { servers: ['h:1', 'h:2'], stream: 'MUXD', subjectPrefix: 'muxd', replicas: 3, collectorId: 'c-1', sinkTimeoutMs: 5000 });
  assert.throws(() => collectConfigFrom({ sink: 'nats://h:1/S' }), { code: ErrorCode.INVALID_OPTION });
  assert.throws(() => collectConfigFrom({ sink: 'nats://h:1', 'collector-id': 'a.b' }), { code: ErrorCode.INVALID_OPTION });
  assert.throws(() => collectConfigFrom({ sink: 'nats://h:1', 'sink-timeout': '0' }), { code: ErrorCode.INVALID_OPTION });
  assert.throws(() => collectConfigFrom({ sink: 'kafka://h:1' }), { code: ErrorCode.INVALID_OPTION });
});

test('batch id, subject, and the last seq from a stored batch\'s headers', () => {
  assert.equal(batchMsgId('c1', 42), 'c1:42');
  assert.equal(batchSubject('muxd', 'c1'), 'muxd.c1');
  assert.equal(lastSeqOfBatch('c1:42', '3'), 44);
  assert.equal(lastSeqOfBatch('host-a:1', '1'), 1);
  for (const [id, n] of [[undefined, '1'], ['c1:42', undefined], ['c1:x', '1'], ['c1:4', '0'], ['c1:4', '-1']] as const) assert.equal(lastSeqOfBatch(id, n), null);
});

test('decodeBatch reads back exactly what the journal encoder wrote, with positions per record', () => {
  const enc = new RecordEncoder('json');
  enc.begin('2026-11-30T00:00:00.000Z');
  const inputs = [
    { src: 'tcp:1', msg: Buffer.from('plain') },
    { src: 'tcp:1', msg: Buffer.from('quote " and \\ and \n') },
    { src: 'stdin', msg: Buffer.from([0xff, 0x00]) },
    { src: 'tcp:2', msg: Buffer.from('cut'), partial: true },
  ];
  enc.addBatch(7, inputs);
  const recs = decodeBatch(Uint8Array.prototype.slice.call(enc.bytes()), 'c9', 12);
  assert.deepEqual(
    recs.map((r) => [r.record.seq, r.record.src, r.record.msg ?? r.record.b64, r.record.partial ?? false, r.collector, r.position]),
    [
      [7, 'tcp:1', 'plain', false, 'c9', 12 * POSITION_STRIDE],
      [8, 'tcp:1', 'quote " and \\ and \n', false, 'c9', 12 * POSITION_STRIDE + 1],
      [9, 'stdin', Buffer.from([0xff, 0x00]).toString('base64'), false, 'c9', 12 * POSITION_STRIDE + 2],
      [10, 'tcp:2', 'cut', true, 'c9', 12 * POSITION_STRIDE + 3],
    ],
  );
  assert.deepEqual(splitPosition(12 * POSITION_STRIDE + 3), { streamSeq: 12, index: 3 });
  assert.throws(() => decodeBatch(Buffer.from('{"seq":1}\n'), 'c', 1), { code: ErrorCode.JOURNAL_CORRUPT });
});

test('collector id: kept in a state file and read back; the hostname when the folder is not writable', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'muxd-cid-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const id = await loadCollectorId(path.join(dir, 'data'));
  assert.match(id, /^[A-Za-z0-9_-]+-[0-9a-f]{8}$/);
  assert.equal((await readFile(path.join(dir, 'data', 'collector-id'), 'utf8')).trim(), id);
  assert.equal(await loadCollectorId(path.join(dir, 'data')), id);
  assert.equal(hostnameId('web-1.example.com'), 'web-1-example-com');
  assert.equal(hostnameId('...'), 'muxd');
  // A journal folder below a regular file cannot be created, not even by root.
  await writeFile(path.join(dir, 'file'), 'x');
  const notes: string[] = [];
  assert.equal(await loadCollectorId(path.join(dir, 'file', 'data'), (n) => notes.push(n)), hostnameId());
  assert.equal(notes.length, 1);
});
