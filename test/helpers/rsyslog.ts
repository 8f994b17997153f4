// A private rsyslogd for producer tests: found (or unpacked once by .ci/rsyslog.sh), started on a config in a temp folder, stopped.
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot } from './collect.js';

/** Path of rsyslogd: the system one or the private copy (.ci/rsyslog.sh prepares it; idempotent). */
export function rsyslogdPath(): string {
  return execFileSync(path.join(repoRoot, '.ci/rsyslog.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

/** The module folder belonging to an rsyslogd binary (…/usr/sbin/rsyslogd → …/usr/lib/<triplet>/rsyslog). */
function moduleDirs(rsyslogd: string): string {
  const prefix = path.resolve(path.dirname(rsyslogd), '../..');
  return ['x86_64-linux-gnu', 'aarch64-linux-gnu'].map((t) => path.join(prefix, 'usr/lib', t, 'rsyslog')).filter((d) => existsSync(d)).join(':');
}

/** Resolves once `check()` is true; rsyslogd reports readiness through no event, so its files are looked at. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A running private rsyslogd. */
export interface Rsyslog {
  child: ChildProcess;
  /** The Unix socket it reads local messages from (`logger -u SOCKET`). */
  socket: string;
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * Starts `rsyslogd -n` in `dir` reading local messages from `dir/log.sock` (imuxsock, control characters
 * kept as they are) and handling them with `actions` (RainerScript action() statements).
 */
export async function startRsyslog(dir: string, actions: string): Promise<Rsyslog> {
  const rsyslogd = rsyslogdPath();
  const socket = path.join(dir, 'log.sock');
  const conf = path.join(dir, 'rsyslog.conf');
  await writeFile(
    conf,
    [
      `global(workDirectory="${dir}" maxMessageSize="64k" parser.escapeControlCharactersOnReceive="off")`,
      'module(load="imuxsock" SysSock.Use="off")',
      `input(type="imuxsock" Socket="${socket}")`,
      actions,
      '',
    ].join('\n'),
  );
  const child = spawn(rsyslogd, ['-n', '-M', moduleDirs(rsyslogd), '-f', conf, '-i', path.join(dir, 'rsyslog.pid')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (err += d));
  const exited = once(child, 'exit');
  await waitFor(() => existsSync(socket) || child.exitCode !== null, 'rsyslogd to open its socket');
  if (child.exitCode !== null) throw new Error(`rsyslogd exited: ${err}`);
  return {
    child,
    socket,
    stderr: () => err,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
