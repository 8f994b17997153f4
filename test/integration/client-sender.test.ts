// The windowed sender and pipe mode against a fake collector: counts, window, reply timeout, server leaving, protocol errors.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { connectTo, WindowedSender } from '../../src/client/client.js';
import { allAcknowledged, formatSummary, sendLines } from '../../src/client/pipe.js';
import { ConnectFailedError } from '../../src/errors.js';
import { startFakeCollector } from '../helpers/client-fake-collector.js';
import type { FakeCollector } from '../helpers/client-fake-collector.js';

const servers: FakeCollector[] = [];
after(async () => {
  for (const s of servers) await s.close();
});
async function fake(options: Parameters<typeof startFakeCollector>[0] = {}): Promise<FakeCollector> {
  const s = await startFakeCollector(options);
  servers.push(s);
  return s;
}

test('pipe mode: every non-empty line is sent once, in order, and answered ok', async () => {
  const server = await fake();
  const lines = Array.from({ length: 5000 }, (_, i) => `line ${i}`);
  const input = Readable.from([Buffer.from(`${lines.slice(0, 2500).join('\n')}\n\n\r\n`), Buffer.from(`${lines.slice(2500).join('\r\n')}`)]);
  const seqs: number[] = [];
  const summary = await sendLines(input, await connectTo('127.0.0.1', server.port), {
    window: 16,
    onReply: (r) => r.kind === 'ok' && seqs.push(r.seq),
  });
  assert.equal(formatSummary(summary), 'sent 5000, ok 5000, failed 0, unanswered 0');
  assert.ok(allAcknowledged(summary));
  assert.deepEqual(server.received, lines);
  assert.deepEqual(seqs, Array.from({ length: 5000 }, (_, i) => i + 1));
});

test('pipe mode: error replies count as failed, by code; local over-long lines too', async () => {
  const server = await fake({ errorFor: (l) => (l.startsWith('bad') ? 'ERR_IO' : null), maxMessage: 20 });
  const input = Readable.from([Buffer.from(`good\nbad 1\n${'x'.repeat(30)}\nbad 2\n${'y'.repeat(100)}\ngood\n`)]);
  const summary = await sendLines(input, await connectTo('127.0.0.1', server.port), { maxLineBytes: 50 });
  assert.equal(formatSummary(summary), 'sent 6, ok 2, failed 4 (ERR_IO 2, ERR_MESSAGE_TOO_LONG 2), unanswered 0');
  assert.equal(allAcknowledged(summary), false);
  assert.equal(server.received.length, 4, 'the 100-byte line over --max-line was never sent');
});

test('window: at most W messages go out unanswered; the reply timeout ends the wait', async () => {
  const server = await fake({ silent: true });
  const input = Readable.from([Buffer.from(Array.from({ length: 20 }, (_, i) => `m${i}\n`).join(''))]);
  const summary = await sendLines(input, await connectTo('127.0.0.1', server.port), { window: 5, replyTimeoutMs: 200 });
  assert.equal(summary.sent, 5);
  assert.equal(summary.unanswered, 5);
  assert.equal(summary.stoppedBy?.code, 'ERR_REPLY_TIMEOUT');
  assert.deepEqual(server.received, ['m0', 'm1', 'm2', 'm3', 'm4']);
});

test('server closing mid-way: the rest counts as unanswered and input stops', async () => {
  const server = await fake({ closeAfter: 3 });
  const input = Readable.from([Buffer.from(Array.from({ length: 100 }, (_, i) => `m${i}\n`).join(''))]);
  const summary = await sendLines(input, await connectTo('127.0.0.1', server.port), { window: 10 });
  assert.equal(summary.ok, 3);
  assert.ok(summary.unanswered >= 1);
  assert.equal(summary.sent, summary.ok + summary.unanswered);
  assert.ok(summary.sent <= 13, `sent ${summary.sent} with window 10`);
  assert.equal(summary.stoppedBy?.code, 'ERR_CONNECTION_CLOSED');
});

