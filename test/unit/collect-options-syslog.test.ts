// The collect flags of issue 9: --framing choices and default, --syslog only with the json format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectConfigFrom } from '../../src/collector/options.js';

test('--framing defaults to auto and takes lf and octet; anything else is an option error', () => {
  assert.equal(collectConfigFrom({}).collector.framing, 'auto');
  assert.equal(collectConfigFrom({ framing: 'lf' }).collector.framing, 'lf');
  assert.equal(collectConfigFrom({ framing: 'octet' }).collector.framing, 'octet');
  assert.throws(() => collectConfigFrom({ framing: 'rfc6587' }), { code: 'ERR_INVALID_OPTION' });
});

test('--syslog is off by default and needs --format json', () => {
  assert.equal(collectConfigFrom({}).journal.syslog, false);
  assert.equal(collectConfigFrom({ syslog: true }).journal.syslog, true);
  assert.throws(() => collectConfigFrom({ syslog: true, format: 'raw' }), { code: 'ERR_INVALID_OPTION', message: /--syslog needs --format json/ });
});
