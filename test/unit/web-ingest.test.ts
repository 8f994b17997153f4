// Parsing of POST /_muxd/messages bodies: media types, text lines exactly like TCP, JSON shapes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MuxdError } from '../../src/errors.js';
import { bodyKind, parseJsonBody, parseTextBody } from '../../src/web/ingest.js';

const show = (slots: Array<Buffer | MuxdError>): string[] => slots.map((s) => (Buffer.isBuffer(s) ? s.toString() : s.code));

describe('ingest parsing', () => {
  it('bodyKind accepts text/plain, JSON and no type; refuses the rest', () => {
    assert.equal(bodyKind(undefined), 'text');
    assert.equal(bodyKind('text/plain'), 'text');
    assert.equal(bodyKind('text/plain; charset=UTF-8'), 'text');
    assert.equal(bodyKind('application/json'), 'json');
    assert.equal(bodyKind('application/json; charset=utf-8'), 'json');
    assert.equal(bodyKind('application/octet-stream'), null);
    assert.equal(bodyKind('image/png'), null);
    assert.equal(bodyKind('multipart/form-data; boundary=x'), null);
    assert.equal(bodyKind('text/plain; charset=latin1'), null);
  });

  it('text: LF framing, CR stripped, empty lines skipped, last line without LF kept, long lines refused', () => {
    assert.deepEqual(show(parseTextBody(Buffer.from('a\r\n\nb\nlast'), 8)), ['a', 'b', 'last']);
    assert.deepEqual(show(parseTextBody(Buffer.from('short\n123456789\nok'), 8)), ['short', 'ERR_MESSAGE_TOO_LONG', 'ok']);
    assert.deepEqual(show(parseTextBody(Buffer.from('12345678\r\n'), 8)), ['12345678'], 'exactly the cap plus CR is fine');
    assert.deepEqual(show(parseTextBody(Buffer.from('\n\n'), 8)), []);
    const bad = parseTextBody(Buffer.from([0xff, 0xfe, 0x0a]), 8);
    assert.deepEqual(bad, [Buffer.from([0xff, 0xfe])], 'invalid UTF-8 is passed on losslessly');
  });

  it('json: msg, messages and arrays; each must be a non-empty string without newline', () => {
    assert.deepEqual(show(parseJsonBody(Buffer.from('{"msg":"hi"}'), 8).slots), ['hi']);
    assert.equal(parseJsonBody(Buffer.from('{"msg":"hi"}'), 8).single, true);
    assert.deepEqual(show(parseJsonBody(Buffer.from('{"messages":["a","b"]}'), 8).slots), ['a', 'b']);
    assert.deepEqual(show(parseJsonBody(Buffer.from('["a","123456789",3,"x\\ny"]'), 8).slots), ['a', 'ERR_MESSAGE_TOO_LONG', 'ERR_BAD_REQUEST', 'ERR_BAD_REQUEST']);
    assert.throws(() => parseJsonBody(Buffer.from('{nope'), 8), { code: 'ERR_BAD_REQUEST' });
    assert.throws(() => parseJsonBody(Buffer.from('{"other":1}'), 8), { code: 'ERR_BAD_REQUEST' });
  });
});
