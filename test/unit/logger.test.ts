// Diagnostics: levels filter, text and JSON lines, error codes carried, settings applied to loggers made earlier.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { configureDiagnostics, createLogger, DEFAULT_DIAGNOSTICS, formatDiagnostic, formatFatal, levelEnabled } from '../../src/logger.js';
import { diagnosticsFrom } from '../../src/cli/diag-flags.js';
import { InvalidOptionError } from '../../src/errors.js';

afterEach(() => configureDiagnostics(DEFAULT_DIAGNOSTICS));

function capture(): { stream: PassThrough; lines: () => string[] } {
  const stream = new PassThrough();
  let out = '';
  stream.on('data', (c: Buffer) => (out += c.toString()));
  return { stream, lines: () => out.split('\n').filter((l) => l !== '') };
}

test('text: time, padded level, component; JSON: one object with the code a message names', () => {
  const t = new Date('2026-12-07T15:00:00.000Z');
  assert.equal(formatDiagnostic(t, 'warn', 'nats', 'publish failed', 'text'), '2026-12-07T15:00:00.000Z WARN  muxd nats: publish failed\n');
  assert.equal(formatDiagnostic(t, 'error', 'journal', 'x', 'text'), '2026-12-07T15:00:00.000Z ERROR muxd journal: x\n');
  assert.deepEqual(JSON.parse(formatDiagnostic(t, 'warn', 'collect', '3 messages answered ERR_SINK_UNAVAILABLE: no ack', 'json')), {
    timestamp: '2026-12-07T15:00:00.000Z',
    level: 'warn',
    component: 'collect',
    message: '3 messages answered ERR_SINK_UNAVAILABLE: no ack',
    code: 'ERR_SINK_UNAVAILABLE',
  });
  assert.equal('code' in JSON.parse(formatDiagnostic(t, 'info', 'c', 'no code "here"\nsecond line', 'json')), false);
  assert.equal(formatDiagnostic(t, 'info', 'c', 'a\nb', 'json').split('\n').length, 2, 'one line per event, even for a message with LF');
});

test('a level keeps itself and the more severe ones; a bare log() is info', () => {
  const c = capture();
  const log = createLogger('t', c.stream);
  configureDiagnostics({ level: 'warn' });
  assert.deepEqual([levelEnabled('error'), levelEnabled('warn'), levelEnabled('info'), levelEnabled('debug')], [true, true, false, false]);
  log('startup');
  log('careful', 'warn');
  log('broken', 'error');
  log('noise', 'debug');
  configureDiagnostics({ level: 'debug', format: 'json' });
  log('noise', 'debug');
  log('startup');
  const lines = c.lines();
  assert.equal(lines.length, 4, lines.join('\n'));
  assert.match(lines[0]!, / WARN {2}muxd t: careful$/);
  assert.match(lines[1]!, / ERROR muxd t: broken$/);
  assert.deepEqual(lines.slice(2).map((l) => (JSON.parse(l) as { level: string }).level), ['debug', 'info']);
});

test('the fatal line: "muxd: …" as text, a JSON error object under --diag-format json', () => {
  assert.equal(formatFatal('no journal (ERR_IO)', 'text'), 'muxd: no journal (ERR_IO)\n');
  const o = JSON.parse(formatFatal('no journal (ERR_IO)', 'json')) as Record<string, string>;
  assert.deepEqual([o.level, o.component, o.message, o.code], ['error', 'main', 'no journal (ERR_IO)', 'ERR_IO']);
});

test('flags win over MUXD_LOG_LEVEL / MUXD_DIAG_FORMAT, which win over the defaults; bad values are named', () => {
  assert.deepEqual(diagnosticsFrom({}, {}), { level: 'info', format: 'text' });
  assert.deepEqual(diagnosticsFrom({}, { MUXD_LOG_LEVEL: 'debug', MUXD_DIAG_FORMAT: 'json' }), { level: 'debug', format: 'json' });
  assert.deepEqual(diagnosticsFrom({ 'log-level': 'error', 'diag-format': 'text' }, { MUXD_LOG_LEVEL: 'debug', MUXD_DIAG_FORMAT: 'json' }), { level: 'error', format: 'text' });
  assert.throws(() => diagnosticsFrom({ 'log-level': 'verbose' }, {}), (e: unknown) => e instanceof InvalidOptionError && /--log-level must be one of error, warn, info, debug, not "verbose"/.test(e.message));
  assert.throws(() => diagnosticsFrom({}, { MUXD_DIAG_FORMAT: 'xml' }), /--diag-format must be one of text, json/);
});
