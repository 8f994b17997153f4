// `muxd collect`: TCP clients and the terminal into one durable journal, every message acknowledged.
import { collectConfigFrom, collectFlags } from '../../collector/options.js';
import { startCollectStack } from '../../collector/start.js';
import { createLogger } from '../../logger.js';
import { parseOrHelp } from '../args.js';
import type { CommandSpec } from '../args.js';
import { createProcessLifecycle, unlessStopped } from '../exit.js';
import { isLoopbackHost } from '../../http/core/host-check.js';
import { startAdminServer } from '../../admin/start.js';
import { collectAdminSources } from '../../admin/collect-sources.js';
import { announceListening, warnUnauthenticatedCollector, warnUnusedListenFds } from '../output.js';
import { processListenFds } from '../../systemd/listen-fds.js';

/** Flags, help and examples of `muxd collect`. */
export const spec: CommandSpec = {
  name: 'collect',
  summary: 'Collect lines from TCP clients and the terminal into one durable journal; answer each line "ok <seq>" once it is on disk.',
  usage: 'collect [options]',
  options: collectFlags,
  examples: [
    'muxd collect --journal ./data/journal.jsonl',
    'muxd collect --port 0 --no-stdin --sync none',
    'printf "hello\\n" | nc 127.0.0.1 6666',
    'muxd collect --relp-port 2514 --udp-port 5514 --no-stdin   # rsyslog omrelp / logger -d',
    'muxd collect --tls-cert cert.pem --tls-key key.pem --tls-ca ca.pem --tls-client-auth',
    'muxd collect --no-stdin --sink nats://10.0.0.1:4222,10.0.0.2:4222,10.0.0.3:4222 --nats-replicas 3   # docs/scale-out.md',
  ],
  maxPositionals: 0,
  config: [{ name: 'collect', specs: collectFlags }],
};

/** Starts the collector; it runs until SIGINT/SIGTERM. */
export async function run(argv: string[]): Promise<void> {
  const parsed = parseOrHelp(spec, argv);
  if (!parsed) return;
  const config = collectConfigFrom(parsed.values);
  const lifecycle = createProcessLifecycle();
  const stack = await unlessStopped(lifecycle, startCollectStack(config, lifecycle, createLogger));
  if (stack === null) return;
  const { collector: server, stdin } = stack;
  const info = await server.listen();
  announceListening('collect', info.url);
  for (const l of server.listening) announceListening(l.kind as 'syslog' | 'relp' | 'udp', l.info.url);
  warnUnusedListenFds(processListenFds().unused());
  if (config.admin !== null) announceListening('admin', await startAdminServer(config.admin, collectAdminSources(stack, () => lifecycle.stopping), lifecycle));
  if (!isLoopbackHost(config.collector.host) && !config.collector.tls?.clientAuth) warnUnauthenticatedCollector(info.url);
  if (stdin) {
    if (process.stdin.isTTY) {
      process.stderr.write('Type lines to journal them (src "stdin"); each is answered "ok <seq>" once on disk. Ctrl-C stops.\n');
    }
    stdin.start();
  }
  // From here the open sockets keep the process alive; SIGINT/SIGTERM run the shutdown and let it exit.
}
