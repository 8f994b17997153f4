// Shared parts of the real-sender matrix: `muxd collect --syslog-port` (and --udp-port) as a child, numbered messages, a fast line feeder, and UDP's drop accounting.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { spawnCollect } from './collect.js';
import type { CollectProcess } from './collect.js';
import { JournalFollower, Tally } from './journal-follow.js';
import type { JournalRecord } from '../../src/journal/record.js';

/** Padding that makes a matrix message the size of a typical log line. */
const PAD = 'x'.repeat(48);
const BODY = /^mx (\d+) x{48}$/;

/** The text of matrix message `id`: a unique counter, then padding. */
export function body(id: number): string {
  return `mx ${id} ${PAD}`;
}

/** The counter of a record whose `msg` is exactly one matrix message (with `--syslog`, the MSG part); else null. */
export function idOf(rec: JournalRecord): number | null {
  const m = BODY.exec(rec.msg ?? '');
  return m === null ? null : Number(m[1]);
}

/** An imtcp → omfwd relay that drops nothing: inputs wait (never discard) on a full main queue, and a failed send is retried forever. */
export function omfwdConfig(dir: string, port: number, framing: 'octet-counted' | 'traditional'): string {
  return [
    `global(workDirectory="${dir}" maxMessageSize="64k")`,
    // timeoutEnqueue: a full queue makes imtcp wait (~23 days) instead of discarding after the default 2 s;
    // discardSeverity 8 (the default, spelled out) discards nothing when the queue is nearly full.
    'main_queue(queue.type="FixedArray" queue.size="100000" queue.timeoutEnqueue="2000000000" queue.discardSeverity="8" queue.dequeueBatchSize="1024")',
    'module(load="imtcp")',
    `input(type="imtcp" port="0" address="127.0.0.1" listenPortFileName="${dir}/imtcp.port")`,
    // Only the test's messages go to muxd; rsyslog's own ("cannot connect", …) stay out of the count (they go to its stderr).
    `if $programname == "matrix" then action(type="omfwd" target="127.0.0.1" port="${port}" protocol="tcp" TCP_Framing="${framing}"`,
    '       action.resumeRetryCount="-1" action.resumeInterval="1")',
    '',
  ].join('\n');
}

/** The line fed to imtcp for message `id` (RFC 3164, local0.info; omfwd forwards it in its traditional format). */
export function omfwdInputLine(id: number): string {
  return `<134>Dec  7 14:00:00 feeder matrix: ${body(id)}`;
}

/** The counter of a record that is one omfwdInputLine message with its syslog header kept through rsyslog (--syslog parsed it). */
export function omfwdIdOf(rec: JournalRecord): number | null {
  const s = rec.syslog;
  if (s?.app !== 'matrix' || s.host !== 'feeder' || s.facility !== 'local0' || s.severity !== 'info') return null;
  return idOf(rec);
}

/** What the checks need of a running muxd (`collect` or `up`): its journal, its UDP port, a stop and its stderr. */
export interface MuxdChild {
  journal: string;
  /** 0 without a UDP listener. */
  udpPort: number;
  proc: { stop(signal?: NodeJS.Signals): Promise<number | string | null>; stderr(): string };
}

/** A running `muxd collect --syslog-port 0` and where it listens. */
export interface SyslogMuxd extends MuxdChild {
  proc: CollectProcess;
  syslogPort: number;
}

/** Waits for the `listening KIND SCHEME://HOST:PORT` line (any order) and returns PORT. */
export async function listenPort(proc: CollectProcess, kind: string, scheme: string): Promise<number> {
  const re = new RegExp(`^listening ${kind} ${scheme}://[^ ]+:(\\d+)$`);
  for (let n = 1; ; n++) {
    const lines = await proc.waitLines(n);
    const m = re.exec(lines[n - 1] ?? '');
    if (m) return Number(m[1]);
  }
}

/**
 * Spawns `muxd collect --no-stdin --syslog --journal DIR/j.jsonl --syslog-port PORT` (0: a free port), plus
 * `--udp-port 0` with `udp`, plus `extra` flags (with `--syslog-tls` among them, the line says `tls://`). `--sync`
 * is left at its default (batch).
 */
export async function startSyslogMuxd(dir: string, opts: { udp?: boolean; syslogPort?: number; extra?: string[] } = {}): Promise<SyslogMuxd> {
  const journal = path.join(dir, 'j.jsonl');
  const args = ['--no-stdin', '--syslog', '--journal', journal, '--syslog-port', String(opts.syslogPort ?? 0)];
  if (opts.udp) args.push('--udp-port', '0');
  const proc = await spawnCollect([...args, ...(opts.extra ?? [])]);
  const syslogPort = await listenPort(proc, 'syslog', opts.extra?.includes('--syslog-tls') ? 'tls' : 'tcp');
  const udpPort = opts.udp ? await listenPort(proc, 'udp', 'udp') : 0;
  return { proc, journal, syslogPort, udpPort };
}

/**
 * Writes `count` lines, `line(i)` + LF for i in 0…count-1, over one connection (TCP or a Unix socket), in
 * large chunks and honouring backpressure, then closes it. Fast enough to feed a million lines in seconds.
 */
export async function feedLines(to: net.NetConnectOpts, count: number, line: (i: number) => string): Promise<void> {
  const sock = net.connect(to);
  await once(sock, 'connect');
  const closed = once(sock, 'close');
  const perChunk = 2000;
  for (let i = 0; i < count; i += perChunk) {
    let text = '';
    for (let k = i; k < Math.min(count, i + perChunk); k++) text += `${line(k)}\n`;
    if (!sock.write(text)) await once(sock, 'drain');
  }
  sock.end();
  await closed;
}

