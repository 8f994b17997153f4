// `--admin HOST:PORT` parsed into an address (pure).
import { InvalidOptionError } from '../errors.js';
import type { OptionSpec } from '../options.js';

/** `--admin`, one spec for collect, serve and up. */
export const adminFlag: OptionSpec = {
  type: 'string',
  arg: 'HOST:PORT',
  description: 'Serve /metrics (Prometheus) and /health on this address (PORT alone: 127.0.0.1; 0 picks a free port); off by default.',
};

/** Where the admin endpoint listens: `--admin HOST:PORT`, or `--admin PORT` for 127.0.0.1. */
export interface AdminAddress {
  host: string;
  /** 0 picks a free port. */
  port: number;
}

/**
 * Parses `--admin` (`PORT`, `HOST:PORT` or `[V6]:PORT`); loopback unless a host is given. Pure; throws
 * InvalidOptionError naming `flag` for anything else.
 */
export function parseAdminAddress(raw: string, flag = '--admin'): AdminAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d+)$/.exec(raw) ?? /^()()(\d+)$/.exec(raw);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new InvalidOptionError(`${flag} takes PORT or HOST:PORT (e.g. 127.0.0.1:9464), not ${JSON.stringify(raw)}`);
  }
  return { host: m[1] || m[2] || '127.0.0.1', port };
}
