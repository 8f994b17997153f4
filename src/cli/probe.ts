// Whether a port can be bound right now: binds it (TCP or UDP) on the host, then lets it go at once.
import dgram from 'node:dgram';
import net from 'node:net';

/** Binds `host:port` once and releases it: null when that worked, else why not, as a phrase (`is in use (EADDRINUSE)`). */
export function probePort(host: string, port: number, kind: 'tcp' | 'udp'): Promise<string | null> {
  return new Promise((resolve) => {
    const explain = (err: NodeJS.ErrnoException): string =>
      err.code === 'EADDRINUSE'
        ? 'is in use (EADDRINUSE)'
        : err.code === 'EACCES'
          ? 'needs privileges (EACCES: a port below 1024)'
          : err.code === 'EADDRNOTAVAIL'
            ? 'is no address of this machine (EADDRNOTAVAIL)'
            : `cannot be bound (${err.code ?? err.message})`;
    if (kind === 'udp') {
      const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
      socket.once('error', (err) => {
        socket.close();
        resolve(explain(err));
      });
      socket.bind(port, host, () => socket.close(() => resolve(null)));
      return;
    }
    const server = net.createServer();
    server.once('error', (err) => resolve(explain(err)));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(null)));
  });
}
