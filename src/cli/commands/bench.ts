// `muxd bench collect`: load a running collector, check every ack (once, in order, no duplicates), report rate and latency.
import { UsageError } from '../../errors.js';
import { DEFAULT_WINDOW } from '../../client/client.js';
import { runLoad } from '../../client/load.js';
import type { LoadReport } from '../../client/load.js';
import { boolOption, intOption, parseOrHelp, stringOption } from '../args.js';
import type { CommandSpec } from '../args.js';
import { paint } from '../output.js';

/** Flags and help of `muxd bench`. */
export const spec: CommandSpec = {
  name: 'bench',
  summary:
    'Load-test a running collector, like redis-benchmark: C clients each send M messages of S bytes with up to W unanswered. ' +
    'Checks that every message got exactly one ok, that each client saw strictly increasing seqs and that no seq was ' +
    'acked twice; prints messages/s and ack latency p50/p99/max. On a terminal a progress line runs on stderr; ' +
    'otherwise the result is one JSON line on stdout. Exit 1 if a check fails.',
  usage: 'bench collect [options]',
  options: {
    clients: { type: 'string', short: 'c', arg: 'C', default: '16', description: 'Concurrent connections.' },
    messages: { type: 'string', short: 'm', arg: 'M', default: '10000', description: 'Messages per connection.' },
    size: { type: 'string', short: 's', arg: 'S', default: '100', description: 'Bytes per message (without the LF).' },
    window: { type: 'string', short: 'w', arg: 'W', default: String(DEFAULT_WINDOW), description: 'Most unanswered messages per connection.' },
    host: { type: 'string', arg: 'HOST', default: '127.0.0.1', description: 'Collector host.' },
    port: { type: 'string', arg: 'PORT', default: '6666', description: 'Collector port.' },
    timeout: { type: 'string', arg: 'SECONDS', default: '30', description: 'A connection gives up when no reply came for this long (0: never).' },
    json: { type: 'boolean', description: 'Print the JSON result line even on a terminal.' },
  },
  examples: [
    'muxd bench collect --clients 16 --messages 20000 --size 100 --window 64',
    'muxd bench collect --port 7000 --clients 1000 --messages 3 --window 1 | jq .rate',
  ],
  maxPositionals: 1,
};

/** Entry point of `muxd bench`. */
export async function run(argv: string[]): Promise<void> {
  const parsed = parseOrHelp(spec, argv);
  if (!parsed) return;
  const target = parsed.positionals[0];
  if (target !== 'collect') throw new UsageError(target === undefined ? 'missing what to benchmark: muxd bench collect' : `cannot benchmark ${JSON.stringify(target)}; only collect`);
  const options = {
    host: stringOption(parsed.values, 'host') ?? '127.0.0.1',
    port: intOption(parsed.values, 'port', 1, 65535),
    clients: intOption(parsed.values, 'clients', 1, 100_000),
    messages: intOption(parsed.values, 'messages', 1, 100_000_000),
    size: intOption(parsed.values, 'size', 1, 16 * 1024 * 1024),
    window: intOption(parsed.values, 'window', 1, 1_000_000),
    replyTimeoutMs: intOption(parsed.values, 'timeout', 0, 86_400) * 1000,
  };
  if (options.clients * options.messages > 200_000_000) throw new UsageError('--clients × --messages must stay under 200000000');
  const human = process.stdout.isTTY === true && !boolOption(parsed.values, 'json');
  const live = process.stderr.isTTY === true;
  const report = await runLoad({
    ...options,
    ...(live
      ? {
          onProgress: (p) => {
            const rate = p.elapsedMs > 0 ? Math.round((p.answered / p.elapsedMs) * 1000) : 0;
            const pct = ((p.answered / p.total) * 100).toFixed(1);
            process.stderr.write(`\r\x1b[K${p.answered}/${p.total} answered (${pct}%), ${rate} msg/s`);
          },
        }
      : {}),
  });
  if (live) process.stderr.write('\r\x1b[K');
  process.stdout.write(human ? renderHuman(report) : `${JSON.stringify(toJson(report))}\n`);
  process.exitCode = report.ok ? 0 : 1;
}

function toJson(r: LoadReport): Record<string, unknown> {
  return {
    clients: r.clients,
    messages: r.messages,
    size: r.size,
    window: r.window,
    expected: r.expected,
    acked: r.acked,
    failed: r.failed,
    unanswered: r.unanswered,
    errors: r.errors,
    connectFailures: r.connectFailures,
    stopped: r.stopped,
    duplicates: r.duplicates,
    outOfOrder: r.outOfOrder,
    contiguous: r.contiguous,
    seconds: r.seconds,
    rate: r.rate,
    p50: r.latencyMs.p50,
    p99: r.latencyMs.p99,
    max: r.latencyMs.max,
    ok: r.ok,
    problems: r.problems,
  };
}

function renderHuman(r: LoadReport): string {
  const ms = (v: number | null): string => (v === null ? '–' : `${v.toFixed(2)} ms`);
  const checks = r.ok ? paint('all checks passed', 32) : paint(`FAILED: ${r.problems.join('; ')}`, 31);
  return [
    `muxd bench collect: ${r.clients} clients × ${r.messages} messages × ${r.size} B, window ${r.window}`,
    `  acked      ${r.acked} of ${r.expected} in ${r.seconds.toFixed(3)} s: ${paint(`${r.rate.toLocaleString('en-US')} msg/s`, 1)}`,
    `  ack p50    ${ms(r.latencyMs.p50)}   p99 ${ms(r.latencyMs.p99)}   max ${ms(r.latencyMs.max)}`,
    `  seqs       ${r.duplicates} duplicates, ${r.outOfOrder} clients out of order, ${r.contiguous ? 'contiguous' : 'not contiguous (other writers?)'}`,
    `  checks     ${checks}`,
    '',
  ].join('\n');
}
