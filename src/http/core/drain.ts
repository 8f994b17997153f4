// The drain tracker: what a graceful shutdown of one HTTP server must see (HTTP/2 sessions, TLS sockets with requests in flight).
import http from 'node:http';
import type { Server } from 'node:net';
import type { Socket } from 'node:net';
import type { ServerHttp2Session } from 'node:http2';
import type { Closable } from '../../lifecycle.js';
import type { AccessLog } from './access-log.js';
import type { Req, Res } from './types.js';

/**
 * Tracks what a server must close on shutdown. node:http tracks its own connections (closeIdleConnections); over TLS
 * the http2 server does not, so HTTP/2 sessions and HTTP/1.1-over-TLS sockets (with their in-flight request counts)
 * are tracked here, and an idle one is closed as soon as the drain starts.
 */
export class DrainTracker {
  /** True once `stopAccepting` ran: new HTTP/1.1 responses carry `Connection: close`, new sessions are closed. */
  closing = false;
  /** TLS only: per-socket in-flight counts, so idle HTTP/1.1 connections can be closed during a drain. */
  private readonly inflight = new Map<Socket, number>();
  private readonly sessions = new Set<ServerHttp2Session>();

  /** A TLS connection was accepted (either protocol). */
  addSocket(sock: Socket): void {
    this.inflight.set(sock, 0);
    sock.once('close', () => this.inflight.delete(sock));
  }

  /** An HTTP/2 session began; one that begins while closing is closed at once (GOAWAY). */
  addSession(session: ServerHttp2Session): void {
    this.sessions.add(session);
    session.once('close', () => this.sessions.delete(session));
    if (this.closing) session.close();
  }

  /** An HTTP/1.1-over-TLS request began: its socket counts as busy until the response closes. */
  trackTlsRequest(req: Req, res: Res): void {
    const sock = req.socket as Socket;
    const inflight = this.inflight;
    inflight.set(sock, (inflight.get(sock) ?? 0) + 1);
    res.once('close', () => {
      const n = (inflight.get(sock) ?? 1) - 1;
      inflight.set(sock, n);
      if (this.closing && n === 0) sock.end();
    });
  }

  /** Closes what is idle now: keep-alive connections, HTTP/2 sessions (GOAWAY lets open streams finish). */
  closeIdle(server: Server): void {
    if (server instanceof http.Server) {
      server.closeIdleConnections();
      return;
    }
    for (const session of this.sessions) session.close();
    for (const [sock, n] of this.inflight) if (n === 0) sock.end();
  }

  /** Cuts everything still open after the deadline. */
  destroyAll(server: Server): void {
    if (server instanceof http.Server) {
      server.closeAllConnections();
      return;
    }
    for (const session of this.sessions) session.destroy();
    for (const sock of this.inflight.keys()) sock.destroy();
  }

  /**
   * The server's part in the one shutdown routine: stop accepting and close idle connections, let transfers finish
   * until the deadline (re-closing connections as they go idle), then cut the rest and flush the access log.
   */
  closable(name: string, server: Server, accessLog: AccessLog | null): Closable {
    let closed: Promise<void> = Promise.resolve();
    return {
      name,
      stopAccepting: () => {
        if (this.closing) return;
        this.closing = true;
        if (server.listening) closed = new Promise<void>((resolve) => server.close(() => resolve()));
        this.closeIdle(server);
      },
      drain: async (deadline: number) => {
        const timer = setInterval(() => this.closeIdle(server), 50);
        timer.unref();
        let cut: NodeJS.Timeout | undefined;
        const late = new Promise<void>((resolve) => {
          cut = setTimeout(resolve, Math.max(0, deadline - Date.now()));
          cut.unref();
        });
        try {
          await Promise.race([closed, late]);
        } finally {
          clearInterval(timer);
          clearTimeout(cut);
        }
      },
      close: async () => {
        this.destroyAll(server);
        await accessLog?.closable().close?.();
      },
    };
  }
}
