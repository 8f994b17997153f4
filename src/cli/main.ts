#!/usr/bin/env node
// The muxd executable: dispatches to a subcommand, maps errors to exit codes (2 usage, 1 runtime).
import { MuxdError, ErrorCode } from '../errors.js';
import { formatFatal } from '../logger.js';
import { explainOrigins } from './args.js';

/** The shape of every src/cli/commands/<name>.ts module. */
export interface CommandModule {
  run(argv: string[]): Promise<void>;
}

function loadCommand(name: string): Promise<CommandModule> {
  return import(`./commands/${name}.js`) as Promise<CommandModule>;
}

const commands: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  serve: { summary: 'Serve a folder over HTTP/1.1 (and HTTP/2 with TLS).', load: () => loadCommand('serve') },
  collect: { summary: 'Collect lines from TCP clients and the terminal into a durable journal.', load: () => loadCommand('collect') },
  send: { summary: 'Send lines to a collector and print its replies.', load: () => loadCommand('send') },
  tail: { summary: 'Print or follow journal records.', load: () => loadCommand('tail') },
  up: { summary: 'Files, collector, terminal and a live journal page on one loop.', load: () => loadCommand('up') },
  bench: { summary: 'Load-test a running collector.', load: () => loadCommand('bench') },
  'hash-password': { summary: 'Print the scrypt hash of a password, for serve --auth-file.', load: () => loadCommand('hash-password') },
  check: { summary: 'Show the settings a command would run with, and where each came from; check its files and ports.', load: () => loadCommand('check') },
};

function topHelp(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length)) + 2;
  return [
    'Usage: muxd <command> [options]',
    '',
    'One process, one event loop, many sockets.',
    '',
    'Commands:',
    ...Object.entries(commands).map(([n, c]) => `  ${n.padEnd(width)}${c.summary}`),
    '',
    'Options:',
    '  -h, --help     Show help (muxd <command> --help for a command)',
    '  -v, --version  Print the version',
    '',
    'Examples:',
    '  muxd serve public --port 8080',
    '  muxd collect --journal ./data/journal.jsonl',
    '  muxd up public',
    '',
  ].join('\n');
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(topHelp());
    if (name === undefined) process.exitCode = 2;
    return;
  }
  if (name === '-v' || name === '--version') {
    const { readFile } = await import('node:fs/promises');
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`muxd: unknown command ${JSON.stringify(name)}\n\n${topHelp()}`);
    process.exitCode = 2;
    return;
  }
  const mod = await command.load();
  await mod.run(rest);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof MuxdError) {
    const usage = err.code === ErrorCode.USAGE || err.code === ErrorCode.INVALID_OPTION;
    // A bad value that came from a variable or the config file is named as such, not as the flag.
    process.stderr.write(formatFatal(`${usage ? explainOrigins(err.message) : err.message} (${err.code})`));
    process.exitCode = usage ? 2 : 1;
  } else {
    process.stderr.write(formatFatal(err instanceof Error ? err.message : String(err)));
    process.exitCode = 1;
  }
  if (process.exitCode === 2) process.stderr.write('Run muxd <command> --help for usage.\n');
});

