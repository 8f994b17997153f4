// Spawns the built `muxd up` CLI for end-to-end tests and reads its two listening lines from stdout.
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** The repository root (compiled tests live in .test-build/test/<tier>/). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** The built CLI. */
export const cliPath = fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url));

/** A running `muxd up` child. */
export interface UpProcess {
  child: ChildProcessWithoutNullStreams;
  httpUrl: string;
  collectPort: number;
  /** Every stdout line so far. */
  lines: string[];
  /** Resolves with the first stdout line matching `re` (already seen or future). */
  waitLine(re: RegExp): Promise<string>;
  stderr(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Spawns `node dist/cli/main.js up …args` (behind `wrap`, e.g. fiu-run) and waits for `listening http` and `listening collect`
 * (only the first with `noCollect`, for `up --no-collect`; collectPort is then 0).
 */
export async function spawnUp(args: string[], timeoutMs = 15_000, o: { wrap?: string[]; env?: Record<string, string>; noCollect?: boolean; cwd?: string } = {}): Promise<UpProcess> {
  const argv = [...(o.wrap ?? []), process.execPath, cliPath, 'up', ...args];
  const child = spawn(argv[0]!, argv.slice(1), { cwd: o.cwd ?? repoRoot, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...o.env } });
  const lines: string[] = [];
  let err = '';
  let carry = '';
  const waiters: Array<{ re: RegExp; resolve: (l: string) => void }> = [];
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => (err += d));
  child.stdout.on('data', (d: string) => {
    carry += d;
    let i;
    while ((i = carry.indexOf('\n')) !== -1) {
      const line = carry.slice(0, i);
      carry = carry.slice(i + 1);
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.re.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  const waitLine = (re: RegExp): Promise<string> => {
    const seen = lines.find((l) => re.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no stdout line ${re} within ${timeoutMs} ms; stderr: ${err}`)), timeoutMs);
      waiters.push({ re, resolve: (l) => (clearTimeout(timer), resolve(l)) });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`muxd up exited with ${code} before ${re}; stderr: ${err}`));
      });
    });
  };
  const http = await waitLine(/^listening https? /);
  const collect = o.noCollect === true ? null : await waitLine(/^listening collect /);
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    httpUrl: http.split(' ')[2] as string,
    collectPort: collect === null ? 0 : Number(/:(\d+)$/.exec(collect)?.[1]),
    lines,
    waitLine,
    stderr: () => err,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
