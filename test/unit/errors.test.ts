// Keeps src/errors.ts and docs/errors.md in sync, and pins the error class contract.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import * as errors from '../../src/errors.js';

const docsUrl = new URL('../../../docs/errors.md', import.meta.url);

test('every error code is documented in docs/errors.md, and every documented code exists', async () => {
  const doc = await readFile(docsUrl, 'utf8');
  const documented = new Set([...doc.matchAll(/^\| `(ERR_[A-Z_]+)` \|/gm)].map((m) => m[1]));
  const defined = new Set(Object.values(errors.ErrorCode));
  assert.ok(defined.size > 10);
  for (const code of defined) assert.ok(documented.has(code), `${code} is missing from docs/errors.md`);
  for (const code of documented) assert.ok(defined.has(code as errors.ErrorCodeValue), `${code} is documented but not defined`);
});

test('every exported error class has a stable code, its own name and keeps its cause', () => {
  const classes = Object.values(errors).filter(
    (v): v is typeof errors.MuxdError => typeof v === 'function' && v.prototype instanceof errors.MuxdError,
  );
  assert.ok(classes.length >= 20);
  const codes = new Set(Object.values(errors.ErrorCode));
  for (const Cls of classes) {
    const e = new (Cls as unknown as new (...a: unknown[]) => errors.MuxdError)(1);
    assert.ok(codes.has(e.code), `${Cls.name} has unknown code ${e.code}`);
    assert.equal(e.name, Cls.name);
  }
  const cause = new Error('disk');
  assert.equal(new errors.IoError('write failed', { cause }).cause, cause);
  assert.equal(errors.codeOf(new errors.BusyError()), 'ERR_BUSY');
  assert.equal(errors.codeOf(new Error('x')), 'ERR_IO');
});
