// `muxd up [DIR]`: files, collector, terminal and the live journal page on one loop, one journal, one shutdown routine.
import { UsageError } from '../../errors.js';
import { collectConfigFrom, collectFlags } from '../../collector/options.js';
import { resolveServeOptions, serveOptionSpecs } from '../../http/features/options.js';
import { startUp } from '../../web/app.js';
import { DEFAULT_SEARCH_BUDGET_BYTES, DEFAULT_SEARCH_BUDGET_MS } from '../../journal/search-page.js';
import { DEFAULT_MAX_SEARCHES } from '../../web/search.js';
import { isLoopbackHost } from '../../http/core/host-check.js';
import { DEFAULT_LIVE_RATE } from '../../http/core/sse.js';
import { boolOption, intOption, parseOrHelp, stringOption } from '../args.js';
import type { CommandSpec, OptionSpec } from '../args.js';
import { createProcessLifecycle } from '../exit.js';
import { announceListening, warnUnauthenticatedCollector, warnUnusedListenFds } from '../output.js';
import { AdminServer } from '../../admin/admin-server.js';
import { packageVersion } from '../../version.js';
import { createLogger } from '../../logger.js';
import { processListenFds } from '../../systemd/listen-fds.js';
import { announceExtras } from './serve.js';

const {
  host: collectHost,
  port: collectPort,
  'max-conns': _collectMaxConns,
  'tls-cert': collectTlsCert,
  'tls-key': collectTlsKey,
  'tls-ca': collectTlsCa,
  'tls-client-auth': collectTlsClientAuth,
  ...collectRest
} = collectFlags;

/** The collector's TLS flags, renamed `--collect-tls-*`: `--tls-cert`/`--tls-key` of `muxd up` are the HTTPS ones. */
const collectTlsFlags: Record<string, OptionSpec> = {};
for (const [name, spec] of Object.entries({ 'tls-cert': collectTlsCert, 'tls-key': collectTlsKey, 'tls-ca': collectTlsCa, 'tls-client-auth': collectTlsClientAuth })) {
  if (spec) collectTlsFlags[`collect-${name}`] = { ...spec, description: `Collector: ${spec.description.replace(/--tls-/g, '--collect-tls-')}` };
}

/** Collect's TLS keys (config file, MUXD_COLLECT_TLS_*) are up's collector ones, never its HTTPS ones. */
const collectTlsRename = Object.fromEntries(Object.keys(collectTlsFlags).map((name) => [name.slice('collect-'.length), name]));

/** Every flag of serve and collect; collect's `--port` is `--collect-port`, `--host` and `--max-conns` are shared. */
const options: Record<string, OptionSpec> = {
  ...serveOptionSpecs,
  'max-conns': { type: 'string', arg: 'N', default: '10000', description: 'Most simultaneous connections, for the HTTP server and for the collector each.' },
  'collect-port': { type: 'string', arg: 'PORT', default: collectPort?.default ?? '6666', description: 'TCP port of the collector (0 picks a free one).' },
  'collect-host': {
    type: 'string',
    arg: 'HOST',
    default: collectHost?.default ?? '127.0.0.1',
    description: 'Address of the collector, independent of --host. The TCP port has no authentication: bind it off loopback only on purpose.',
  },
  ...collectRest,
  ...collectTlsFlags,
  'live-rate': {
    type: 'string',
    arg: 'N',
    default: String(DEFAULT_LIVE_RATE),
    description: 'Most records per second sent to each live viewer; above it the page gets a "gap" marker it can fill from history (0: no cap).',
  },
  'search-budget-ms': {
    type: 'string',
    arg: 'MS',
    default: String(DEFAULT_SEARCH_BUDGET_MS),
    description: 'Most milliseconds one filtered /_muxd/journal request scans; past it the answer says complete:false with a cursor that resumes.',
  },
  'search-budget-bytes': {
    type: 'string',
    arg: 'BYTES',
    default: String(DEFAULT_SEARCH_BUDGET_BYTES),
    description: 'Most bytes of journal one filtered /_muxd/journal request reads (the other half of its budget).',
  },
  'max-searches': {
    type: 'string',
    arg: 'N',
    default: String(DEFAULT_MAX_SEARCHES),
    description: 'Most filtered searches and .jsonl downloads running at once; beyond it 429 with Retry-After: 1.',
  },
  'no-collect': {
    type: 'boolean',
    default: false,
    description: 'With --sink nats://…: run no collector (no TCP port, no terminal); a pure viewer of the stream.',
  },
  workers: {
    type: 'string',
    arg: 'N',
    description: 'Refused by up (serve only): the journal needs a single writer, so up keeps one process.',
  },
  token: {
    type: 'string',
    arg: 'TOKEN',
    description: 'Secret for POST /_muxd/messages, /_muxd/journal, /_muxd/stats and /_muxd/events (Bearer header or ?token=); required when --host is not loopback.',
  },
};

