// `muxd collect`: TCP clients and the terminal into one durable journal, every message acknowledged.
import { collectConfigFrom, collectFlags } from '../../collector/options.js';
import { CollectorServer } from '../../collector/server.js';
import { StdinSource } from '../../collector/stdin-source.js';
import { openJournal } from '../../journal/journal.js';
import { createLogger } from '../../logger.js';
import { parseOrHelp } from '../args.js';
import type { CommandSpec } from '../args.js';
import { createProcessLifecycle } from '../exit.js';
import { announceListening } from '../output.js';

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
  ],
  maxPositionals: 0,
};

/** Starts the collector; it runs until SIGINT/SIGTERM. */
export async function run(argv: string[]): Promise<void> {
  const parsed = parseOrHelp(spec, argv);
  if (!parsed) return;
  const config = collectConfigFrom(parsed.values);
  const log = createLogger('collect');
  const journal = await openJournal({ ...config.journal, log: createLogger('journal') });
  log(`journal ${config.journal.path} (${config.journal.format}, sync ${config.journal.sync}), next seq ${journal.stats.lastSeq + 1}`);
  const lifecycle = createProcessLifecycle();
  lifecycle.register(journal);
  const server = new CollectorServer(config.collector, journal, log);
  lifecycle.register(server.closable);
  let stdin: StdinSource | null = null;
  if (config.stdin) {
    stdin = new StdinSource(server, process.stdin, process.stdout, log);
    lifecycle.register(stdin.closable);
  }
  const info = await server.listen();
  announceListening('collect', info.url);
  if (stdin) {
    if (process.stdin.isTTY) {
      process.stderr.write('Type lines to journal them (src "stdin"); each is answered "ok <seq>" once on disk. Ctrl-C stops.\n');
    }
    stdin.start();
  }
  // From here the open sockets keep the process alive; SIGINT/SIGTERM run the shutdown and let it exit.
}
