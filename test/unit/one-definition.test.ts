// Defaults typed once (issue 15): a constant shared by two subsystems is defined in one neutral module, never again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LINGER_MS } from '../../src/lifecycle.js';

const srcDir = fileURLToPath(new URL('../../../src/', import.meta.url));

async function sources(): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(srcDir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith('.ts')) out.push(path.relative(srcDir, path.join(e.parentPath, e.name)));
  }
  return out;
}

test('one LINGER_MS: lifecycle.ts defines the only linger time, and the collector and the HTTP core both import it', async () => {
  assert.ok(LINGER_MS > 0);
  const definers: string[] = [];
  const users: string[] = [];
  for (const rel of await sources()) {
    const text = await readFile(path.join(srcDir, rel), 'utf8');
    if (/\bconst\s+LINGER(?:_TIMEOUT)?_MS\s*=/.test(text)) definers.push(rel);
    if (/import \{[^}]*\bLINGER_MS\b[^}]*\} from '[./]+lifecycle\.js'/.test(text)) users.push(rel.split(path.sep)[0]!);
  }
  assert.deepEqual(definers, ['lifecycle.ts']);
  assert.ok(users.includes('collector') && users.includes('http'), `importers: ${users.join(', ')}`);
});
