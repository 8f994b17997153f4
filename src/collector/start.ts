// Assembles the collect pipeline shared by `muxd collect` and `muxd up`: the sink (journal file or NATS JetStream), collector (muxd, syslog, RELP and UDP inputs) and terminal source on one lifecycle.
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { openJournal } from '../journal/journal.js';
import type { Journal } from '../journal/journal.js';
import type { Sink } from '../journal/sink.js';
import type { Lifecycle } from '../lifecycle.js';
import type { LogFn } from '../logger.js';
import { loadCollectorId } from '../nats/collector-id.js';
import { openNatsSink } from '../nats/sink.js';
import type { NatsSink } from '../nats/sink.js';
import type { CollectConfig } from './options.js';
import { CollectorServer } from './server.js';
import { processListenFds } from '../systemd/listen-fds.js';
import { StdinSource } from './stdin-source.js';
import type { InputStats } from './input-counters.js';

/** The parts of a started collect pipeline. Nothing listens yet: the caller calls `collector.listen()` and `stdin.start()`. */
export interface CollectStack {
  /** The file journal, or null with `--sink nats://…`. */
  journal: Journal | null;
  /** The JetStream sink, or null with `--sink file`. */
  nats: NatsSink | null;
  collector: CollectorServer;
  /** The terminal source, or null with `--no-stdin`. */
  stdin: StdinSource | null;
}

/** Where the terminal source reads and answers (default process.stdin / process.stderr: stdout carries only data). */
export interface TerminalStreams {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}

/**
 * Opens the sink (the journal, running crash recovery, or the JetStream stream), creates the collector and the
 * terminal source, and registers them with the lifecycle in shutdown order: the sink first, so it is closed last.
 */
export async function startCollectStack(
  config: CollectConfig,
  lifecycle: Lifecycle,
  logFor: (component: string) => LogFn,
  terminal?: TerminalStreams,
): Promise<CollectStack> {
  let journal: Journal | null = null;
  let nats: NatsSink | null = null;
  let sink: Sink;
  if (config.nats === null) {
    journal = await openJournal({ ...config.journal, log: logFor('journal') });
    logFor('collect')(`journal ${config.journal.path} (${config.journal.format}, sync ${config.journal.sync}), next seq ${journal.stats.lastSeq + 1}`);
    lifecycle.register(journal);
    sink = journal;
  } else {
    const n = config.nats;
    const collectorId = n.collectorId ?? (await loadCollectorId(path.dirname(config.journal.path), logFor('collect')));
    nats = await openNatsSink({ ...n, collectorId, syslog: config.journal.syslog, log: logFor('nats'), signal: lifecycle.signal });
    logFor('collect')(`NATS stream ${n.stream} (subject ${nats.subject}, R${n.replicas}), collector ${collectorId}, next seq ${nats.stats.lastSeq + 1}`);
    lifecycle.register(nats);
    sink = nats;
  }
  // Socket activation: each listener takes the descriptor systemd passed under its FileDescriptorName=, if any.
  const collector = new CollectorServer(config.collector, sink, logFor('collect'), processListenFds());
  lifecycle.register(collector.closable);
  let stdin: StdinSource | null = null;
  if (config.stdin) {
    const input = (terminal?.input ?? process.stdin) as Readable;
    const output = (terminal?.output ?? process.stderr) as Writable;
    stdin = new StdinSource(collector.batcher, collector.opts, input, output, logFor('stdin'));
    lifecycle.register(stdin.closable);
  }
  return { journal, nats, collector, stdin };
}

/** Every input's counters of a running stack: the collector's listeners, then the terminal (for `--admin` and `up`'s metrics). */
export function stackInputs(stack: Pick<CollectStack, 'collector' | 'stdin'>): InputStats[] {
  const inputs = stack.collector.stats.inputs;
  return stack.stdin ? [...inputs, stack.stdin.stats] : inputs;
}
