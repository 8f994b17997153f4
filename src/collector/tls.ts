// Stream listeners for the collector's ports: plain TCP, or TLS (optionally with client certificates checked against a CA).
import net from 'node:net';
import tls from 'node:tls';
import { InvalidOptionError, UsageError } from '../errors.js';
import type { LogFn } from '../logger.js';
import { readPemOption } from '../options.js';
import type { OptionValues } from '../options.js';

/** TLS settings of the collector (`--tls-cert`, `--tls-key`, `--tls-ca`, `--tls-client-auth`, `--relp-tls`, `--syslog-tls`). */
export interface CollectorTls {
  cert: Buffer;
  key: Buffer;
  /** CA bundle that client certificates must chain to; null: the system's default CAs. */
  ca: Buffer | null;
  /** Ask every client for a certificate and refuse those that do not chain to `ca`. */
  clientAuth: boolean;
  /** Serve the RELP port over TLS too, with the same certificate and client rules. */
  relp: boolean;
  /** Serve the syslog port over TLS too (`--syslog-tls`), with the same certificate and client rules. */
  syslog: boolean;
  /** Where cert, key and CA were read from, to read them again on SIGHUP; `flag` names them in errors. */
  files: { cert: string; key: string; ca: string | null; flag: (name: string) => string };
}

/**
 * Reads the TLS flags (named `prefix` + `tls-cert` … so that `muxd up` can say `--collect-tls-cert`) into
 * {@link CollectorTls}, or null when no certificate is given. Throws UsageError for flags that need each other.
 */
export function collectorTlsFrom(values: OptionValues, prefix = ''): CollectorTls | null {
  const flag = (name: string): string => `${prefix}${name}`;
  const str = (name: string): string | undefined => {
    const v = values[flag(name)];
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  const certFile = str('tls-cert');
  const keyFile = str('tls-key');
  const caFile = str('tls-ca');
  const clientAuth = values[flag('tls-client-auth')] === true;
  const relp = values['relp-tls'] === true;
  const syslog = values['syslog-tls'] === true;
  if ((certFile === undefined) !== (keyFile === undefined)) throw new UsageError(`--${flag('tls-cert')} and --${flag('tls-key')} go together`);
  if (certFile === undefined || keyFile === undefined) {
    if (caFile !== undefined || clientAuth || relp || syslog) {
      throw new UsageError(`--${flag('tls-ca')}, --${flag('tls-client-auth')}, --relp-tls and --syslog-tls need --${flag('tls-cert')} and --${flag('tls-key')}`);
    }
    return null;
  }
  if (clientAuth && caFile === undefined) throw new UsageError(`--${flag('tls-client-auth')} needs --${flag('tls-ca')} (the CA that signs client certificates)`);
  return readCollectorTls({ clientAuth, relp, syslog, files: { cert: certFile, key: keyFile, ca: caFile ?? null, flag } });
}

/**
 * Reads (or, on SIGHUP, reads again) the certificate, key and CA named in `settings.files`, and checks that they make
 * a usable context: at startup, not at the first handshake. Throws InvalidOptionError naming the flag.
 */
export function readCollectorTls(settings: Pick<CollectorTls, 'clientAuth' | 'relp' | 'syslog' | 'files'>): CollectorTls {
  const { files } = settings;
  const out: CollectorTls = {
    ...settings,
    cert: readPemOption(files.flag('tls-cert'), files.cert),
    key: readPemOption(files.flag('tls-key'), files.key),
    ca: files.ca === null ? null : readPemOption(files.flag('tls-ca'), files.ca),
  };
  try {
    tls.createSecureContext(secureContextOptions(out));
  } catch (err) {
    throw new InvalidOptionError(`--${files.flag('tls-cert')} / --${files.flag('tls-key')}: ${(err as Error).message}`);
  }
  return out;
}

/** The certificate part of a TLS server's options. */
function secureContextOptions(settings: CollectorTls): tls.SecureContextOptions {
  return { cert: settings.cert, key: settings.key, ...(settings.ca ? { ca: settings.ca } : {}) };
}

/**
 * SIGHUP: reads the certificate files again and puts them under `server` for new handshakes; connections already
 * open keep theirs. A file that is missing or does not make a usable pair keeps the old certificate, and says why.
 * Returns the settings now in force.
 */
export function reloadServerTls(server: net.Server, settings: CollectorTls, log: LogFn): CollectorTls {
  let next: CollectorTls;
  try {
    next = readCollectorTls(settings);
  } catch (err) {
    log(`kept the old TLS certificate: ${(err as Error).message}`);
    return settings;
  }
  (server as tls.Server).setSecureContext(secureContextOptions(next));
  log(`reloaded the TLS certificate from ${settings.files.cert}`);
  return next;
}

/** A listening socket server for one collector port. */
export interface StreamListener {
  server: net.Server;
  /** `tcp` or `tls`, for the listener's URL. */
  scheme: 'tcp' | 'tls';
}

/**
 * Creates the server of one collector port: `net` when `settings` is null, else `tls` (client certificates
 * required and verified when `clientAuth`). Sockets reach `onSocket` once connected (after the handshake with TLS).
 * Failed handshakes (a rejected client certificate, a plain-text client) are logged at most once a second.
 */
export function createStreamServer(settings: CollectorTls | null, onSocket: (socket: net.Socket) => void, log: LogFn): StreamListener {
  if (settings === null) {
    return { server: net.createServer({ allowHalfOpen: true, pauseOnConnect: false }, onSocket), scheme: 'tcp' };
  }
  const server = tls.createServer(
    {
      ...secureContextOptions(settings),
      requestCert: settings.clientAuth,
      rejectUnauthorized: settings.clientAuth,
      allowHalfOpen: true,
      // A client that connects and never finishes the handshake must not hold a slot for long.
      handshakeTimeout: 10_000,
    },
    onSocket,
  );
  let last = 0;
  let since = 0;
  server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: tls.TLSSocket) => {
    socket.destroy();
    since++;
    const now = Date.now();
    if (now - last < 1000) return;
    log(`TLS handshake failed (${since} since the last report): ${err.code ?? err.message}`);
    last = now;
    since = 0;
  });
  return { server, scheme: 'tls' };
}
