// src/http/ depends one way (issue 15): features → static → core, and nothing there imports src/web/ or src/cli/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const httpDir = fileURLToPath(new URL('../../../src/http/', import.meta.url));
const RANK: Record<string, number> = { core: 0, static: 1, features: 2 };

test('src/http holds only its three layer folders, and each imports only its own layer or a lower one', async () => {
  const top = await readdir(httpDir, { withFileTypes: true });
  assert.deepEqual(top.filter((e) => e.isFile()).map((e) => e.name), [], 'no file at the top of src/http');
  assert.deepEqual(top.filter((e) => e.isDirectory()).map((e) => e.name).sort(), ['core', 'features', 'static']);
  const wrong: string[] = [];
  for (const layer of Object.keys(RANK)) {
    for (const name of await readdir(path.join(httpDir, layer))) {
      const text = await readFile(path.join(httpDir, layer, name), 'utf8');
      for (const m of text.matchAll(/from '(\.[^']+)'/g)) {
        const target = path.resolve(httpDir, layer, m[1]!);
        const rel = path.relative(httpDir, target).split(path.sep);
        if (rel[0] === '..') {
          if (rel[1] === 'web' || rel[1] === 'cli') wrong.push(`${layer}/${name} → ${m[1]}`);
          continue;
        }
        if ((RANK[rel[0]!] ?? 99) > RANK[layer]!) wrong.push(`${layer}/${name} → ${m[1]}`);
      }
    }
  }
  assert.deepEqual(wrong, []);
});
