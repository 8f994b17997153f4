// README and docs/cli.md say exactly which serve flags `up` refuses (issue 15: they said "every flag" while up refused four).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { spec as serveSpec } from '../../src/cli/commands/serve.js';
import { spec as upSpec } from '../../src/cli/commands/up.js';

const read = (rel: string): Promise<string> => readFile(new URL(`../../../${rel}`, import.meta.url), 'utf8');

/** Flags `up` lists only to refuse them with a reason (their description starts with "Refused"). */
function refusedByUp(): string[] {
  return Object.entries(upSpec.options)
    .filter(([, o]) => o.description.startsWith('Refused'))
    .map(([name]) => name)
    .sort();
}

test('up takes every serve flag, or lists it to refuse it with a reason', () => {
  const missing = Object.keys(serveSpec.options).filter((name) => upSpec.options[name] === undefined);
  assert.deepEqual(missing, [], 'serve flags up does not even parse');
  assert.deepEqual(refusedByUp(), ['workers']);
});

test('docs/cli.md (up section) and README name exactly the serve flags up refuses', async () => {
  const cli = await read('docs/cli.md');
  const up = cli.slice(cli.indexOf('## muxd up'));
  const flagsLine = /\*\*Flags\.\*\* Every flag of \[`muxd serve`\]\(#muxd-serve\) except ((?:`--[a-z-]+`(?:, | and )?)+)/.exec(up.replace(/\n/g, ' '));
  assert.ok(flagsLine, 'docs/cli.md up section states its exceptions');
  assert.deepEqual([...flagsLine[1]!.matchAll(/`--([a-z-]+)`/g)].map((m) => m[1]).sort(), refusedByUp());
  const readme = (await read('README.md')).replace(/\n/g, ' ');
  const line = /`up` takes every flag of `serve` but ((?:`--[a-z-]+`(?:, | and )?)+)/.exec(readme);
  assert.ok(line, 'README states the exceptions');
  assert.deepEqual([...line[1]!.matchAll(/`--([a-z-]+)`/g)].map((m) => m[1]).sort(), refusedByUp());
});
