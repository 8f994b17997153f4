// `GET /_muxd/journal` with filters and `GET /_muxd/journal.jsonl`: parse the query, take a search slot, scan within budget, cancel on disconnect.
import { BadQueryError, TooManySearchesError } from '../errors.js';
import { endBody, writeChunk, writeHead } from '../http/core/respond.js';
import type { Req, Res } from '../http/core/types.js';
import { isEmptyQuery, parseQuery, QUERY_PARAMS } from '../journal/query.js';
import type { Query, QueryText } from '../journal/query.js';
import { collectPage, DEFAULT_SEARCH_BUDGET_BYTES, DEFAULT_SEARCH_BUDGET_MS, renderSearchPage } from '../journal/search-page.js';
import type { SearchPage } from '../journal/search-page.js';
import type { SearchSlice } from '../journal/search.js';
import { ScanOrder } from '../journal/seq-scan.js';
import type { ScanOrderValue } from '../journal/seq-scan.js';
import type { HistoryPage } from './history.js';
import { sendError, sendJson } from './reply.js';

/** Default of `up --max-searches`: filtered searches and downloads running at once. */
export const DEFAULT_MAX_SEARCHES = 4;
/** Largest `limit` one page may ask for. */
export const MAX_SEARCH_LIMIT = 1000;
/** `limit` when the request names none. */
export const DEFAULT_SEARCH_LIMIT = 200;

/** Where searches read: the journal's files or the NATS stream. */
export interface Searcher {
  /** Slices of matches in `order`, between the exclusive cursors, until the scan ends or `signal` aborts. */
  slices(query: Query, order: ScanOrderValue, after: number | undefined, before: number | undefined, signal: AbortSignal): AsyncGenerator<SearchSlice>;
}

/** A parsed `/_muxd/journal` request. */
export interface SearchRequest {
  query: Query;
  order: ScanOrderValue;
  before: number | undefined;
  after: number | undefined;
  /** Null when the request named none (the download's default: every match). */
  limit: number | null;
}

function cursorParam(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^\d{1,15}$/.test(raw)) throw new BadQueryError(name, `${name} must be a seq (a whole number), not ${JSON.stringify(raw)}`);
  return Number(raw);
}

/** Parses the query parameters; throws BadQueryError naming the parameter at fault. */
export function parseSearchRequest(params: URLSearchParams, now: number = Date.now()): SearchRequest {
  const text: QueryText = {};
  for (const name of QUERY_PARAMS) {
    const v = params.get(name);
    if (v !== null) text[name] = v;
  }
  const query = parseQuery(text, now, 'param');
  const before = cursorParam(params, 'before');
  const after = cursorParam(params, 'after');
  const rawLimit = params.get('limit');
  let limit: number | null = null;
  if (rawLimit !== null && rawLimit !== '') {
    if (!/^\d{1,6}$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > MAX_SEARCH_LIMIT) {
      throw new BadQueryError('limit', `limit must be 1 to ${MAX_SEARCH_LIMIT}, not ${JSON.stringify(rawLimit)}`);
    }
    limit = Number(rawLimit);
  }
  // Newest first unless only `after` is given.
  const order = after !== undefined && before === undefined ? ScanOrder.ASC : ScanOrder.DESC;
  return { query, order, before, after, limit };
}

/** Counts searches running at once; beyond `max` a new one is refused (429). */
export class SearchGate {
  private running = 0;
  constructor(readonly max: number) {}

  /** Searches running now. */
  get active(): number {
    return this.running;
  }

  /** Takes a slot, or returns false when all `max` are taken. */
  tryEnter(): boolean {
    if (this.running >= this.max) return false;
    this.running++;
    return true;
  }

  /** Gives a slot back. */
  leave(): void {
    this.running--;
  }
}

/** Everything the search routes need. */
export interface SearchDeps {
  /** Null when the journal holds no records (`--format raw`). */
  searcher: Searcher | null;
  /** The index-based page for the unfiltered newest-first case (not a search). */
  history: { page(before: number | undefined, limit: number): Promise<HistoryPage> } | null;
  gate: SearchGate;
  budgetMs?: number;
  budgetBytes?: number;
}

/** An AbortSignal that fires when the client goes away before the response is finished. */
function disconnectSignal(req: Req, res: Res): AbortController {
  const ac = new AbortController();
  const onClose = (): void => {
    if (!res.writableFinished) ac.abort();
  };
  res.once('close', onClose);
  req.once('close', () => {
    if (req.destroyed && !res.writableFinished) ac.abort();
  });
  return ac;
}

