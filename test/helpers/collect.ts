// Helpers for collector tests: spawn the built `muxd collect`, talk the line protocol, read a journal back.
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CollectorServer } from '../../src/collector/server.js';
import type { CollectorOptions } from '../../src/collector/options.js';
import type { BatcherLimits } from '../../src/collector/caps.js';
import { openJournal } from '../../src/journal/journal.js';
import type { Journal } from '../../src/journal/journal.js';
import { decodeRecord } from '../../src/journal/record.js';
import { silentLog } from '../../src/logger.js';
import type { JournalRecord } from '../../src/journal/record.js';

/** The repository root (compiled tests live in .test-build/test/<tier>/). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** The built CLI. */
export const cliPath = fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url));

/** A temporary folder, removed by `cleanup()`. */
export async function tempDir(prefix = 'muxd-collect-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** An in-process collector over a real journal in a temp folder. */
export interface InProcessCollector {
  server: CollectorServer;
  port: number;
  file: string;
  journal: Journal;
  /** Shuts the collector down (drain, then close), closes the journal and removes the folder. */
  stop(): Promise<void>;
}

/** Starts a CollectorServer on 127.0.0.1:0 with a journal `j.jsonl` in a new temp folder. */
export async function startCollector(opts: Partial<CollectorOptions> & { limits?: Partial<BatcherLimits> } = {}): Promise<InProcessCollector> {
  const t = await tempDir();
  const file = path.join(t.dir, 'j.jsonl');
  const journal = await openJournal({ path: file });
  const server = new CollectorServer({ port: 0, ...opts }, journal, silentLog);
  const { port } = await server.listen();
  const stop = async (): Promise<void> => {
    server.closable.stopAccepting?.();
    await server.closable.drain?.(Date.now() + 2000);
    await server.closable.close?.();
    await journal.close();
    await t.cleanup();
  };
  return { server, port, file, journal, stop };
}

/** A running `muxd collect` child. */
export interface CollectProcess {
  child: ChildProcessWithoutNullStreams;
  port: number;
  /** stdout lines so far (the listening line, then stdin replies). */
  lines: string[];
  /** Resolves once stdout has at least `n` lines. */
  waitLines(n: number): Promise<string[]>;
  stderr(): string;
  /** Sends a signal and resolves with the exit code (or signal name). */
  stop(signal?: NodeJS.Signals): Promise<number | string | null>;
}

/**
 * Spawns `node dist/cli/main.js collect --port 0 …args` (optionally behind a wrapper such as
 * `fiu-run -x`) and waits for its `listening collect tcp://HOST:PORT` line.
 */
export async function spawnCollect(args: string[], opts: { wrap?: string[]; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CollectProcess> {
  const wrap = opts.wrap ?? [];
  const cmd = wrap.length > 0 ? wrap[0]! : process.execPath;
  const argv = [...wrap.slice(1), ...(wrap.length > 0 ? [process.execPath] : []), cliPath, 'collect', '--port', '0', ...args];
  const child = spawn(cmd, argv, { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...opts.env } });
  const lines: string[] = [];
  let err = '';
  let carry = '';
  let notify: (() => void) | null = null;
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => (err += d));
  child.stdout.on('data', (d: string) => {
    carry += d;
    let i;
    while ((i = carry.indexOf('\n')) !== -1) {
      lines.push(carry.slice(0, i));
      carry = carry.slice(i + 1);
    }
    notify?.();
  });
  const exited = once(child, 'exit');
  const waitLines = async (n: number): Promise<string[]> => {
    const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
    while (lines.length < n) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`muxd collect exited early; stderr: ${err}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} stdout lines; got ${JSON.stringify(lines)}; stderr: ${err}`);
      await new Promise<void>((resolve) => {
        notify = resolve;
        setTimeout(resolve, 200).unref();
      });
      notify = null;
    }
    return lines;
  };
  const [first] = await waitLines(1);
  const m = /^listening collect (?:tcp|tls):\/\/[^ ]+:(\d+)$/.exec(first ?? '');
  if (!m) throw new Error(`unexpected first line ${JSON.stringify(first)}; stderr: ${err}`);
  return {
    child,
    port: Number(m[1]),
    lines,
    waitLines,
    stderr: () => err,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const [code, sig] = (await exited) as [number | null, string | null];
      return code ?? sig;
    },
  };
}

/** Replies received on one connection, plus how it ended. */
export interface Exchange {
  replies: string[];
  /** True when the server closed its side. */
  closedByServer: boolean;
}

/**
 * Connects, writes `payload`, optionally half-closes, and collects reply lines until `expect` replies
 * arrived (then closes) or the server ends the connection.
 */
export async function exchange(port: number, payload: Buffer | string, opts: { halfClose?: boolean; expect?: number } = {}): Promise<Exchange> {
  const sock = net.connect(port, '127.0.0.1');
  sock.setEncoding('utf8');
  await once(sock, 'connect');
  const replies: string[] = [];
  let carry = '';
  let closedByServer = false;
  const done = new Promise<void>((resolve) => {
    sock.on('data', (d: string) => {
      carry += d;
      let i;
      while ((i = carry.indexOf('\n')) !== -1) {
        replies.push(carry.slice(0, i));
        carry = carry.slice(i + 1);
      }
      if (opts.expect !== undefined && replies.length >= opts.expect) {
        sock.destroy();
        resolve();
      }
    });
    sock.on('end', () => {
      closedByServer = true;
      sock.end();
      resolve();
    });
    sock.on('close', () => resolve());
    sock.on('error', () => resolve());
  });
  sock.write(payload);
  if (opts.halfClose) sock.end();
  await done;
  return { replies, closedByServer };
}

/** Reads every JSON record of a finished journal (its writer closed it); throws on a line that is not a whole record. */
export async function readJournal(file: string): Promise<JournalRecord[]> {
  const text = await readJournalText(file);
  if (text !== '' && !text.endsWith('\n')) throw new Error('journal does not end with LF');
  return decodeLines(text);
}

/**
 * Reads every whole record of a journal that muxd may still be appending to. The bytes after the last LF are a
 * record being written, not a torn one: they are left out as not yet written (reading them as a whole journal
 * made test/e2e/relp-rsyslog.test.ts fail about 1 run in 4 with "journal does not end with LF").
 */
export async function readLiveJournal(file: string): Promise<JournalRecord[]> {
  const text = await readJournalText(file);
  return decodeLines(text.slice(0, text.lastIndexOf('\n') + 1));
}

async function readJournalText(file: string): Promise<string> {
  return readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw err;
  });
}

function decodeLines(text: string): JournalRecord[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => decodeRecord(l));
}
