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

/** Spawns `node dist/cli/main.js …args` with no stdin and NO_COLOR, and resolves when it has closed. */
export async function runCli(args: string[]): Promise<CliRun> {
  const child = spawn(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}
