// `muxd tail [FILE]`: print the last journal records readably (or as stored with --json), across rotated files; -f follows.
import { InvalidOptionError } from '../../errors.js';
import { tailJournal } from '../../client/tail.js';
import { parseQuery } from '../../journal/query.js';
import { tailStream } from '../../client/tail-stream.js';
import { DEFAULT_NATS_SINK } from '../../collector/options.js';
import { isNatsUrl, parseNatsUrl } from '../../nats/url.js';
import type { Painter, TailFilter } from '../../client/tail-filter.js';
import { boolOption, parseOrHelp, stringOption } from '../args.js';
import type { CommandSpec } from '../args.js';
import { paint, useColor } from '../output.js';

/** Default journal, the same as `muxd collect`'s. */
export const DEFAULT_JOURNAL = './data/journal.jsonl';

/** Flags and help of `muxd tail`. */
export const spec: CommandSpec = {
  name: 'tail',
  summary:
    'Print journal records readably, oldest first across rotated files (FILE.N … FILE.1, FILE). ' +
    'Lines that are not json records (a --format raw journal) are printed as they are; only --grep applies to them. ' +
    'A nats:// address reads a JetStream stream (default MUXD) that collectors write with --sink nats://…, showing each record\'s collector.',
  usage: 'tail [options] [FILE | nats://HOST:PORT[,HOST:PORT…][/STREAM]]',
  options: {
    follow: { type: 'boolean', short: 'f', description: 'Keep printing new records, across rotation, until interrupted.' },
    lines: { type: 'string', short: 'n', arg: 'N|all', default: '10', description: 'Print the last N matching records first (all: every one).' },
    json: { type: 'boolean', description: 'Print records exactly as stored (one JSON object per line).' },
    src: { type: 'string', arg: 'SRC', description: 'Only records from this source: exact (tcp:127.0.0.1:5555) or a prefix (tcp, tcp:127.0.0.1, stdin).' },
    since: { type: 'string', arg: 'TIME', description: 'Only records at or after TIME: ISO-8601 (2026-11-26T18:00:00Z) or an age (90s, 10m, 2h, 1d).' },
    until: { type: 'string', arg: 'TIME', description: 'Only records before TIME (exclusive), in the same forms as --since.' },
    grep: { type: 'string', arg: 'TEXT', description: 'Only messages containing TEXT; /REGEX/flags for a regular expression.' },
    severity: { type: 'string', arg: 'LEVEL', description: 'Only syslog records (collect --syslog) of LEVEL or more severe: emerg alert crit err warning notice info debug.' },
    app: { type: 'string', arg: 'NAME', description: 'Only syslog records whose app (APP-NAME, or the RFC 3164 tag) is NAME.' },
  },
  examples: [
    'muxd tail                                   # last 10 records of ./data/journal.jsonl',
    'muxd tail -f --src tcp                      # follow, TCP clients only',
    "muxd tail -n all --since 1h --grep '/timeout|refused/i' data/journal.jsonl",
    'muxd tail -n all --since 2026-11-26T09:00:00Z --until 2026-11-26T10:00:00Z   # one hour',
    'muxd tail -n 100 --json | jq .msg',
    'muxd tail -f --severity warning --app sshd      # syslog records: warning and worse, from sshd',
    'muxd tail -f nats://127.0.0.1:4222/MUXD         # every collector writing to the stream',
  ],
  maxPositionals: 1,
};

function linesOption(raw: string | boolean | readonly string[] | undefined): number | null {
  if (raw === 'all') return null;
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || Number(raw) > 10_000_000) {
    throw new InvalidOptionError(`--lines must be a whole number up to 10000000 or all, not ${JSON.stringify(raw)}`);
  }
  return Number(raw);
}

/** Entry point of `muxd tail`. */
export async function run(argv: string[]): Promise<void> {
  const parsed = parseOrHelp(spec, argv);
  if (!parsed) return;
  const lines = linesOption(parsed.values.lines);
  const filter: TailFilter = parseQuery({
    src: stringOption(parsed.values, 'src'),
    since: stringOption(parsed.values, 'since'),
    until: stringOption(parsed.values, 'until'),
    grep: stringOption(parsed.values, 'grep'),
    severity: stringOption(parsed.values, 'severity'),
    app: stringOption(parsed.values, 'app'),
  });
  const color = useColor(process.stdout);
  const painter: Painter = {
    ts: (s) => paint(s, 2),
    seq: (s) => paint(s, 33),
    src: (s) => paint(s, 36),
    mark: (s) => paint(s, 35),
  };
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const target = parsed.positionals[0] ?? DEFAULT_JOURNAL;
    if (isNatsUrl(target)) {
      const address = parseNatsUrl(target, 'tail');
      await tailStream({
        servers: address.servers,
        stream: address.stream ?? DEFAULT_NATS_SINK.stream,
        lines,
        follow: boolOption(parsed.values, 'follow'),
        json: boolOption(parsed.values, 'json'),
        filter,
        output: process.stdout,
        ...(color ? { painter } : {}),
        signal: stop.signal,
        onNotice: (text) => process.stderr.write(`muxd tail: ${text}\n`),
      });
      return;
    }
    await tailJournal({
      file: target,
      lines,
      follow: boolOption(parsed.values, 'follow'),
      json: boolOption(parsed.values, 'json'),
      filter,
      output: process.stdout,
      ...(color ? { painter } : {}),
      escapeRaw: process.stdout.isTTY === true,
      signal: stop.signal,
      onNotice: (text) => process.stderr.write(`muxd tail: ${text}\n`),
    });
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
