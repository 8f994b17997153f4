// splitLines, the line splitter of the file-set reader (plain and gzip files): byte by byte, random splits, no views kept, and fileLines' edges.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileLines, splitLines } from '../../src/journal/file-set.js';
import { tempDir } from '../helpers/collect.js';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups) await c();
});

const INPUT = Buffer.from('{"seq":1}\n\n{"seq":2,"msg":"é"}\nlonger line with bytes \u00ff\u0000 inside\n{"seq":3}\nunfinished');
const WANT = ['{"seq":1}', '', '{"seq":2,"msg":"é"}', 'longer line with bytes \u00ff\u0000 inside', '{"seq":3}'];

/** Splits `chunks` in order; each chunk is overwritten with 0x7e right after its push, to prove nothing keeps a view into it. */
function run(chunks: Buffer[]): { lines: string[]; rest: string | null } {
  const lines: string[] = [];
  let carry: Buffer | null = null;
  for (const c of chunks) {
    const own = Buffer.from(c);
    carry = splitLines(carry, own, (l) => lines.push(l.toString('utf8')));
    own.fill(0x7e);
  }
  return { lines, rest: carry === null ? null : carry.toString('utf8') };
}

test('splitLines: whole input, one byte at a time, and 200 random splits give the same lines and the same unfinished rest', () => {
  const whole = run([INPUT]);
  assert.deepEqual(whole, { lines: WANT, rest: 'unfinished' });
  assert.deepEqual(run([...INPUT].map((b) => Buffer.from([b]))), whole);
  let seed = 7;
  const rand = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  for (let i = 0; i < 200; i++) {
    const chunks: Buffer[] = [];
    for (let at = 0; at < INPUT.length; ) {
      const len = 1 + rand(12);
      chunks.push(INPUT.subarray(at, at + len));
      at += len;
    }
    assert.deepEqual(run(chunks), whole, `split ${i}`);
  }
});

test('splitLines: input ending on an LF leaves no rest; an empty chunk changes nothing', () => {
  assert.deepEqual(run([Buffer.from('a\nb\n'), Buffer.alloc(0)]), { lines: ['a', 'b'], rest: null });
});

test('fileLines: plain and gzip give the same non-empty lines; the unfinished tail is dropped or kept as asked; an overlong line is skipped', async () => {
  const t = await tempDir('muxd-lines-');
  cleanups.push(t.cleanup);
  const plain = path.join(t.dir, 'p');
  const gz = path.join(t.dir, 'p.gz');
  // Longer than one read (256 KiB) and than the gzip stream's chunks: the unfinished-line cap is what skips it.
  const long = `${'x'.repeat(300_000)}\n`;
  await writeFile(plain, Buffer.concat([Buffer.from(long), INPUT]));
  await writeFile(gz, gzipSync(Buffer.concat([Buffer.from(long), INPUT])));
  const read = async (file: string, compressed: boolean, o: Parameters<typeof fileLines>[2]): Promise<string[]> => {
    const fh = await open(file, 'r');
    try {
      const out: string[] = [];
      for await (const batch of fileLines(fh, compressed, o)) for (const l of batch) out.push(l.toString('utf8'));
      return out;
    } finally {
      await fh.close();
    }
  };
  const nonEmpty = WANT.filter((l) => l !== '');
  for (const compressed of [false, true]) {
    const file = compressed ? gz : plain;
    assert.deepEqual(await read(file, compressed, { maxLineBytes: 100_000 }), nonEmpty, `${file}: the 300,000-byte line is skipped, the tail dropped`);
    assert.deepEqual(await read(file, compressed, { unfinished: 'keep' }), ['x'.repeat(300_000), ...nonEmpty, 'unfinished']);
  }
});
