// The RELP listener on real sockets: librelp's open answer, rsp 200 only once the sink made the batch durable, rsp 500 on failure, window, malformed frames.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { IoError } from '../../src/errors.js';
import type { MessageInput, Sink } from '../../src/journal/sink.js';
import { CollectorServer } from '../../src/collector/server.js';
import type { CollectorOptions } from '../../src/collector/options.js';
import { silentLog } from '../../src/logger.js';
import { encodeRelpFrame } from '../../src/protocol/relp-frame.js';
import { RelpTestClient } from '../helpers/relp-client.js';

/** A sink that holds every append until the test settles it (or settles at once in auto mode). */
class HeldSink extends EventEmitter implements Sink {
  readonly held: Array<{ batch: MessageInput[]; resolve: (seq: number) => void; reject: (err: unknown) => void }> = [];
  readonly stored: string[] = [];
  auto = false;
  private seq = 0;

  append(batch: MessageInput[]): Promise<number> {
    if (this.auto) return Promise.resolve(this.store(batch));
    return new Promise((resolve, reject) => {
      this.held.push({ batch, resolve: () => resolve(this.store(batch)), reject });
      this.emit('append');
    });
  }

  async close(): Promise<void> {}

  private store(batch: MessageInput[]): number {
    const first = this.seq + 1;
    this.seq += batch.length;
    for (const m of batch) this.stored.push(m.msg.toString());
    return first;
  }
}

async function startRelp(opts: Partial<CollectorOptions> = {}, sink: Sink = Object.assign(new HeldSink(), { auto: true })) {
  const server = new CollectorServer({ port: 0, relpPort: 0, ...opts }, sink, silentLog);
  await server.listen();
  const port = server.listening[0]!.info.port;
  const stop = async (): Promise<void> => {
    server.closable.stopAccepting?.();
    await server.closable.drain?.(Date.now() + 2000);
    await server.closable.close?.();
  };
  return { server, port, sink, stop };
}

test('relp: open is answered as librelp answers it, syslog frames get rsp 200 in order, close gets rsp then serverclose', async () => {
  const r = await startRelp();
  after(() => r.stop());
  const c = await RelpTestClient.connect(r.port);
  const open = await c.open();
  assert.deepEqual(open, { txnr: 1, command: 'rsp', data: '200 OK\nrelp_version=0\nrelp_software=muxd\ncommands=syslog' });
  c.send('syslog', '<13>one');
  c.send('syslog', 'two\nlines');
  c.send('close');
  await c.closed;
  assert.deepEqual(c.frames.slice(1), [
    { txnr: 2, command: 'rsp', data: '200 OK' },
    { txnr: 3, command: 'rsp', data: '200 OK' },
    { txnr: 4, command: 'rsp', data: '' },
    { txnr: 0, command: 'serverclose', data: '' },
  ]);
  assert.equal(c.serverEnded, true);
  assert.deepEqual((r.sink as HeldSink).stored, ['<13>one', 'two\nlines']);
  assert.equal(r.server.stats.acked, 2);
});

test('relp: rsp 200 only once the sink has made the batch durable; a failed batch is answered rsp 500 and never 200', async () => {
  const sink = new HeldSink();
  const r = await startRelp({}, sink);
  after(() => r.stop());
  const c = await RelpTestClient.connect(r.port);
  await c.open();
  const appended = once(sink, 'append');
  c.send('syslog', 'first');
  await appended;
  // The batch is in the sink's hands and not durable yet: nothing may be answered. Give a wrong answer time to arrive.
  await new Promise((res) => setTimeout(res, 100));
  assert.equal(c.frames.length, 1, 'no rsp before the sync');
  sink.held.shift()!.resolve(0);
  assert.deepEqual((await c.waitFrames(2))[1], { txnr: 2, command: 'rsp', data: '200 OK' });

  const failing = once(sink, 'append');
  c.send('syslog', 'second');
  await failing;
  sink.held.shift()!.reject(new IoError('fdatasync failed (EIO)'));
  const [, , failed] = await c.waitFrames(3);
  assert.equal(failed?.txnr, 3);
  assert.match(failed?.data ?? '', /^500 ERR_IO journal write failed/);

  // The session goes on; the next message is stored and answered 200.
  const third = once(sink, 'append');
  c.send('syslog', 'third');
  await third;
  sink.held.shift()!.resolve(0);
  assert.deepEqual((await c.waitFrames(4))[3], { txnr: 4, command: 'rsp', data: '200 OK' });
  assert.deepEqual(sink.stored, ['first', 'third']);
  assert.ok(!c.frames.some((f) => f.txnr === 3 && f.data.startsWith('200')), 'the failed message never got 200');
  c.destroy();
});

