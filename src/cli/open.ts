// `--open`: opens a URL in the default browser through the platform's opener; a missing opener is reported, never fatal.
import { spawn } from 'node:child_process';

/** The command that opens a URL on a platform: `xdg-open` (Linux, BSD), `open` (macOS), `start` through cmd (Windows). */
export function openerFor(platform: NodeJS.Platform, url: string): { command: string; args: string[] } {
  if (platform === 'darwin') return { command: 'open', args: [url] };
  // `start` is a cmd built-in; its first quoted argument is a window title, hence the empty one.
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""', `"${url.replace(/"/g, '%22')}"`] };
  return { command: 'xdg-open', args: [url] };
}

/**
 * Opens `url` in the default browser. Resolves with null once the opener exited cleanly, or with the reason it could
 * not (no opener installed, opener failed); never rejects.
 */
export function openInBrowser(url: string, platform: NodeJS.Platform = process.platform): Promise<string | null> {
  const { command, args } = openerFor(platform, url);
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(command, args, { stdio: 'ignore', detached: platform !== 'win32', windowsHide: true, windowsVerbatimArguments: platform === 'win32' });
    } catch (err) {
      resolve(`cannot run ${command}: ${(err as Error).message}`);
      return;
    }
    child.once('error', (err: NodeJS.ErrnoException) => {
      resolve(err.code === 'ENOENT' ? `${command} is not installed, so no browser can be opened` : `cannot run ${command}: ${err.code ?? err.message}`);
    });
    child.once('exit', (code, signal) => {
      resolve(code === 0 ? null : `${command} failed (${signal ?? `exit code ${code}`})`);
    });
    // The opener may hand off to a browser that outlives it: never keep muxd's event loop alive for it.
    child.unref();
  });
}
