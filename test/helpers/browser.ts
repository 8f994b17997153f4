// Debian's chromium through playwright-core for the browser tests: one set of launch flags, a fresh profile per run.
import { chromium } from 'playwright-core';
import type { BrowserContext } from 'playwright-core';

/** Headless flags that keep chromium off the network (this machine has none) and out of first-run screens. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'];

/**
 * Launches /usr/bin/chromium headless with a new profile in `profileDir` (no state leaks between runs); with
 * `httpCredentials`, the browser answers basic auth challenges as a user who typed them would.
 */
export function launchChromium(
  profileDir: string,
  viewport?: { width: number; height: number },
  httpCredentials?: { username: string; password: string },
): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    ...(viewport ? { viewport } : {}),
    ...(httpCredentials ? { httpCredentials } : {}),
  });
}
