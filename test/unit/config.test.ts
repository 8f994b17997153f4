// The config file: precedence (flag > MUXD_* > muxd.json > default), unknown keys named, up's sections, and the schema in sync.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseCommand } from '../../src/cli/args.js';
import { spec as serve } from '../../src/cli/commands/serve.js';
import { spec as collect } from '../../src/cli/commands/collect.js';
import { spec as up } from '../../src/cli/commands/up.js';
import { configSchema } from '../../src/config.js';
import { InvalidOptionError, UsageError } from '../../src/errors.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'muxd-config-'));
});
after(() => rm(dir, { recursive: true, force: true }));

async function withConfig(name: string, value: unknown): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

test('precedence: flag, then MUXD_* variable, then muxd.json in the working directory, then the default', async () => {
  await withConfig('muxd.json', { serve: { log: 'json', cache: '60', listing: true, header: ['X-A: file'] } });
  const fromFile = parseCommand(serve, [], {}, dir);
  assert.equal(fromFile.configFile, 'muxd.json');
  assert.equal(fromFile.config?.discovered, true);
  assert.equal(fromFile.config?.path, path.join(dir, 'muxd.json'));
  assert.equal(fromFile.values.log, 'json');
  assert.deepEqual(fromFile.origins.log, { kind: 'file', file: 'muxd.json', key: 'serve.log' });
  assert.equal(fromFile.values.listing, true);
  assert.deepEqual(fromFile.values.header, ['X-A: file']);
  assert.equal(fromFile.values['max-conns'], '10000', 'untouched keys keep their default');
  const fromEnv = parseCommand(serve, [], { MUXD_LOG: 'off', MUXD_HEADER: 'X-A: env\nX-B: env' }, dir);
  assert.equal(fromEnv.values.log, 'off');
  assert.deepEqual(fromEnv.values.header, ['X-A: env', 'X-B: env'], 'a repeatable flag takes one value per line of its variable');
  assert.equal(fromEnv.values.cache, '60');
  const fromFlag = parseCommand(serve, ['--log', 'common', '--header', 'X-A: 1', '--header', 'X-B: 2'], { MUXD_LOG: 'off' }, dir);
  assert.equal(fromFlag.values.log, 'common');
  assert.deepEqual(fromFlag.values.header, ['X-A: 1', 'X-B: 2']);
  await rm(path.join(dir, 'muxd.json'));
  assert.equal(parseCommand(serve, [], {}, dir).configFile, null, 'no muxd.json: no config, no error');
});

test('issue 15: a muxd.json nobody named turned a loopback serve into one any web page could read .env from; a discovered file may set presentation and limits only', async () => {
  const refused: [unknown, RegExp][] = [
    [{ serve: { 'allowed-hosts': 'all' } }, /may not set serve\.allowed-hosts; name it with --config muxd\.json/],
    [{ serve: { cors: '*' } }, /serve\.cors/],
    [{ serve: { dotfiles: 'allow' } }, /serve\.dotfiles/],
    [{ serve: { host: '0.0.0.0' } }, /serve\.host/],
    [{ serve: { port: 8080 } }, /serve\.port/],
    [{ serve: { tls: 'auto' } }, /serve\.tls/],
    [{ serve: { auth: 'a:b' } }, /serve\.auth/],
    [{ serve: { upload: true } }, /serve\.upload/],
    [{ serve: { proxy: '/x=http://169.254.169.254' } }, /serve\.proxy/],
    [{ serve: { header: 'Access-Control-Allow-Origin: *' } }, /serve\.header may not set Access-Control-Allow-Origin/],
    [{ serve: { headers: { '/**': { 'access-control-allow-origin': '*' } } } }, /serve\.headers may not set access-control-allow-origin/],
    [{ serve: { header: ['X-A: 1', 'Content-Security-Policy: default-src *'] } }, /serve\.header may not set Content-Security-Policy/],
    [{ collect: { journal: '/home/x/.bashrc' } }, /collect\.journal/],
    [{ collect: { sink: 'nats://evil.example:4222' } }, /collect\.sink/],
    [{ up: { token: 'known' } }, /up\.token/],
  ];
  for (const [content, message] of refused) {
    await withConfig('muxd.json', content);
    const spec = 'collect' in (content as object) ? collect : 'up' in (content as object) ? up : serve;
    assert.throws(() => parseCommand(spec, [], {}, dir), (e: Error) => e instanceof InvalidOptionError && message.test(e.message), String(message));
    // Named with --config (or MUXD_CONFIG), the same file is trusted with every key.
    assert.doesNotThrow(() => parseCommand(spec, ['--config', 'muxd.json'], {}, dir), String(message));
    assert.doesNotThrow(() => parseCommand(spec, [], { MUXD_CONFIG: path.join(dir, 'muxd.json') }, dir), String(message));
  }
  await withConfig('muxd.json', { serve: { listing: true, cache: 60, header: 'X-Frame-Options: DENY', headers: { '/a/**': { 'Cache-Control': 'no-store' } } }, collect: { syslog: true } });
  assert.equal(parseCommand(serve, [], {}, dir).values.listing, true);
  assert.equal(parseCommand(collect, [], {}, dir).values.syslog, true);
  await rm(path.join(dir, 'muxd.json'));
});

