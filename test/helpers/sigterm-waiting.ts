// Spawns a muxd command that waits for a NATS sink nobody answers, and sends SIGTERM once it says it is waiting.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cliPath } from './collect.js';

/** How a command stopped while it waited: exit code, how long SIGTERM took, and what it printed. */
export interface StoppedWhileWaiting {
  code: number | null;
  tookMs: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `muxd ARGS` (which must name a `--sink nats://…` where nothing listens), waits for its first "NATS JetStream
 * not ready" line on stderr, sends SIGTERM and resolves when it exits. `cleanup` registers a kill for a test's end.
 */
export async function sigtermWhileWaitingForNats(args: string[], cleanup: (fn: () => void) => void): Promise<StoppedWhileWaiting> {
  const child = spawn(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  cleanup(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = once(child, 'exit');
  // The first retry line says it is waiting; that is the moment to stop it.
  await new Promise<void>((resolve) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('NATS JetStream not ready')) resolve();
    });
  });
  const started = Date.now();
  child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  return { code, tookMs: Date.now() - started, stdout, stderr };
}
