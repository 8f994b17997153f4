// Assembles the collect pipeline shared by `muxd collect` and `muxd up`: journal, TCP collector (+ RELP, UDP) and terminal source on one lifecycle.
import type { Readable, Writable } from 'node:stream';
import { openJournal } from '../journal/journal.js';
import type { Journal } from '../journal/journal.js';
import type { Lifecycle } from '../lifecycle.js';
import type { LogFn } from '../logger.js';
import type { CollectConfig } from './options.js';
import { RelpServer } from './relp-server.js';
import { CollectorServer } from './server.js';
import { StdinSource } from './stdin-source.js';
import { UdpListener } from './udp-source.js';

/** The parts of a started collect pipeline. Nothing listens yet: the caller calls `collector.listen()` and `stdin.start()`. */
export interface CollectStack {
  journal: Journal;
  collector: CollectorServer;
  /** The terminal source, or null with `--no-stdin`. */
  stdin: StdinSource | null;
}

/** Where the terminal source reads and answers (default process.stdin / process.stdout). */
export interface TerminalStreams {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}

/**
 * Opens the journal (running crash recovery), creates the collector and the terminal source, and registers them
 * with the lifecycle in shutdown order: the journal first, so it is fsynced and closed last.
 */
export async function startCollectStack(
  config: CollectConfig,
  lifecycle: Lifecycle,
  logFor: (component: string) => LogFn,
  terminal?: TerminalStreams,
): Promise<CollectStack> {
  const journal = await openJournal({ ...config.journal, log: logFor('journal') });
  logFor('collect')(`journal ${config.journal.path} (${config.journal.format}, sync ${config.journal.sync}), next seq ${journal.stats.lastSeq + 1}`);
  lifecycle.register(journal);
  const collector = new CollectorServer(config.collector, journal, logFor('collect'));
  // RELP and UDP share the collector's batcher, and start and stop with it (collector.listen(), its closable).
  if (config.collector.relpPort !== null) collector.attach(new RelpServer(collector, config.collector.relpPort, logFor('relp')));
  if (config.collector.udpPort !== null) collector.attach(new UdpListener(collector, config.collector.udpPort, logFor('udp')));
  lifecycle.register(collector.closable);
  let stdin: StdinSource | null = null;
  if (config.stdin) {
    const input = (terminal?.input ?? process.stdin) as Readable;
    const output = (terminal?.output ?? process.stdout) as Writable;
    stdin = new StdinSource(collector, input, output, logFor('stdin'));
    lifecycle.register(stdin.closable);
  }
  return { journal, collector, stdin };
}
