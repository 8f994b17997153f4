// `muxd collect` under systemd socket activation (Debian's systemd-socket-activate): the muxd port, syslog port, RELP and UDP take their named descriptors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import dgram from 'node:dgram';
import net from 'node:net';
import path from 'node:path';
import { cliPath, exchange, readJournal, tempDir } from '../helpers/collect.js';

/** A free port of `type`, found by binding 0 and closing (the activator binds it again at once). */
async function freePort(type: 'tcp' | 'udp'): Promise<number> {
  if (type === 'udp') {
    const s = dgram.createSocket('udp4');
    s.bind(0, '127.0.0.1');
    await once(s, 'listening');
    const { port } = s.address();
    s.close();
    return port;
  }
  const srv = net.createServer().listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address() as net.AddressInfo;
  srv.close();
  return port;
}

test('systemd socket activation: every collect listener takes the descriptor named for it, and says where it listens', async (t) => {
  const tmp = await tempDir();
  t.after(() => tmp.cleanup());
  const file = path.join(tmp.dir, 'j.jsonl');
  const [collect, syslog, relp, udp] = [await freePort('tcp'), await freePort('tcp'), await freePort('tcp'), await freePort('udp')];
  // A datagram socket needs its own activator (--datagram applies to all of one's sockets); the outer one passes it through.
  const argv = [
    '-d', '-l', `127.0.0.1:${udp}`, '--fdname=udp',
    'systemd-socket-activate', '-l', `127.0.0.1:${collect}`, '-l', `127.0.0.1:${syslog}`, '-l', `127.0.0.1:${relp}`, '--fdname=udp:collect:syslog:relp',
    process.execPath, cliPath, 'collect', '--no-stdin', '--port', '0', '--syslog-port', '0', '--relp-port', '0', '--udp-port', '0', '--journal', file,
  ];
  const child = spawn('systemd-socket-activate', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  // The outer activator waits for traffic on its socket before it starts the inner one: a first datagram, sent once
  // it says it listens, starts muxd.
  while (!err.includes(`Listening on 127.0.0.1:${udp}`)) await once(child.stderr, 'data');
  const sender = dgram.createSocket('udp4');
  t.after(() => sender.close());
  sender.send('<13>first datagram', udp, '127.0.0.1');
  while (!out.includes('listening udp')) await once(child.stdout, 'data');
  assert.match(out, new RegExp(`^listening collect tcp://127\\.0\\.0\\.1:${collect}\\nlistening syslog tcp://127\\.0\\.0\\.1:${syslog}\\nlistening relp tcp://127\\.0\\.0\\.1:${relp}\\nlistening udp udp://127\\.0\\.0\\.1:${udp}\\n$`));
  const r = await exchange(collect, 'on the activated muxd port\n', { halfClose: true });
  assert.deepEqual(r.replies.length, 1);
  const s = net.connect(syslog, '127.0.0.1');
  s.end('<13>on the activated syslog port\0');
  await once(s, 'close');
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number];
  assert.equal(code, 0, err);
  assert.doesNotMatch(err, /which no listener took/);
  const msgs = (await readJournal(file)).map((x) => x.msg).sort();
  assert.deepEqual(msgs, ['<13>first datagram', '<13>on the activated syslog port', 'on the activated muxd port']);
});

test('socket activation: a descriptor with a name no listener takes is named in a warning', async (t) => {
  const tmp = await tempDir();
  t.after(() => tmp.cleanup());
  const port = await freePort('tcp');
  const child = spawn('systemd-socket-activate', ['-l', `127.0.0.1:${port}`, '--fdname=sysl0g', process.execPath, cliPath, 'collect', '--no-stdin', '--port', '0', '--journal', path.join(tmp.dir, 'j.jsonl')], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  // The activator starts muxd on the first connection to its socket, once it listens.
  while (!err.includes(`Listening on 127.0.0.1:${port}`)) await once(child.stderr, 'data');
  const poke = net.connect(port, '127.0.0.1');
  poke.on('error', () => {});
  while (!err.includes('which no listener took')) await once(child.stderr, 'data');
  assert.match(err, /socket activation passed sysl0g \(fd 3\), which no listener took/);
  poke.destroy();
});
