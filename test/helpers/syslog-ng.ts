// A private syslog-ng (Debian's syslog-ng-core) for sender tests: one destination, fed through a Unix stream socket of the test's own, with its counters read over its control socket.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A running private syslog-ng. */
export interface SyslogNg {
  child: ChildProcess;
  /** The unix-stream source: write syslog lines here. */
  socket: string;
  /** syslog-ng's own log (stderr) so far. */
  output(): string;
  /** The destination's counters (`written`, `dropped`, `queued`, `processed`) from `syslog-ng-ctl stats`. */
  destinationStats(): Promise<Record<string, number>>;
  /** Resolves once the destination has written `n` messages (and has none queued); throws after `timeoutMs`. */
  waitWritten(n: number, timeoutMs: number): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

/**
 * Starts `syslog-ng -F` in `dir` (config, persist file, pid file and control socket all there) with one log path:
 * a unix-stream source at `dir/in.sock` → `destination` (a driver statement such as
 * `network("127.0.0.1" transport("tcp") port(5140))`), with flow control so that nothing is dropped on the way.
 */
export async function startSyslogNg(dir: string, destination: string): Promise<SyslogNg> {
  const socket = path.join(dir, 'in.sock');
  const control = path.join(dir, 'syslog-ng.ctl');
  const conf = path.join(dir, 'syslog-ng.conf');
  await writeFile(
    conf,
    [
      '@version: 3.38',
      // time-reopen(1): a refused connection is retried after 1 s, not the default 60 s.
      'options { time-reopen(1); log-fifo-size(10000); keep-hostname(yes); stats-freq(0); };',
      `source s_in { unix-stream("${socket}" log-iw-size(1000)); };`,
      `destination d_out { ${destination}; };`,
      // flow-control: a full destination queue stops reading the source instead of dropping messages.
      'log { source(s_in); destination(d_out); flags(flow-control); };',
      '',
    ].join('\n'),
  );
  const child = spawn(
    'syslog-ng',
    ['-F', '--no-caps', '--stderr', '-f', conf, '--persist-file', path.join(dir, 'syslog-ng.persist'), '--pidfile', path.join(dir, 'syslog-ng.pid'), '--control', control],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = once(child, 'exit');
  const deadline = Date.now() + 15_000;
  while (!(existsSync(socket) && existsSync(control))) {
    if (child.exitCode !== null) throw new Error(`syslog-ng exited: ${out}`);
    if (Date.now() > deadline) throw new Error(`syslog-ng did not open ${socket}: ${out}`);
    // syslog-ng -F signals readiness through no event: its sockets appearing is the sign.
    await new Promise((r) => setTimeout(r, 50));
  }
  const destinationStats = async (): Promise<Record<string, number>> => {
    const { stdout } = await run('syslog-ng-ctl', ['stats', '--control', control]);
    const stats: Record<string, number> = {};
    for (const row of stdout.split('\n')) {
      const [name, id, , , type, value] = row.split(';');
      if (name?.startsWith('dst.') && id?.startsWith('d_out#') && type !== undefined) stats[type] = Number(value);
    }
    return stats;
  };
  return {
    child,
    socket,
    output: () => out,
    destinationStats,
    async waitWritten(n: number, timeoutMs: number): Promise<Record<string, number>> {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const stats = await destinationStats();
        if ((stats.written ?? 0) >= n && stats.queued === 0) return stats;
        if (Date.now() > until) throw new Error(`syslog-ng wrote ${JSON.stringify(stats)} of ${n}: ${out}`);
        // Its counters change without an event: read them again shortly.
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop(): Promise<void> {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
