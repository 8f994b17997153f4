// Pages through GET /_muxd/journal as the page does: follow `next` until null, checking the answer's shape on every page.
import assert from 'node:assert/strict';
import http from 'node:http';

/** One answer of /_muxd/journal. */
export interface JournalAnswer {
  records: Array<{ seq: number } & Record<string, unknown>>;
  next: number | null;
  complete: boolean;
  scanned: { records: number; bytes: number };
  order: 'asc' | 'desc';
}

/** GET a URL and parse its JSON body, with the status and headers. */
export async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: T }> {
  const res = await fetch(url, { headers });
  return { status: res.status, headers: res.headers, body: (await res.json()) as T };
}

/**
 * Every record a search finds, oldest first, following `next` (as `before` newest first, as `after` with
 * `order: 'asc'`) until it is null; also the pages. Fails on a malformed page or a cursor that does not move.
 */
export async function searchAll(base: string, params: Record<string, string>, o: { order?: 'asc' | 'desc'; headers?: Record<string, string>; maxPages?: number } = {}): Promise<{ records: JournalAnswer['records']; pages: JournalAnswer[] }> {
  const order = o.order ?? 'desc';
  const pages: JournalAnswer[] = [];
  let records: JournalAnswer['records'] = [];
  let cursor: number | null = null;
  for (let i = 0; i < (o.maxPages ?? 100_000); i++) {
    const q = new URLSearchParams(params);
    if (cursor !== null) q.set(order === 'asc' ? 'after' : 'before', String(cursor));
    else if (order === 'asc' && !q.has('after')) q.set('after', '0');
    const { status, body } = await getJson<JournalAnswer>(`${base}/_muxd/journal?${q}`, o.headers);
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.order, order);
    assert.equal(typeof body.complete, 'boolean');
    assert.equal(typeof body.scanned.records, 'number');
    const seqs = body.records.map((r) => r.seq);
    assert.deepEqual(seqs, seqs.slice().sort((a, b) => a - b), 'records ascend');
    pages.push(body);
    records = order === 'asc' ? records.concat(body.records) : body.records.concat(records);
    if (body.next === null) return { records, pages };
    assert.notEqual(body.next, cursor, 'the cursor moves');
    cursor = body.next;
  }
  throw new Error('search did not end');
}

/** A request whose response is never read: its socket fills and the server's writes stop (backpressure). Destroy it to end. */
export function stalledDownload(url: string): Promise<{ status: number; destroy: () => void }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      res.pause();
      resolve({ status: res.statusCode ?? 0, destroy: () => req.destroy() });
    });
    req.on('error', (err) => {
      if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(err);
    });
  });
}

/** Polls `/_muxd/metrics` until `muxd_searches_active` reads `n` (the search slots are observable only there). */
export async function waitSearches(base: string, n: number, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const text = await (await fetch(`${base}/_muxd/metrics`)).text();
    const m = /^muxd_searches_active (\d+)$/m.exec(text);
    if (m && Number(m[1]) === n) return;
    if (Date.now() > end) throw new Error(`muxd_searches_active never became ${n}: ${m?.[1]}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Epoch ms of the fixtures' first record (each next one 100 ms later). */
export const FIXTURE_T0 = Date.parse('2026-12-01T00:00:00Z');

/**
 * A mixed journal record: plain text (some with "refused"), invalid UTF-8 kept as `b64`, `partial` lines, syslog
 * records from sshd and cron with several severities, a rare term every 10,007 records, sources tcp/udp/http.
 */
export function mixedRecord(seq: number): Record<string, unknown> {
  const rec: Record<string, unknown> = { seq, ts: new Date(FIXTURE_T0 + seq * 100).toISOString(), src: ['tcp:127.0.0.1:5001', 'udp:10.0.0.2:514', 'http:127.0.0.1'][seq % 3] };
  if (seq % 97 === 0) rec.b64 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(` refused ${seq}`)]).toString('base64');
  else if (seq % 10_007 === 0) rec.msg = `xylophone rare ${seq}`;
  else rec.msg = seq % 5 === 0 ? `connection "refused" from peer ${seq}` : `ordinary line ${seq} ok`;
  if (seq % 89 === 0) rec.partial = true;
  else if (seq % 7 === 0) rec.syslog = { facility: 'auth', severity: ['err', 'warning', 'info', 'debug'][seq % 4], app: seq % 2 === 0 ? 'sshd' : 'cron' };
  return rec;
}

/**
 * Writes records 1..n as a journal file set: `parts` gives each file's last seq, oldest first, with `.gz` to
 * compress it (`[[300, 'gz'], [600, ''], …]`); the last part is the live file.
 */
export async function writeJournalSet(file: string, parts: Array<[number, 'gz' | '']>, record: (seq: number) => Record<string, unknown> = mixedRecord): Promise<void> {
  const { writeFile } = await import('node:fs/promises');
  const { gzipSync } = await import('node:zlib');
  let from = 1;
  for (let i = 0; i < parts.length; i++) {
    const [last, gz] = parts[i] as [number, 'gz' | ''];
    let text = '';
    for (let s = from; s <= last; s++) text += `${JSON.stringify(record(s))}\n`;
    from = last + 1;
    const n = parts.length - 1 - i;
    const name = n === 0 ? file : `${file}.${n}${gz === 'gz' ? '.gz' : ''}`;
    await writeFile(name, gz === 'gz' ? gzipSync(text) : text);
  }
}