/** The parsed request, or null after answering 400. */
function parsedOr400(res: Res, params: URLSearchParams): SearchRequest | null {
  try {
    return parseSearchRequest(params);
  } catch (err) {
    sendError(res, err);
    return null;
  }
}

function refuse(res: Res, gate: SearchGate): void {
  sendError(res, new TooManySearchesError(gate.max), { 'Retry-After': '1' });
}

/** `GET /_muxd/journal`: the index page when unfiltered and newest first, else a budgeted search. */
export function handleSearch(req: Req, res: Res, params: URLSearchParams, deps: SearchDeps): void {
  const r = parsedOr400(res, params);
  if (r === null) return;
  const limit = r.limit ?? DEFAULT_SEARCH_LIMIT;
  if (deps.searcher === null) return sendJson(res, 200, renderSearchPage(emptyPage(r.order)));
  if (isEmptyQuery(r.query) && r.after === undefined && deps.history !== null) {
    deps.history.page(r.before, limit).then(
      (p) => sendJson(res, 200, renderHistoryPage(p)),
      (err: unknown) => sendError(res, err),
    );
    return;
  }
  if (!deps.gate.tryEnter()) return refuse(res, deps.gate);
  const ac = disconnectSignal(req, res);
  const slices = deps.searcher.slices(r.query, r.order, r.after, r.before, ac.signal);
  const limits = { order: r.order, limit, budgetMs: deps.budgetMs ?? DEFAULT_SEARCH_BUDGET_MS, budgetBytes: deps.budgetBytes ?? DEFAULT_SEARCH_BUDGET_BYTES };
  collectPage(slices, limits, (r.order === ScanOrder.ASC ? r.after : r.before) ?? null)
    .then(
      (p) => {
        if (!ac.signal.aborted) sendJson(res, 200, renderSearchPage(p));
      },
      (err: unknown) => sendError(res, err),
    )
    .finally(() => deps.gate.leave());
}

/** `GET /_muxd/journal.jsonl`: every match, oldest first, as JSON lines with backpressure; no budget, stops on disconnect. */
export function handleDownload(req: Req, res: Res, params: URLSearchParams, deps: SearchDeps): void {
  const r = parsedOr400(res, params);
  if (r === null) return;
  if (!deps.gate.tryEnter()) return refuse(res, deps.gate);
  const ac = disconnectSignal(req, res);
  writeHead(res, 200, {
    'Content-Type': 'application/x-ndjson; charset=utf-8',
    'Content-Disposition': 'attachment; filename="muxd-journal.jsonl"',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  if (req.method === 'HEAD' || deps.searcher === null) {
    deps.gate.leave();
    return endBody(res);
  }
  void streamMatches(res, deps.searcher.slices(r.query, ScanOrder.ASC, r.after, r.before, ac.signal), r.limit, ac.signal)
    .then(
      () => {
        if (!ac.signal.aborted) endBody(res);
      },
      () => res.destroy(),
    )
    .finally(() => deps.gate.leave());
}

async function streamMatches(res: Res, slices: AsyncGenerator<SearchSlice>, limit: number | null, signal: AbortSignal): Promise<void> {
  let left = limit ?? Number.MAX_SAFE_INTEGER;
  try {
    for await (const s of slices) {
      if (signal.aborted) return;
      if (s.matches.length === 0) continue;
      const take = s.matches.length > left ? s.matches.slice(0, left) : s.matches;
      left -= take.length;
      let text = '';
      for (const m of take) text += `${m.json}\n`;
      // Pause the scan until the client has read; a client that goes away ends it.
      if (!writeChunk(res, text)) await drainedOrClosed(res);
      if (left === 0) return;
    }
  } finally {
    await slices.return(undefined);
  }
}

function drainedOrClosed(res: Res): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function emptyPage(order: ScanOrderValue): SearchPage {
  return { records: [], next: null, complete: true, scanned: { records: 0, bytes: 0 }, order };
}

/** The index-based page as the body of `/_muxd/journal` (`complete` always, `next` the `before` of the next older page). */
export function renderHistoryPage(p: HistoryPage): string {
  return renderSearchPage(historyPage(p));
}

function historyPage(p: HistoryPage): SearchPage {
  let bytes = 0;
  const records = p.lines.map((json, i) => {
    bytes += json.length;
    return { seq: p.seqs[i] as number, json };
  });
  return { records, next: p.more && p.seqs[0] !== undefined ? p.seqs[0] : null, complete: true, scanned: { records: records.length, bytes }, order: ScanOrder.DESC };
}
