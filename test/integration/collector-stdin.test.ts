// The terminal source in-process: lines from a stream are journaled as src "stdin", replies go to the output, EOF stops only this source.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { CollectorServer } from '../../src/collector/server.js';
import { StdinSource } from '../../src/collector/stdin-source.js';
import { openJournal } from '../../src/journal/journal.js';
import { silentLog } from '../../src/logger.js';
import { exchange, readJournal, tempDir } from '../helpers/collect.js';

test('stdin lines are journaled as src "stdin" and answered on the output; EOF leaves the server running', async () => {
  const t = await tempDir();
  const file = path.join(t.dir, 'j.jsonl');
  const journal = await openJournal({ path: file });
  const server = new CollectorServer({ port: 0, maxMessage: 10 }, journal, silentLog);
  const { port } = await server.listen();
  after(async () => {
    server.closable.stopAccepting?.();
    await server.closable.drain?.(Date.now() + 2000);
    await journal.close();
    await t.cleanup();
  });
  const input = new PassThrough();
  const output = new PassThrough();
  let out = '';
  output.setEncoding('utf8');
  output.on('data', (d: string) => (out += d));
  const logs: string[] = [];
  const stdin = new StdinSource(server.batcher, server.opts, input, output, (l) => logs.push(l));
  stdin.start();
  input.write('typed line\r\n');
  input.write('\n');
  input.write('much too long line\ntail');
  input.end();
  await once(input, 'end');
  while (out.split('\n').length < 4) await new Promise((r) => setTimeout(r, 10));
  assert.equal(out, 'ok 1\nerror ERR_MESSAGE_TOO_LONG message longer than 10 bytes\nok 2\n');
  const records = await readJournal(file);
  assert.deepEqual(
    records.map((r) => [r.src, r.msg, r.partial ?? false]),
    [
      ['stdin', 'typed line', false],
      ['stdin', 'tail', true],
    ],
  );
  assert.match(logs.join('\n'), /stdin closed/);
  const { replies } = await exchange(port, 'tcp ok\n', { halfClose: true });
  assert.deepEqual(replies, ['ok 3']);
});
