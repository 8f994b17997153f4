// MUXD_* variables scoped per command: scoped names beat short ones, a short name never reaches a command whose flag means something else, errors name the variable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { explainOrigins, parseCommand } from '../../src/cli/args.js';
import type { CommandSpec } from '../../src/cli/args.js';
import { SHORT_NAME_COMMANDS, envNamesFor } from '../../src/cli/env.js';
import { spec as serve } from '../../src/cli/commands/serve.js';
import { spec as collect } from '../../src/cli/commands/collect.js';
import { spec as up } from '../../src/cli/commands/up.js';
import { spec as send } from '../../src/cli/commands/send.js';
import { spec as tail } from '../../src/cli/commands/tail.js';
import { spec as bench } from '../../src/cli/commands/bench.js';
import { spec as hashPassword } from '../../src/cli/commands/hash-password.js';
import { InvalidOptionError } from '../../src/errors.js';
import { intOption } from '../../src/options.js';

const all: CommandSpec[] = [serve, collect, up, send, tail, bench, hashPassword];
// No muxd.json lives in the temp folder, so only flags and variables count.
const cwd = os.tmpdir();
const parse = (spec: CommandSpec, argv: string[], env: NodeJS.ProcessEnv) => parseCommand(spec, argv, env, cwd);

test('issue 15: MUXD_TLS=auto, meant for serve, made `muxd send` exit 2; send reads only MUXD_SEND_TLS', () => {
  const p = parse(send, ['6666'], { MUXD_TLS: 'auto' });
  assert.equal(p.values.tls, undefined);
  assert.equal(parse(send, ['6666'], { MUXD_SEND_TLS: '1', MUXD_TLS: 'auto' }).values.tls, true);
  assert.throws(() => parse(send, ['6666'], { MUXD_SEND_TLS: 'auto' }), (e: Error) => e instanceof InvalidOptionError && /^MUXD_SEND_TLS must be true or false/.test(e.message));
  assert.equal(parse(serve, [], { MUXD_TLS: 'auto' }).values.tls, 'auto', 'serve still reads the short name');
  assert.equal(parse(up, [], { MUXD_TLS: 'auto' }).values.tls, 'auto');
});

test('issue 15: MUXD_PORT changed the port of every command, bench collect included; now only the HTTP servers read it', () => {
  const env = { MUXD_PORT: '9000' };
  assert.equal(parse(bench, ['collect'], env).values.port, '6666');
  assert.equal(parse(collect, [], env).values.port, '6666');
  assert.equal(parse(serve, [], env).values.port, '9000');
  assert.equal(parse(up, [], env).values.port, '9000');
  assert.equal(parse(up, [], env).values['collect-port'], '6666', "up's collector port is not the HTTP port");
  assert.equal(parse(bench, ['collect'], { ...env, MUXD_BENCH_PORT: '7001' }).values.port, '7001');
  assert.equal(parse(collect, [], { ...env, MUXD_COLLECT_PORT: '7002' }).values.port, '7002');
});