/** muxd's own account of one UDP listener, printed to stderr at shutdown. */
export interface UdpReport {
  datagrams: number;
  droppedByMuxd: number;
  droppedByKernel: number;
}

/** Finds the `udp …: N datagrams, N dropped by muxd, N dropped by the kernel` line in muxd's stderr. */
export function udpReport(stderr: string): UdpReport {
  const m = /udp .*: (\d+) datagrams, (\d+) dropped by muxd, (\d+) dropped by the kernel/.exec(stderr);
  if (!m) throw new Error(`no UDP report in muxd's stderr: ${stderr}`);
  return { datagrams: Number(m[1]), droppedByMuxd: Number(m[2]), droppedByKernel: Number(m[3]) };
}

/** Bytes waiting in the receive queue of the UDP socket bound to 127.0.0.1:`port` (rx_queue in /proc/net/udp). */
async function udpReceiveQueue(port: number): Promise<number | null> {
  // /proc/net/udp prints 127.0.0.1 little-endian, and the port in hex.
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const row of (await readFile('/proc/net/udp', 'utf8')).split('\n').slice(1)) {
    const cols = row.trim().split(/\s+/);
    if (cols[1] === local) return parseInt(cols[4]!.split(':')[1]!, 16);
  }
  return null;
}

/**
 * Resolves once muxd has read every datagram the kernel queued for `port`. Call it after the sender is done:
 * on loopback a sent datagram is queued (or dropped and counted) at once, so an empty queue means that
 * muxd's own counts are final, and a shutdown then loses nothing unread.
 */
export async function udpDrained(port: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const queued = await udpReceiveQueue(port);
    if (queued === null) throw new Error(`no UDP socket on 127.0.0.1:${port}`);
    if (queued === 0) return;
    if (Date.now() > deadline) throw new Error(`UDP port ${port} still has ${queued} bytes queued`);
    // The kernel tells no one when a socket's queue empties: look again shortly.
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What a sender delivered: the tally, the distinct `src` values, and the journal's record count. */
export interface Delivery {
  tally: Tally;
  sources: Set<string>;
  records: number;
}

/**
 * Follows muxd's journal until it holds `sent` records (or `timeoutMs` passes), runs `beforeStop` (stop the
 * sender), stops muxd with SIGTERM and reads the rest. `idOf` maps a record to its message number, null for a
 * record that is not exactly one sent message.
 */
async function deliver(muxd: MuxdChild, sent: number, idOf: (rec: JournalRecord) => number | null, opts: { waitFor: number; timeoutMs: number; beforeStop?: () => Promise<void> }): Promise<Delivery> {
  const tally = new Tally(sent, idOf);
  const sources = new Set<string>();
  const follower = new JournalFollower(muxd.journal, (rec) => {
    sources.add(rec.src);
    tally.add(rec);
  });
  if (opts.waitFor > 0) await follower.until(() => follower.records >= opts.waitFor, `${opts.waitFor} records`, opts.timeoutMs);
  await opts.beforeStop?.();
  assert.equal(await muxd.proc.stop('SIGTERM'), 0, muxd.proc.stderr());
  await follower.poll();
  assert.equal(follower.unfinishedBytes, 0, 'the closed journal ends with LF');
  return { tally, sources, records: follower.records };
}

/**
 * TCP: every one of `sent` messages is journaled exactly once, each as its own record, from one connection
 * (src `syslog:127.0.0.1:PORT`). Stops muxd; `beforeStop` stops the sender first.
 */
export async function expectEachOnce(
  muxd: MuxdChild,
  sent: number,
  idOf: (rec: JournalRecord) => number | null,
  opts: { timeoutMs?: number; beforeStop?: () => Promise<void> } = {},
): Promise<Delivery> {
  const d = await deliver(muxd, sent, idOf, { waitFor: sent, timeoutMs: opts.timeoutMs ?? 60_000, beforeStop: opts.beforeStop });
  const c = d.tally.counts();
  assert.deepEqual(
    { once: c.once, missing: c.missing, duplicated: c.duplicated, strays: c.strays, records: d.records },
    { once: sent, missing: 0, duplicated: 0, strays: 0, records: sent },
    `${d.tally.describe()}\nmuxd: ${muxd.proc.stderr()}`,
  );
  assert.equal(d.sources.size, 1, `one connection: ${[...d.sources].join(', ')}`);
  assert.match([...d.sources][0]!, /^syslog:127\.0\.0\.1:\d+$/);
  return d;
}

/**
 * UDP, once the sender is done: waits until muxd has read its socket dry, stops muxd, and checks its report:
 * every message journaled at most once, each as its own record, and the journaled ones plus the drops that muxd
 * and the kernel report make exactly `sent`.
 */
export async function expectUdpAccounted(
  muxd: MuxdChild,
  sent: number,
  idOf: (rec: JournalRecord) => number | null,
  opts: { beforeStop?: () => Promise<void> } = {},
): Promise<Delivery & { report: UdpReport }> {
  await udpDrained(muxd.udpPort);
  const d = await deliver(muxd, sent, idOf, { waitFor: 0, timeoutMs: 0, beforeStop: opts.beforeStop });
  const report = udpReport(muxd.proc.stderr());
  const c = d.tally.counts();
  assert.deepEqual({ duplicated: c.duplicated, strays: c.strays }, { duplicated: 0, strays: 0 }, d.tally.describe());
  assert.equal(c.once + report.droppedByMuxd + report.droppedByKernel, sent, `journaled + reported drops = sent: ${d.tally.describe()}; ${JSON.stringify(report)}`);
  assert.equal(d.records, c.once);
  for (const src of d.sources) assert.match(src, /^udp:127\.0\.0\.1:\d+$/);
  return { ...d, report };
}