test('--config FILE (or MUXD_CONFIG) names the file, which must then exist', async () => {
  const file = await withConfig('other.json', { collect: { port: 7777, 'no-stdin': true } });
  assert.equal(parseCommand(collect, ['--config', file], {}, dir).values.port, '7777');
  assert.equal(parseCommand(collect, [], { MUXD_CONFIG: file }, dir).values['no-stdin'], true);
  assert.throws(() => parseCommand(collect, ['--config', path.join(dir, 'missing.json')], {}, dir), (e: Error) => e instanceof InvalidOptionError && /cannot read/.test(e.message));
  assert.throws(() => parseCommand(serve, ['--config', file, '--config-typo'], {}, dir), UsageError);
});

test('an unknown key is an error naming it, at the top level and in a section; wrong types too', async () => {
  const cases: [unknown, RegExp][] = [
    [{ serv: {} }, /unknown key "serv"/],
    [{ serve: { prot: 8000 } }, /unknown key "prot" in serve/],
    [{ serve: { journal: 'x' } }, /unknown key "journal" in serve/],
    [{ serve: { listing: 'yes' } }, /serve\.listing must be true or false/],
    [{ serve: { port: [1] } }, /serve\.port must be a string or number/],
    [{ serve: { header: [1] } }, /serve\.header must be a string or a list/],
    [{ serve: [] }, /serve must be an object/],
    [[1], /top level must be an object/],
    ['{"serve": {', /not valid JSON/],
  ];
  for (const [content, message] of cases) {
    const file = await withConfig('bad.json', content);
    assert.throws(() => parseCommand(serve, ['--config', file], {}, dir), (e: Error) => e instanceof InvalidOptionError && message.test(e.message), String(message));
  }
  // A key of another command's section is checked only by the commands that read it.
  const file = await withConfig('other-section.json', { collect: { nonsense: 1 } });
  assert.doesNotThrow(() => parseCommand(serve, ['--config', file], {}, dir));
  assert.throws(() => parseCommand(collect, ['--config', file], {}, dir), /unknown key "nonsense" in collect/);
});

test('up reads collect (host/port as collect-host/collect-port), then serve, then up; headers rules come through as structured settings', async () => {
  const file = await withConfig('up.json', {
    collect: { host: '127.0.0.2', port: 7000, journal: 'j.jsonl', 'max-conns': 5 },
    serve: { port: 8080, listing: true, headers: { '/assets/**': { 'Cache-Control': 'immutable' } } },
    up: { listing: false, 'live-rate': 10 },
  });
  const p = parseCommand(up, ['--config', file], {}, dir);
  assert.equal(p.values['collect-host'], '127.0.0.2');
  assert.equal(p.values['collect-port'], '7000');
  assert.equal(p.values.journal, 'j.jsonl');
  assert.equal(p.values.port, '8080');
  assert.equal(p.values.host, '127.0.0.1');
  assert.equal(p.values['max-conns'], '10000', "collect's max-conns is not up's");
  assert.equal(p.values.listing, false, 'the up section wins');
  assert.equal(p.values['live-rate'], '10');
  assert.deepEqual(p.structured.headers, { '/assets/**': { 'Cache-Control': 'immutable' } });
});

test('muxd.schema.json is exactly what the flag specs generate (npm run schema), and lists every flag of serve, collect and up', async () => {
  const file = JSON.parse(await readFile(new URL('../../../muxd.schema.json', import.meta.url), 'utf8')) as { properties: Record<string, { properties: Record<string, unknown> }> };
  const generated = configSchema({ serve: serve.options, collect: collect.options, up: up.options });
  assert.deepEqual(file, generated, 'muxd.schema.json is stale: run npm run schema');
  for (const [name, spec] of [['serve', serve], ['collect', collect], ['up', up]] as const) {
    const keys = Object.keys(file.properties[name]!.properties).filter((k) => k !== 'headers').sort();
    assert.deepEqual(keys, Object.keys(spec.options).sort(), `${name}: schema keys = flags`);
  }
  const pkg = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { files: string[] };
  assert.ok(pkg.files.includes('muxd.schema.json'), 'published with the package');
});