/** Flags, usage and examples of `muxd up`. */
export const spec: CommandSpec = {
  name: 'up',
  summary:
    'Serve DIR over HTTP, collect lines from TCP clients and this terminal into the journal, and show the journal live at /_muxd/ ' +
    '(also at / when no DIR is given), all in one process.',
  usage: 'up [options] [DIR]',
  options,
  examples: [
    'muxd up public --journal ./data/journal.jsonl     # what npm start runs',
    'muxd up                                           # just the live page, at http://127.0.0.1:8000/',
    'muxd up site --port 8080 --collect-port 7000 --no-stdin',
    'muxd up public --host 0.0.0.0 --token "$(openssl rand -hex 16)"   # the collector stays on 127.0.0.1',
    'muxd up public --allowed-hosts dev.example.test   # answer to that name too (DNS-rebinding guard)',
    'muxd up --sink nats://127.0.0.1:4222 --no-collect  # the live page of every collector on the stream',
    'muxd up --search-budget-ms 1000 --max-searches 8   # longer, more searches of a big journal',
  ],
  maxPositionals: 1,
  // The file's collect and serve sections apply too (collect's host and port are up's --collect-host/--collect-port); up's own wins.
  config: [
    { name: 'collect', specs: collectFlags, rename: { host: 'collect-host', port: 'collect-port', 'max-conns': null, ...collectTlsRename } },
    { name: 'serve', specs: serveOptionSpecs },
    { name: 'up', specs: options },
  ],
};


/** Runs `muxd up`: resolves once both listeners are up; the lifecycle ends the process on a signal. */
export async function run(argv: string[]): Promise<void> {
  const parsed = parseOrHelp(spec, argv);
  if (!parsed) return;
  const values = parsed.values;
  const dir = parsed.positionals[0];
  if (values.workers !== undefined) throw new UsageError('--workers is serve only: up keeps one process, since its journal needs a single writer');
  const { staticOptions, serverOptions, features, extras } = await resolveServeOptions(values, dir ?? '.', parsed.structured);
  if (dir === undefined && features.upload !== null) throw new UsageError('--upload needs a DIR to write into');
  if (dir === undefined && extras.watch) throw new UsageError('--watch needs a DIR to watch');
  const config = collectConfigFrom({ ...values, host: values['collect-host'], port: values['collect-port'] }, 'collect-');
  const token = stringOption(values, 'token');
  if (!isLoopbackHost(serverOptions.host) && (token === undefined || token === '')) {
    throw new UsageError(`--host ${serverOptions.host} is reachable from other machines: set --token TOKEN (writes and the journal need it)`);
  }
  const liveRate = intOption(values, 'live-rate', 0, 1_000_000);
  const search = {
    budgetMs: intOption(values, 'search-budget-ms', 1, 600_000),
    budgetBytes: intOption(values, 'search-budget-bytes', 1, Number.MAX_SAFE_INTEGER),
    maxSearches: intOption(values, 'max-searches', 1, 1000),
  };
  const noCollect = boolOption(values, 'no-collect');
  if (noCollect && config.nats === null) throw new UsageError('--no-collect needs --sink nats://…: without a stream there is nothing to view');
  const lifecycle = createProcessLifecycle();
  const upOptions = {
    hub: { maxRecordsPerSecond: liveRate },
    search,
    staticOptions: dir === undefined ? null : staticOptions,
    serverOptions,
    features,
    extras,
    collect: noCollect ? { ...config, stdin: false } : config,
    noCollect,
    token,
    lifecycle,
    version: packageVersion(),
  };
  const app = await startUp(upOptions);
  const tls = serverOptions.tls !== undefined;
  announceListening(tls ? 'https' : 'http', app.httpUrl);
  if (app.collectUrl !== null && app.collector !== null) {
    announceListening('collect', app.collectUrl);
    for (const l of app.collector.listening) announceListening(l.kind as 'syslog' | 'relp' | 'udp', l.info.url);
    if (!isLoopbackHost(config.collector.host) && !config.collector.tls?.clientAuth) warnUnauthenticatedCollector(app.collectUrl);
  }
  warnUnusedListenFds(processListenFds().unused());
  if (config.admin !== null) {
    // The same registry and health as /_muxd/metrics and /_muxd/health, on a port of its own (no token, no auth).
    const admin = new AdminServer(config.admin, { metrics: app.metrics, health: app.health }, createLogger('admin'));
    lifecycle.register(admin.closable);
    announceListening('admin', (await admin.listen()).url);
  }
  if (process.stdout.isTTY) {
    // The token goes in the fragment: browsers never send it, so it reaches no log; the page then drops it from the bar.
    const page = `${app.httpUrl}${dir === undefined ? '/' : '/_muxd/'}${token ? `#token=${encodeURIComponent(token)}` : ''}`;
    const send = app.collectPort === null ? '' : `Send lines with: muxd send ${app.collectPort}${app.stdin ? ', or type them here' : ''}.\n`;
    process.stdout.write(`Live journal: ${page}\n${send}`);
  }
  // Without DIR the page is the site, so --open and --qr point at `/`; with DIR, at the files (the page is /_muxd/).
  announceExtras(extras, tls, serverOptions.host, Number(new URL(app.httpUrl).port));
  app.stdin?.start();
}
