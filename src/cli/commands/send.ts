// `muxd send [HOST:]PORT`: an interactive prompt on a TTY, otherwise stream stdin (or --file) with a window of unacknowledged lines.
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { InvalidOptionError, IoError, UsageError } from '../../errors.js';
import { connectTo, DEFAULT_WINDOW } from '../../client/client.js';
import type { ClientTls, SendSummary } from '../../client/client.js';
import { allAcknowledged, DEFAULT_CLIENT_MAX_LINE, formatSummary, sendLines } from '../../client/pipe.js';
import { runPrompt } from '../../client/prompt.js';
import { ReplyKind } from '../../client/reply-parser.js';
import { boolOption, intOption, parseHostPort, parseOrHelp, stringOption } from '../args.js';
import type { CommandSpec } from '../args.js';
import type { OptionValues } from '../../options.js';
import { paint } from '../output.js';

/** Flags and help of `muxd send`. */
export const spec: CommandSpec = {
  name: 'send',
  summary:
    'Send lines to a collector. On a terminal: a Msg>> prompt that prints each reply. Otherwise: stream stdin (or --file) ' +
    'with up to --window unacknowledged lines, print a summary to stderr, exit 0 only if every line got ok.',
  usage: 'send [options] [HOST:]PORT',
  options: {
    file: { type: 'string', arg: 'FILE', description: 'Send the lines of FILE instead of stdin (pipe mode).' },
    window: { type: 'string', arg: 'N', default: String(DEFAULT_WINDOW), description: 'Most lines sent but not yet answered.' },
    timeout: {
      type: 'string',
      arg: 'SECONDS',
      default: '30',
      description: 'Give up when lines are outstanding and no reply came for this long (0: wait forever).',
    },
    'max-line': {
      type: 'string',
      arg: 'BYTES',
      default: String(DEFAULT_CLIENT_MAX_LINE),
      description: 'Longer input lines are not sent and count as failed (ERR_MESSAGE_TOO_LONG).',
    },
    'print-acks': { type: 'boolean', description: 'Pipe mode: print every reply line to stdout.' },
    quiet: { type: 'boolean', short: 'q', description: 'Pipe mode: no summary when every line got ok.' },
    tls: { type: 'boolean', description: 'Connect over TLS (to a collector started with --tls-cert); the certificate must be valid for HOST.' },
    ca: { type: 'string', arg: 'FILE', description: 'With --tls: PEM CA bundle to verify the collector with, instead of the system CAs.' },
    cert: { type: 'string', arg: 'FILE', description: 'With --tls: PEM client certificate, for a collector started with --tls-client-auth (needs --key).' },
    key: { type: 'string', arg: 'FILE', description: 'With --tls: PEM private key of --cert.' },
    'no-ack': {
      type: 'boolean',
      description: 'Pipe mode, for a collector run with --ack off: expect no replies; exit 0 once every line is written and the server closed.',
    },
  },
  examples: [
    'muxd send 6666                      # interactive prompt',
    'seq 1 100000 | muxd send 6666       # pipe mode, exit 0 only if all 100000 got ok',
    'muxd send 10.0.0.5:6666 --file app.log --window 256 --print-acks',
    'muxd send 6666 --no-ack < app.log   # to a collector started with --ack off',
    'muxd send logs.example.test:6514 --tls --ca ca.pem --cert me.pem --key me-key.pem < app.log',
  ],
  maxPositionals: 1,
};

/** Entry point of `muxd send`. */
export async function run(argv: string[]): Promise<void> {
  const parsed = parseOrHelp(spec, argv);
  if (!parsed) return;
  const target = parsed.positionals[0];
  if (target === undefined) throw new UsageError('missing [HOST:]PORT of the collector');
  const { host, port } = parseHostPort(target);
  const window = intOption(parsed.values, 'window', 1, 1_000_000);
  const replyTimeoutMs = intOption(parsed.values, 'timeout', 0, 86_400) * 1000;
  const maxLineBytes = intOption(parsed.values, 'max-line', 1, 1 << 30);
  const file = stringOption(parsed.values, 'file');
  const printAcks = boolOption(parsed.values, 'print-acks');
  const quiet = boolOption(parsed.values, 'quiet');
  const ack = !boolOption(parsed.values, 'no-ack');
  const interactive = ack && file === undefined && process.stdin.isTTY === true;

  // Open the file before connecting so that a missing file is reported without touching the server.
  let input: Readable = process.stdin;
  if (file !== undefined) input = await openInput(file);

  const tlsOptions = await clientTlsFrom(parsed.values);

  const socket = await connectTo(host, port, tlsOptions).catch((err: unknown) => {
    input.destroy();
    throw err;
  });

  if (interactive) {
    const summary = await runPrompt({
      socket,
      input: process.stdin,
      output: process.stdout,
      terminal: process.stdout.isTTY === true,
      replyTimeoutMs,
      decorate: (reply, text) => paint(text, reply.kind === ReplyKind.OK ? 32 : 31),
    });
    // The prompt already told the user why the session ended.
    report(summary, true, true);
    return;
  }

  const summary = await sendLines(input, socket, { window, replyTimeoutMs, maxLineBytes, ack, ...(printAcks && ack ? { printTo: process.stdout } : {}) });
  report(summary, quiet);
}

function report(summary: SendSummary, quietOnSuccess: boolean, reasonShown = false): void {
  const ok = allAcknowledged(summary);
  if (summary.stoppedBy && !reasonShown) {
    process.stderr.write(`muxd send: ${summary.stoppedBy.message} (${summary.stoppedBy.code})\n`);
  }
  if (!ok || !quietOnSuccess) process.stderr.write(`muxd send: ${formatSummary(summary)}\n`);
  process.exitCode = ok ? 0 : 1;
}

/** Reads `--tls`, `--ca`, `--cert`, `--key` (undefined without --tls). */
async function clientTlsFrom(values: OptionValues): Promise<ClientTls | undefined> {
  const ca = stringOption(values, 'ca');
  const cert = stringOption(values, 'cert');
  const key = stringOption(values, 'key');
  if (!boolOption(values, 'tls')) {
    if (ca !== undefined || cert !== undefined || key !== undefined) throw new UsageError('--ca, --cert and --key need --tls');
    return undefined;
  }
  if ((cert === undefined) !== (key === undefined)) throw new UsageError('--cert and --key go together');
  const read = async (flag: string, file: string): Promise<Buffer> => {
    try {
      return await readFile(file);
    } catch (err) {
      throw new InvalidOptionError(`--${flag}: cannot read ${JSON.stringify(file)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  };
  const out: ClientTls = {};
  if (ca !== undefined) out.ca = await read('ca', ca);
  if (cert !== undefined && key !== undefined) {
    out.cert = await read('cert', cert);
    out.key = await read('key', key);
  }
  return out;
}

function openInput(file: string): Promise<Readable> {
  return new Promise((resolve, reject) => {
    const stream = createReadStream(file);
    stream.once('open', () => resolve(stream));
    stream.once('error', (err: NodeJS.ErrnoException) => {
      reject(new IoError(`cannot read --file: ${err.code ?? 'error'}`));
    });
  });
}
