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

test('the HTTP column of docs/errors.md matches ERROR_TABLE, row by row', async () => {
  const doc = await readFile(docsUrl, 'utf8');
  const rows = [...doc.matchAll(/^\| `(ERR_[A-Z_]+)` \|[^|]*\| ([^|]+?) \|/gm)].map((m) => [m[1]!, m[2]!] as const);
  assert.equal(rows.length, Object.values(errors.ErrorCode).length);
  for (const [code, column] of rows) {
    const status = errors.ERROR_TABLE[code as errors.ErrorCodeValue].status;
    if (status === undefined) assert.equal(column, '–', `${code} has no HTTP status in src/errors.ts but docs/errors.md says ${column}`);
    else assert.equal(column, String(status), `${code}: docs/errors.md says ${column}, src/errors.ts says ${status}`);
  }
  for (const code of Object.keys(errors.ERROR_TABLE)) {
    assert.ok(Object.values(errors.ErrorCode).includes(code as errors.ErrorCodeValue), `${code} in ERROR_TABLE is not a code`);
  }
  assert.equal(errors.httpStatusOf('ERR_HOST_NOT_ALLOWED'), 403);
  assert.equal(errors.httpStatusOf('ERR_INTERNAL'), 500);
  assert.equal(errors.httpStatusOf('ERR_USAGE'), 500, 'a code with no HTTP meaning is a server error');
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
  // Regression: an unexpected exception used to be reported as ERR_IO, which tells a client to resend.
  assert.equal(errors.codeOf(new Error('x')), 'ERR_INTERNAL');
  assert.equal(errors.codeOf(new errors.IoError('fdatasync failed')), 'ERR_IO');
});

test('one table per code (issue 15): every code has a default message in ERROR_TABLE, and classes raised without one carry it', () => {
  for (const code of Object.values(errors.ErrorCode)) {
    const row = errors.ERROR_TABLE[code];
    assert.ok(row !== undefined && row.message.length > 0, `${code} has no default message`);
    assert.equal(errors.defaultMessageOf(code), row.message);
  }
  const bare: errors.MuxdError[] = [
    new errors.BusyError(), new errors.BadPathError(), new errors.NotFoundError(), new errors.MethodNotAllowedError('GET'),
    new errors.UnsupportedMediaTypeError(),
    new errors.BadRequestError(), new errors.UnauthorizedError(), new errors.FileExistsError(), new errors.ForbiddenOriginError(),
    new errors.HostNotAllowedError(), new errors.ConnectionClosedError(), new errors.ConnectFailedError(),
    new errors.BadGatewayError(), new errors.GatewayTimeoutError(), new errors.SinkUnavailableError(),
    new errors.MuxdError(errors.ErrorCode.SHUTTING_DOWN),
  ];
  for (const e of bare) assert.equal(e.message, errors.ERROR_TABLE[e.code].message, `${e.name} does not take its message from the table`);
  assert.equal(new errors.NotFoundError('gone').message, 'gone', 'a given message still wins');
  assert.equal(errors.defaultMessageOf('ERR_NO_SUCH_CODE'), errors.ERROR_TABLE.ERR_INTERNAL.message);
});
