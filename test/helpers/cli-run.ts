// Runs the built CLI once to its end and collects what it printed: for commands that exit by themselves (tail, bench).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cliPath } from './up-process.js';

/** What one run of the CLI printed, and its exit code. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Spawns `node dist/cli/main.js …args` with NO_COLOR (plus `env`, in `cwd`) and an empty stdin, or `input`,
 * and resolves when it has closed.
 */
export async function runCli(args: string[], o: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {}): Promise<CliRun> {
  const child = spawn(process.execPath, [cliPath, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', ...o.env },
    ...(o.cwd !== undefined ? { cwd: o.cwd } : {}),
  });
  child.stdin.end(o.input ?? '');
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}
