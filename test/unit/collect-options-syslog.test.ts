// The collect flags of issue 9: --framing choices and default, --syslog only with the json format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectConfigFrom } from '../../src/collector/options.js';
import { InvalidOptionError } from '../../src/errors.js';

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

test('--format raw takes LF lines only (regression: octet, RELP and UDP messages with LF split into several raw lines)', () => {
  assert.equal(collectConfigFrom({ format: 'raw' }).collector.framing, 'lf', 'raw defaults to lf, not auto');
  assert.equal(collectConfigFrom({ format: 'raw', framing: 'lf' }).collector.framing, 'lf');
  for (const bad of [{ framing: 'auto' }, { framing: 'octet' }, { 'relp-port': '0' }, { 'udp-port': '0' }]) {
    assert.throws(() => collectConfigFrom({ format: 'raw', ...bad }), InvalidOptionError, JSON.stringify(bad));
  }
  assert.equal(collectConfigFrom({ 'udp-port': '0' }).collector.udpPort, 0, 'json journals take every input');
});