test('a scoped MUXD_<COMMAND>_<FLAG> beats the short MUXD_<FLAG>; up reads MUXD_UP_* over MUXD_SERVE_* and MUXD_COLLECT_*', () => {
  assert.equal(parse(serve, [], { MUXD_PORT: '9000', MUXD_SERVE_PORT: '9001' }).values.port, '9001');
  assert.equal(parse(serve, ['--port', '9002'], { MUXD_SERVE_PORT: '9001' }).values.port, '9002', 'a flag still wins');
  assert.equal(parse(up, [], { MUXD_PORT: '9000', MUXD_SERVE_PORT: '9001' }).values.port, '9001');
  assert.equal(parse(up, [], { MUXD_SERVE_PORT: '9001', MUXD_UP_PORT: '9003' }).values.port, '9003');
  // collect's port is up's --collect-port, as in the config file; the same variable sets the collector's port in both commands.
  assert.equal(parse(up, [], { MUXD_COLLECT_PORT: '7000' }).values['collect-port'], '7000');
  assert.equal(parse(up, [], { MUXD_COLLECT_PORT: '7000', MUXD_UP_COLLECT_PORT: '7001' }).values['collect-port'], '7001');
  assert.equal(parse(up, [], { MUXD_COLLECT_HOST: '127.0.0.2' }).values['collect-host'], '127.0.0.2');
  assert.equal(parse(up, [], { MUXD_COLLECT_HOST: '127.0.0.2' }).values.host, '127.0.0.1');
  // collect's TLS files are up's collector ones, never its HTTPS ones.
  const tls = parse(up, [], { MUXD_COLLECT_TLS_CERT: 'c.pem', MUXD_COLLECT_TLS_KEY: 'k.pem' });
  assert.equal(tls.values['collect-tls-cert'], 'c.pem');
  assert.equal(tls.values['tls-cert'], undefined);
  assert.equal(parse(up, [], { MUXD_COLLECT_MAX_CONNS: '5' }).values['max-conns'], '10000', "collect's max-conns is not up's");
  // Flags whose name means one thing everywhere keep their short name.
  assert.equal(parse(collect, [], { MUXD_NO_STDIN: '1' }).values['no-stdin'], true);
  assert.equal(parse(up, [], { MUXD_JOURNAL: 'j.jsonl' }).values.journal, 'j.jsonl');
  assert.equal(parse(tail, [], { MUXD_TAIL_LINES: 'all', MUXD_LINES: '3' }).values.lines, 'all');
  assert.deepEqual(envNamesFor('up', up.config!, 'collect-port'), ['MUXD_UP_COLLECT_PORT', 'MUXD_COLLECT_PORT']);
  assert.deepEqual(envNamesFor('bench', [{ name: 'bench', specs: bench.options }], 'port'), ['MUXD_BENCH_PORT']);
});

test('the origin of every value is kept, and an error about a value names the variable or the file key it came from', () => {
  const p = parse(serve, ['--cache', '5'], { MUXD_SERVE_PORT: 'abc', MUXD_LOG: 'json' });
  assert.deepEqual(p.origins.port, { kind: 'env', name: 'MUXD_SERVE_PORT' });
  assert.deepEqual(p.origins.log, { kind: 'env', name: 'MUXD_LOG' });
  assert.deepEqual(p.origins.cache, { kind: 'flag' });
  assert.deepEqual(p.origins.index, { kind: 'default' });
  let message = '';
  try {
    intOption(p.values, 'port', 0, 65535);
  } catch (err) {
    message = (err as Error).message;
  }
  assert.equal(explainOrigins(message, p.origins), 'MUXD_SERVE_PORT must be a whole number, not "abc"');
  assert.equal(explainOrigins('--cache must be small; see --port and --no-compress', p.origins), '--cache must be small; see MUXD_SERVE_PORT and --no-compress');
  assert.equal(explainOrigins('x --port', { port: { kind: 'file', file: 'muxd.json', key: 'serve.port' } }), 'x muxd.json: serve.port');
});

test('every flag name that two commands use for different settings says which commands its short variable belongs to', () => {
  const byName = new Map<string, Map<string, object>>();
  for (const spec of all) {
    for (const [flag, o] of Object.entries(spec.options)) {
      const seen = byName.get(flag) ?? new Map<string, object>();
      seen.set(spec.name, o);
      byName.set(flag, seen);
    }
  }
  for (const [flag, seen] of byName) {
    if (new Set(seen.values()).size > 1) assert.ok(flag in SHORT_NAME_COMMANDS, `--${flag} means different things in ${[...seen.keys()].join(', ')}: list it in SHORT_NAME_COMMANDS`);
  }
  for (const [flag, owners] of Object.entries(SHORT_NAME_COMMANDS)) {
    for (const owner of owners) assert.ok(byName.get(flag)?.has(owner), `SHORT_NAME_COMMANDS: ${owner} has no --${flag}`);
  }
});
