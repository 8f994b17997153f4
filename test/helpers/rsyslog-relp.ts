// Runs a private rsyslogd (unpacked by rsyslog-relp.sh, never installed) with a test's config: omrelp/imrelp for the RELP tests.
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../../test/helpers/rsyslog-relp.sh', import.meta.url));

/** Unpacks rsyslog + rsyslog-relp if needed (apt-get download + dpkg -x; idempotent) and returns the unpacked root. */
export function rsyslogRoot(): string {
  return execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n').pop() as string;
}

/** A running private rsyslogd. */
export interface RsyslogProcess {
  child: ChildProcess;
  /** stdout + stderr so far (rsyslog's own complaints). */
  output(): string;
  /** Reads a port that an input wrote with `listenPortFileName`, waiting until it is there. */
  port(file: string): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts `rsyslogd -n -f CONF -i PIDFILE -M MODDIR` with `conf` written into `dir`. The config must set
 * `global(workDirectory=…)` to a folder of the test's own.
 */
export async function startRsyslog(dir: string, conf: string): Promise<RsyslogProcess> {
  const root = rsyslogRoot();
  const confFile = path.join(dir, 'rsyslog.conf');
  await writeFile(confFile, conf);
  const child = spawn(
    path.join(root, 'usr/sbin/rsyslogd'),
    ['-n', '-f', confFile, '-i', path.join(dir, 'rsyslog.pid'), '-M', path.join(root, 'usr/lib/x86_64-linux-gnu/rsyslog')],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = once(child, 'exit');
  return {
    child,
    output: () => out,
    async port(file: string): Promise<number> {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const text = await readFile(file, 'utf8').catch(() => '');
        if (/^\d+\s*$/.test(text) && Number(text) > 0) return Number(text);
        if (child.exitCode !== null) throw new Error(`rsyslogd exited: ${out}`);
        if (Date.now() > deadline) throw new Error(`rsyslogd did not write ${file}: ${out}`);
        // rsyslog gives no other readiness signal than this file: poll it.
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop(): Promise<void> {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
