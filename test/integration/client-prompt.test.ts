// Interactive mode driven through streams: the Msg>> prompt, replies printed as they arrive, the server going away.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { connectTo } from '../../src/client/client.js';
import { PROMPT, runPrompt } from '../../src/client/prompt.js';
import { startFakeCollector } from '../helpers/client-fake-collector.js';
import type { FakeCollector } from '../helpers/client-fake-collector.js';

const servers: FakeCollector[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

function collect(stream: PassThrough): () => string {
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString('utf8')));
  return () => text;
}

test('prompt: each typed line is sent, each reply printed; empty lines are not sent', async () => {
  const server = await startFakeCollector({ errorFor: (l) => (l === 'boom' ? 'ERR_IO' : null) });
  servers.push(server);
  const input = new PassThrough();
  const output = new PassThrough();
  const text = collect(output);
  const done = runPrompt({ socket: await connectTo('127.0.0.1', server.port), input, output, terminal: false });
  input.write('hello\n\nboom\n');
  input.end('world\n');
  const summary = await done;
  assert.deepEqual(server.received, ['hello', 'boom', 'world']);
  assert.ok(text().startsWith(PROMPT));
  assert.match(text(), /ok 1\n[\s\S]*error ERR_IO scripted failure\n[\s\S]*ok 2\n/);
  assert.equal(summary.ok, 2);
  assert.equal(summary.failed, 1);
});

test('prompt: the server going away is reported plainly and ends the session', async () => {
  const server = await startFakeCollector({ closeAfter: 1 });
  servers.push(server);
  const input = new PassThrough();
  const output = new PassThrough();
  const text = collect(output);
  const done = runPrompt({ socket: await connectTo('127.0.0.1', server.port), input, output, terminal: false });
  input.write('first\n');
  input.write('second\n');
  const summary = await done;
  assert.match(text(), /connection (closed|reset) by server/);
  assert.equal(summary.ok, 1);
  assert.equal(summary.stoppedBy?.code, 'ERR_CONNECTION_CLOSED');
  input.destroy();
});

test('prompt on a terminal: a reply arriving while the user types is printed above the prompt, the typing kept', async () => {
  const server = await startFakeCollector();
  servers.push(server);
  const input = new PassThrough();
  const output = new PassThrough();
  const text = collect(output);
  const done = runPrompt({ socket: await connectTo('127.0.0.1', server.port), input, output, terminal: true });
  input.write('first\rhalf-typ');
  while (!text().includes('ok 1')) await new Promise((resolve) => output.once('data', resolve));
  const shown = text().slice(text().indexOf('ok 1'));
  assert.match(shown, /^ok 1\r?\n/);
  assert.ok(shown.includes(`${PROMPT}half-typ`), `prompt and typing redrawn after the reply: ${JSON.stringify(shown)}`);
  input.write('\x15\x04'); // Ctrl-U clears the line, Ctrl-D on an empty line ends the session
  const summary = await done;
  assert.deepEqual(server.received, ['first']);
  assert.equal(summary.ok, 1);
});
