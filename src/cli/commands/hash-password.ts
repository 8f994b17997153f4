// `muxd hash-password`: reads a password (TTY prompt without echo, or stdin) and prints its scrypt hash for --auth-file.
import { InvalidOptionError, UsageError } from '../../errors.js';
import { hashPassword } from '../../http/features/auth.js';
import { parseOrHelp, stringOption } from '../args.js';
import type { CommandSpec } from '../args.js';

/** Flags, usage and examples of `muxd hash-password`. */
export const spec: CommandSpec = {
  name: 'hash-password',
  summary:
    'Read a password (prompted without echo on a terminal, asked twice; otherwise the first line of stdin) and print its scrypt hash ' +
    '(scrypt$N$r$p$SALT$HASH), or a whole user:HASH line for --auth-file with --user.',
  usage: 'hash-password [options]',
  options: {
    user: { type: 'string', arg: 'NAME', description: 'Print "NAME:HASH", a line for --auth-file.' },
  },
  examples: [
    'muxd hash-password --user alice >> users.txt     # prompts twice, no echo',
    "printf '%s\\n' \"$PASSWORD\" | muxd hash-password",
    'muxd serve site --auth-file users.txt',
  ],
  maxPositionals: 0,
};

/** Reads one line from a TTY in raw mode, echoing nothing. Ctrl-C or Ctrl-D aborts. */
function promptHidden(prompt: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let line = '';
    const done = (err: Error | null): void => {
      input.removeListener('data', stdinOnData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(line);
    };
    function stdinOnData(chunk: Buffer): void {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(null);
        if (ch === '\u0003' || ch === '\u0004') return done(new UsageError('cancelled'));
        if (ch === '\u007f' || ch === '\b') line = line.slice(0, -1);
        else if (ch >= ' ') line += ch;
      }
    }
    input.setRawMode(true);
    input.on('data', stdinOnData);
    input.resume();
  });
}

/** Reads stdin to its end (bounded) and returns its first line, without the line break. */
async function readFirstLine(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size > 64 * 1024) throw new InvalidOptionError('the password on stdin is longer than 64 KiB');
  }
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

/** Runs `muxd hash-password`. */
export async function run(argv: string[]): Promise<void> {
  const parsed = parseOrHelp(spec, argv);
  if (!parsed) return;
  const user = stringOption(parsed.values, 'user');
  if (user !== undefined && (user.includes(':') || /\s/.test(user))) throw new InvalidOptionError('--user must not contain ":" or spaces');
  let password: string;
  if (process.stdin.isTTY) {
    password = await promptHidden('Password: ');
    if ((await promptHidden('Again: ')) !== password) throw new UsageError('the two passwords differ');
  } else {
    password = await readFirstLine();
  }
  if (password === '') throw new UsageError('empty password');
  const hash = await hashPassword(password);
  process.stdout.write(`${user === undefined ? '' : `${user}:`}${hash}\n`);
}
