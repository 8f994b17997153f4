// Pins RFC 9110 precondition evaluation: list and weak matching, `*`, dates, order of checks, If-Range.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluatePreconditions, ifRangeHolds, parseEtagList, Precondition, strongMatch, weakMatch } from '../../src/http/static/conditional.js';

const etag = '"abc-1"';
const mtimeMs = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT') + 456; // sub-second part must be ignored
const v = { etags: [etag, '"abc-1-br"'], mtimeMs };
const lm = 'Wed, 21 Oct 2015 07:28:00 GMT';
const later = 'Wed, 21 Oct 2015 07:28:01 GMT';
const earlier = 'Wed, 21 Oct 2015 07:27:59 GMT';

test('parseEtagList splits lists, keeps W/ and *, tolerates spaces', () => {
  assert.deepEqual(parseEtagList('"a", W/"b" ,"c,d",*'), ['"a"', 'W/"b"', '"c,d"', '*']);
  assert.deepEqual(parseEtagList('*'), ['*']);
  assert.deepEqual(parseEtagList(''), []);
  assert.deepEqual(parseEtagList('garbage'), []);
});

test('strong and weak comparison follow RFC 9110 §8.8.3.2', () => {
  assert.equal(strongMatch('"1"', '"1"'), true);
  assert.equal(strongMatch('W/"1"', '"1"'), false);
  assert.equal(strongMatch('W/"1"', 'W/"1"'), false);
  assert.equal(weakMatch('W/"1"', '"1"'), true);
  assert.equal(weakMatch('W/"1"', 'W/"2"'), false);
});

test('If-None-Match: a match in a list, weak form or * gives 304 for GET and HEAD', () => {
  for (const h of [etag, `"x", ${etag}`, `W/${etag}`, '*', '"abc-1-br"', `"nope",W/"abc-1"`]) {
    assert.equal(evaluatePreconditions('GET', { 'if-none-match': h }, v), Precondition.NOT_MODIFIED, h);
    assert.equal(evaluatePreconditions('HEAD', { 'if-none-match': h }, v), Precondition.NOT_MODIFIED, h);
  }
  assert.equal(evaluatePreconditions('GET', { 'if-none-match': '"other"' }, v), Precondition.PROCEED);
});

test('If-None-Match takes precedence over If-Modified-Since', () => {
  assert.equal(evaluatePreconditions('GET', { 'if-none-match': '"other"', 'if-modified-since': later }, v), Precondition.PROCEED);
});

test('If-Modified-Since gives 304 at or after the mtime (second precision), proceeds before it or when invalid', () => {
  assert.equal(evaluatePreconditions('GET', { 'if-modified-since': lm }, v), Precondition.NOT_MODIFIED);
  assert.equal(evaluatePreconditions('GET', { 'if-modified-since': later }, v), Precondition.NOT_MODIFIED);
  assert.equal(evaluatePreconditions('GET', { 'if-modified-since': earlier }, v), Precondition.PROCEED);
  assert.equal(evaluatePreconditions('GET', { 'if-modified-since': 'not a date' }, v), Precondition.PROCEED);
});

test('If-Match: strong match proceeds, * proceeds, weak or missing tag fails with 412', () => {
  assert.equal(evaluatePreconditions('GET', { 'if-match': etag }, v), Precondition.PROCEED);
  assert.equal(evaluatePreconditions('GET', { 'if-match': `"x", ${etag}` }, v), Precondition.PROCEED);
  assert.equal(evaluatePreconditions('GET', { 'if-match': '*' }, v), Precondition.PROCEED);
  assert.equal(evaluatePreconditions('GET', { 'if-match': `W/${etag}` }, v), Precondition.FAILED);
  assert.equal(evaluatePreconditions('GET', { 'if-match': '"other"' }, v), Precondition.FAILED);
});

test('If-Unmodified-Since fails when modified after the date; ignored when If-Match is present', () => {
  assert.equal(evaluatePreconditions('GET', { 'if-unmodified-since': earlier }, v), Precondition.FAILED);
  assert.equal(evaluatePreconditions('GET', { 'if-unmodified-since': lm }, v), Precondition.PROCEED);
  assert.equal(evaluatePreconditions('GET', { 'if-unmodified-since': 'garbage' }, v), Precondition.PROCEED);
  assert.equal(evaluatePreconditions('GET', { 'if-match': etag, 'if-unmodified-since': earlier }, v), Precondition.PROCEED);
});

test('412 wins over 304 (If-Match is checked first)', () => {
  assert.equal(evaluatePreconditions('GET', { 'if-match': '"other"', 'if-none-match': etag }, v), Precondition.FAILED);
});

test('If-Range: strong equal ETag or exact date holds; weak ETag, other tag or other date does not', () => {
  assert.equal(ifRangeHolds(undefined, etag, mtimeMs), true);
  assert.equal(ifRangeHolds(etag, etag, mtimeMs), true);
  assert.equal(ifRangeHolds(`W/${etag}`, etag, mtimeMs), false);
  assert.equal(ifRangeHolds('"other"', etag, mtimeMs), false);
  assert.equal(ifRangeHolds(lm, etag, mtimeMs), true);
  assert.equal(ifRangeHolds(later, etag, mtimeMs), false);
  assert.equal(ifRangeHolds('nonsense', etag, mtimeMs), false);
});
