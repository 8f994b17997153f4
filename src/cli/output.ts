// What the CLI prints for people and for scripts: listening lines (parseable when stdout is not a TTY), colour rules.

/** True when colour may be used on this stream: a TTY, and NO_COLOR unset. */
export function useColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  return stream.isTTY === true && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
}

/** Wraps text in an ANSI colour when allowed. */
export function paint(text: string, code: number, stream: NodeJS.WriteStream = process.stdout): string {
  return useColor(stream) ? `\x1b[${code}m${text}\x1b[0m` : text;
}

/**
 * Announces a listener. Scripts read `listening <kind> <url>` (one line, always when stdout is not a TTY);
 * people on a TTY get the same facts with colour.
 */
export function announceListening(kind: 'http' | 'https' | 'collect' | 'syslog' | 'relp' | 'udp', url: string): void {
  if (process.stdout.isTTY) {
    const label = { collect: 'collector', https: 'https server', http: 'http server', syslog: 'syslog collector (no replies)', relp: 'RELP collector', udp: 'UDP collector' }[kind];
    process.stdout.write(`${paint('listening', 32)} ${kind} ${paint(url, 1)}  (${label})\n`);
  } else {
    process.stdout.write(`listening ${kind} ${url}\n`);
  }
}

/** Says on stderr, at startup, that a collector bound off loopback takes writes from anyone who can reach it. */
export function warnUnauthenticatedCollector(url: string): void {
  process.stderr.write(
    `muxd: warning: the collector at ${url} is unauthenticated: anyone who can reach this port can write into the journal ` +
      '(keep it on 127.0.0.1, or behind a firewall)\n',
  );
}

/** Says on stderr which descriptors systemd passed that no listener took (a FileDescriptorName= muxd does not know, or a flag not given). */
export function warnUnusedListenFds(unused: string[]): void {
  if (unused.length === 0) return;
  process.stderr.write(
    `muxd: warning: socket activation passed ${unused.join(', ')}, which no listener took; name each socket ` +
      'FileDescriptorName=http|collect|syslog|relp|udp and give the matching --*-port flag\n',
  );
}

/** Formats a host for a URL (brackets around IPv6). */
export function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
