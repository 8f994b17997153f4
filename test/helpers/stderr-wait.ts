// Waits for a line on a child's stderr: a separate pipe from stdout, so its lines may arrive before or after stdout's.
import { once } from 'node:events';
import type { ChildProcess } from 'node:child_process';

/**
 * Resolves with the first line of `text()` (everything the child wrote to stderr so far) matching `re`, waiting on
 * stderr's 'data' events; rejects if the child exits or `timeoutMs` passes first.
 */
export async function waitStderrLine(child: ChildProcess, text: () => string, re: RegExp, timeoutMs = 15_000): Promise<string> {
  const stderr = child.stderr;
  if (stderr === null) throw new Error('the child has no stderr pipe');
  const deadline = AbortSignal.timeout(timeoutMs);
  for (;;) {
    const line = text().split('\n').find((l) => re.test(l));
    if (line !== undefined) return line;
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited before a stderr line ${re}; stderr: ${text()}`);
    try {
      await Promise.race([once(stderr, 'data', { signal: deadline }), once(child, 'exit', { signal: deadline })]);
    } catch {
      throw new Error(`no stderr line ${re} within ${timeoutMs} ms; stderr: ${text()}`);
    }
  }
}