test('a reply line outside the protocol stops the sender with ERR_PROTOCOL', async () => {
  const server = await fake({ garbage: 'received\n' });
  const summary = await sendLines(Readable.from([Buffer.from('a\nb\n')]), await connectTo('127.0.0.1', server.port));
  assert.equal(summary.stoppedBy?.code, 'ERR_PROTOCOL');
  assert.equal(summary.ok, 0);
});

test('a reply with nothing outstanding is reported, not miscounted', async () => {
  const server = net.createServer((s) => {
    s.on('error', () => {});
    s.once('data', () => s.write('ok 1\nok 2\n'));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  after(() => server.close());
  const socket = await connectTo('127.0.0.1', (server.address() as net.AddressInfo).port);
  const sender = new WindowedSender(socket, { replyTimeoutMs: 2000 });
  sender.send(Buffer.from('one'));
  const summary = await sender.finish();
  assert.equal(summary.ok, 1);
  assert.equal(summary.stoppedBy?.code, 'ERR_PROTOCOL');
  assert.match(summary.stoppedBy?.message ?? '', /reply without a message/);
});

test('an error reply with nothing outstanding is the server saying why it closes (idle timeout, busy)', async () => {
  const server = net.createServer((s) => {
    s.on('error', () => {});
    s.once('data', () => {
      s.write('ok 1\n');
      s.end('error ERR_IDLE_TIMEOUT idle for 300s\n');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  after(() => server.close());
  const socket = await connectTo('127.0.0.1', (server.address() as net.AddressInfo).port);
  const sender = new WindowedSender(socket);
  sender.send(Buffer.from('one'));
  await once(socket, 'close');
  assert.equal(sender.writable, false);
  const summary = await sender.finish();
  assert.equal(summary.ok, 1);
  assert.equal(summary.failed, 0);
  assert.equal(summary.stoppedBy?.code, 'ERR_CONNECTION_CLOSED');
  assert.equal(summary.stoppedBy?.message, 'server closed the connection: ERR_IDLE_TIMEOUT idle for 300s');
});

test('the reply timeout counts from the last reply: a slow but steady server is not cut off', async () => {
  const server = await fake({ replyEveryMs: 60 });
  const input = Readable.from([Buffer.from('a\nb\nc\nd\ne\nf\n')]);
  const summary = await sendLines(input, await connectTo('127.0.0.1', server.port), { window: 1, replyTimeoutMs: 200 });
  assert.equal(formatSummary(summary), 'sent 6, ok 6, failed 0, unanswered 0');
  assert.equal(summary.stoppedBy, null);
});

test('finish() half-closes after the last reply; empty input sends nothing and succeeds', async () => {
  const server = await fake();
  const socket = await connectTo('127.0.0.1', server.port);
  const summary = await sendLines(Readable.from([Buffer.from('\n\n\r\n')]), socket);
  assert.equal(formatSummary(summary), 'sent 0, ok 0, failed 0, unanswered 0');
  assert.ok(allAcknowledged(summary));
  if (!socket.closed) await once(socket, 'close');
});

test('connection refused is a ConnectFailedError naming host and port', async () => {
  const probe = net.createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as net.AddressInfo).port;
  probe.close();
  await once(probe, 'close');
  await assert.rejects(connectTo('127.0.0.1', port), (err: unknown) => {
    assert.ok(err instanceof ConnectFailedError);
    assert.equal(err.message, `cannot connect to 127.0.0.1:${port}: connection refused`);
    return true;
  });
});

test('pipe mode: a server that leaves while we wait for input ends the wait at once (regression: it waited for the next input line)', async () => {
  const server = net.createServer((s) => {
    s.on('error', () => {});
    s.once('data', () => s.end('ok 1\nerror ERR_IDLE_TIMEOUT idle for 1s\n'));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  after(() => server.close());
  const input = new PassThrough();
  input.write('a\n'); // and never ends, like `tail -F log`
  const summary = await sendLines(input, await connectTo('127.0.0.1', (server.address() as net.AddressInfo).port));
  assert.equal(summary.ok, 1);
  assert.equal(summary.inputLeft, true);
  assert.match(formatSummary(summary), /stopped before the end of the input$/);
  assert.equal(input.destroyed, true);
});
