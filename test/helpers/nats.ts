// Starts real `nats-server` processes (Debian's 2.9) on free 127.0.0.1 ports for NATS sink tests: one node, or a 3-node JetStream cluster.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import type { StoredMsg } from '@nats-io/jetstream';
import { decodeBatch } from '../../src/nats/batch.js';
import type { StreamRecord } from '../../src/nats/batch.js';

/** A free TCP port on 127.0.0.1 (bound to port 0, then released: nats-server 2.9 cannot report a random port on its command line). */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address() as net.AddressInfo;
  srv.close();
  await once(srv, 'close');
  return port;
}

/** One nats-server process that can be killed and started again on the same ports and store. */
export interface NatsNode {
  name: string;
  port: number;
  /** `127.0.0.1:PORT` */
  hostPort: string;
  /** Starts the process (again) and resolves once it logs "Server is ready". */
  start(): Promise<void>;
  /** Sends the signal and resolves once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Sends a signal without waiting (SIGSTOP/SIGCONT make a server hang while its connections stay open). */
  signal(signal: NodeJS.Signals): void;
  /** Its log so far. */
  log(): string;
}

function node(name: string, port: number, args: string[]): NatsNode {
  let child: ChildProcess | null = null;
  let out = '';
  return {
    name,
    port,
    hostPort: `127.0.0.1:${port}`,
    async start() {
      const c = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '--server_name', name, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      c.stdout!.setEncoding('utf8');
      c.stderr!.setEncoding('utf8');
      c.stdout!.on('data', (d: string) => (out += d));
      await new Promise<void>((resolve, reject) => {
        const onData = (d: string): void => {
          out += d;
          if (out.includes('Server is ready')) {
            c.stderr!.removeListener('data', onData);
            c.stderr!.on('data', (more: string) => (out += more));
            resolve();
          }
        };
        c.stderr!.on('data', onData);
        c.once('exit', (code) => reject(new Error(`nats-server ${name} exited (${code}): ${out}`)));
        c.once('error', reject);
      });
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      const c = child;
      child = null;
      if (c === null || c.exitCode !== null || c.signalCode !== null) return;
      const exited = once(c, 'exit');
      c.kill(signal);
      await exited;
    },
    signal(signal: NodeJS.Signals) {
      child?.kill(signal);
    },
    log: () => out,
  };
}

/** A running set of nats-servers with their store folder. */
export interface NatsCluster {
  nodes: NatsNode[];
  /** `nats://h:p,h:p,…` for `--sink`. */
  url: string;
  /** Stops every node and removes the store folder. */
  stop(): Promise<void>;
}

/** Starts one JetStream server (`-js -sd DIR`), on `port` if given (a muxd already waiting for it there). */
export async function startNats(port?: number): Promise<NatsCluster> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'muxd-nats-'));
  const n = node('n1', port ?? (await freePort()), ['-js', '-sd', path.join(dir, 'n1')]);
  await n.start();
  return { nodes: [n], url: `nats://${n.hostPort}`, stop: async () => stopAll([n], dir) };
}

/** `n` distinct free ports: every listener is held open until all are picked, so none is handed out twice. */
async function freePorts(n: number): Promise<number[]> {
  const servers = Array.from({ length: n }, () => net.createServer().listen(0, '127.0.0.1'));
  await Promise.all(servers.map((s) => once(s, 'listening')));
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/**
 * Starts a 3-node JetStream cluster and waits until JetStream answers (a meta leader is elected). A port taken
 * between its pick and the servers' bind (another test file running beside this one) makes a node exit at once:
 * then the whole cluster is started again on new ports, at most three times.
 */
export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startClusterOnce(size);
    } catch (err) {
      if (attempt >= 3 || !/exited/.test(String(err))) throw err;
    }
  }
}

async function startClusterOnce(size: number): Promise<NatsCluster> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'muxd-nats-'));
  const ports = await freePorts(2 * size);
  const clientPorts = ports.slice(0, size);
  const routePorts = ports.slice(size);
  const routes = routePorts.map((p) => `nats://127.0.0.1:${p}`).join(',');
  const nodes = clientPorts.map((p, i) =>
    node(`n${i + 1}`, p, ['-js', '-sd', path.join(dir, `n${i + 1}`), '--cluster_name', 'muxdtest', '--cluster', `nats://127.0.0.1:${routePorts[i]}`, '--routes', routes]),
  );
  try {
    await Promise.all(nodes.map((n) => n.start()));
  } catch (err) {
    await stopAll(nodes, dir);
    throw err;
  }
  const url = `nats://${nodes.map((n) => n.hostPort).join(',')}`;
  await waitForJetStream(nodes.map((n) => n.hostPort));
  return { nodes, url, stop: async () => stopAll(nodes, dir) };
}

async function stopAll(nodes: NatsNode[], dir: string): Promise<void> {
  await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
  await rm(dir, { recursive: true, force: true });
}

/**
 * Polls until the cluster can place a stream with one replica per node: a fresh cluster has no meta leader, and then
 * not every peer, for a moment, and no event says when it has. Creates and deletes a probe stream.
 */
export async function waitForJetStream(servers: string[], timeoutMs = 20_000): Promise<void> {
  const nc = await connect({ servers });
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const jsm = await jetstreamManager(nc, { timeout: 2000, checkAPI: false });
        await jsm.streams.add({ name: 'MUXD_PROBE', subjects: ['muxdprobe.>'], num_replicas: servers.length });
        await jsm.streams.delete('MUXD_PROBE');
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } finally {
    await nc.close();
  }
}

/**
 * Runs a JetStream API call again when it times out: right after a server of a cluster is killed, a request can
 * land on the dead route before the client notices. Anything else is thrown at once.
 */
export async function retryOnTimeout<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts || (err as Error).name !== 'TimeoutError') throw err;
    }
  }
}

/** Every record in the stream, read message by message with the stream API (independent of muxd's reader). */
export async function readStream(servers: string[], stream = 'MUXD'): Promise<StreamRecord[]> {
  const nc: NatsConnection = await connect({ servers });
  try {
    // No account-info probe: right after a kill the meta leader may still be re-elected; the stream itself answers.
    const jsm = await jetstreamManager(nc, { timeout: 10_000, checkAPI: false });
    const info = await retryOnTimeout(() => jsm.streams.info(stream));
    const out: StreamRecord[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const m: StoredMsg | null = await retryOnTimeout(() => jsm.streams.getMessage(stream, { seq }));
      if (m === null) continue;
      out.push(...decodeBatch(m.data, m.header.get('Muxd-Collector'), m.seq));
    }
    return out;
  } finally {
    await nc.close();
  }
}