test('relp: a full window of 128 frames sent in one write is taken and answered in order', async () => {
  const r = await startRelp();
  after(() => r.stop());
  const c = await RelpTestClient.connect(r.port);
  await c.open();
  const frames: Buffer[] = [];
  for (let i = 0; i < 128; i++) frames.push(encodeRelpFrame(i + 2, 'syslog', `m${i}`));
  c.raw(Buffer.concat(frames));
  const got = await c.waitFrames(129);
  assert.deepEqual(
    got.slice(1).map((f) => `${f.txnr} ${f.data}`),
    Array.from({ length: 128 }, (_, i) => `${i + 2} 200 OK`),
  );
  c.destroy();
});

/** Bad frames, built for transaction number 3 (after open = 1 and a good syslog = 2). */
const malformed: Array<{ name: string; bytes: string | Buffer; answer: RegExp | null; code: string }> = [
  { name: 'a transaction number out of order', bytes: '4 syslog 1 x\n', answer: /^4 500 ERR_RELP_FRAME transaction number 4, expected 3$/, code: 'ERR_RELP_FRAME' },
  { name: 'a bad transaction number', bytes: 'x syslog 1 x\n', answer: null, code: 'ERR_RELP_FRAME' },
  { name: 'a bad length', bytes: '3 syslog 1x x\n', answer: /^3 500 ERR_RELP_FRAME bad data length$/, code: 'ERR_RELP_FRAME' },
  { name: 'no LF after the data', bytes: '3 syslog 1 xy\n', answer: /^3 500 ERR_RELP_FRAME frame not ended by LF/, code: 'ERR_RELP_FRAME' },
  { name: 'data over --max-message', bytes: encodeRelpFrame(3, 'syslog', 'x'.repeat(65)), answer: /^3 500 ERR_MESSAGE_TOO_LONG message longer than 64 bytes$/, code: 'ERR_MESSAGE_TOO_LONG' },
  { name: 'a second open', bytes: encodeRelpFrame(3, 'open', 'commands=syslog'), answer: /^3 500 ERR_RELP_FRAME session already open$/, code: 'ERR_RELP_FRAME' },
  { name: 'an unknown command', bytes: encodeRelpFrame(3, 'starttls'), answer: /^3 500 ERR_RELP_FRAME unsupported command starttls$/, code: 'ERR_RELP_FRAME' },
];

for (const m of malformed) {
  test(`relp: ${m.name} is answered rsp 500 after the earlier answers, then serverclose, and the session is closed`, async () => {
    const r = await startRelp({ maxMessage: 64 });
    after(() => r.stop());
    const c = await RelpTestClient.connect(r.port);
    await c.open();
    // A good frame in the same write as the bad one: it is still journaled and answered first.
    c.raw(Buffer.concat([encodeRelpFrame(2, 'syslog', 'good'), Buffer.from(m.bytes)]));
    await c.closed;
    const tail = c.frames.slice(2).map((f) => (f.command === 'rsp' ? `${f.txnr} ${f.data}` : `${f.txnr} ${f.command}`));
    assert.deepEqual(c.frames[1], { txnr: 2, command: 'rsp', data: '200 OK' });
    if (m.answer !== null) {
      assert.equal(tail.length, 2, JSON.stringify(tail));
      assert.match(tail[0]!, m.answer);
    } else assert.equal(tail.length, 1, JSON.stringify(tail));
    assert.equal(tail[tail.length - 1], '0 serverclose');
    assert.equal(c.serverEnded, true);
    assert.equal(r.server.stats.rejected[m.code], 1);
    assert.deepEqual((r.sink as HeldSink).stored, ['good']);
  });
}

test('relp: syslog before open is refused and the session closed', async () => {
  const r = await startRelp();
  after(() => r.stop());
  const c = await RelpTestClient.connect(r.port);
  c.send('syslog', 'too early');
  await c.closed;
  assert.deepEqual(c.frames, [
    { txnr: 1, command: 'rsp', data: '500 ERR_RELP_FRAME syslog before open' },
    { txnr: 0, command: 'serverclose', data: '' },
  ]);
  assert.deepEqual((r.sink as HeldSink).stored, []);
});

test('relp: shutdown answers what was read, then sends serverclose and closes', async () => {
  const sink = new HeldSink();
  const r = await startRelp({}, sink);
  const c = await RelpTestClient.connect(r.port);
  await c.open();
  const appended = once(sink, 'append');
  c.send('syslog', 'in flight');
  await appended;
  const stopped = r.stop();
  sink.auto = true;
  sink.held.shift()!.resolve(0);
  await stopped;
  await c.closed;
  assert.deepEqual(c.frames.slice(1), [
    { txnr: 2, command: 'rsp', data: '200 OK' },
    { txnr: 0, command: 'serverclose', data: '' },
  ]);
});
