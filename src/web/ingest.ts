// POST /_muxd/messages: the HTTP twin of the collector protocol (plain text lines or JSON), journaled via the collector.
import type { Req, Res } from '../http/core/types.js';
import { BadRequestError, MessageTooLongError, PayloadTooLargeError, UnsupportedMediaTypeError, MuxdError, ErrorCode, codeOf, httpStatusOf } from '../errors.js';
import { countRejected } from '../collector/caps.js';
import { DEFAULT_COLLECTOR_OPTIONS } from '../collector/options.js';
import { LineDecoder } from '../protocol/line-decoder.js';
import { refuseBody } from '../http/core/lingering-close.js';
import { errorBody, sendError, sendJson } from './reply.js';

import type { SubmitResult } from '../collector/server.js';

export type { SubmitResult } from '../collector/server.js';

/** What ingest needs from the collector: `CollectorServer.submit`, with the same limits and durability as TCP. */
export interface Submitter {
  submit(src: string, messages: Buffer[]): Promise<SubmitResult[]>;
}

/** Options for {@link createIngestHandler}. */
export interface IngestOptions {
  submitter: Submitter;
  /** `--max-message`: longer lines get `ERR_MESSAGE_TOO_LONG`, exactly as on TCP. */
  maxMessageBytes: number;
  /** Bodies above this answer 413 (default 1 MiB, raised to fit at least one message). */
  maxBodyBytes?: number;
  /** `--max-body-messages`: bodies with more messages answer 413 before any is queued. */
  maxBodyMessages?: number;
}

/** 413 for a body with more messages than `--max-body-messages`: each queued message costs far more than its bytes. */
function tooManyMessages(limit: number): MuxdError {
  return new MuxdError(ErrorCode.PAYLOAD_TOO_LARGE, `body holds more than ${limit} messages`);
}

/** A parsed body: buffers to journal, or the error a slot gets without reaching the journal. */
type Slot = Buffer | MuxdError;

/** The source label for a request: `http:IP` (IPv4-mapped IPv6 shown as IPv4). */
export function httpSource(req: Req): string {
  const ip = req.socket.remoteAddress ?? 'unknown';
  return `http:${ip.startsWith('::ffff:') ? ip.slice(7) : ip}`;
}

/** Which parser a `Content-Type` selects, or null when the body is not text (415). */
export function bodyKind(contentType: string | undefined): 'text' | 'json' | null {
  if (contentType === undefined || contentType.trim() === '') return 'text';
  const [type = '', ...params] = contentType.toLowerCase().split(';').map((p) => p.trim());
  const charset = params.find((p) => p.startsWith('charset='))?.slice(8).replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8' && charset !== 'us-ascii') return null;
  if (type === 'application/json' || type.endsWith('+json')) return 'json';
  if (type === 'text/plain') return 'text';
  return null;
}

/**
 * Splits a text body into lines exactly like the TCP decoder: LF framing, CR stripped, empty lines skipped,
 * long lines refused. Stops at the line past `maxMessages` and throws a 413 error.
 */
export function parseTextBody(body: Buffer, maxMessageBytes: number, maxMessages = Infinity): Slot[] {
  const slots: Slot[] = [];
  const decoder = new LineDecoder(maxMessageBytes);
  const sink = {
    line: (bytes: Buffer) => slots.push(Buffer.from(bytes)) <= maxMessages,
    tooLong: () => slots.push(new MessageTooLongError(maxMessageBytes)) <= maxMessages,
  };
  const used = decoder.push(body, sink);
  // The body's end ends its last line; unlike a dropped TCP connection it is not partial.
  if (used === body.length && body.length > 0 && body[body.length - 1] !== 0x0a) decoder.push(Buffer.from('\n'), sink);
  if (slots.length > maxMessages) throw tooManyMessages(maxMessages);
  return slots;
}

/** Reads `{"msg":…}`, `{"messages":[…]}` or `[…]`; each message is a non-empty string without a newline. */
export function parseJsonBody(body: Buffer, maxMessageBytes: number, maxMessages = Infinity): { slots: Slot[]; single: boolean } {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new BadRequestError('body is not valid JSON');
  }
  let list: unknown[];
  let single = false;
  if (Array.isArray(value)) list = value;
  else if (value !== null && typeof value === 'object' && 'msg' in value) {
    list = [(value as { msg: unknown }).msg];
    single = true;
  } else if (value !== null && typeof value === 'object' && Array.isArray((value as { messages?: unknown }).messages)) {
    list = (value as { messages: unknown[] }).messages;
  } else throw new BadRequestError('expected {"msg":"…"}, {"messages":[…]} or an array of strings');
  if (list.length > maxMessages) throw tooManyMessages(maxMessages);
  const slots = list.map((m): Slot => {
    if (typeof m !== 'string' || m === '') return new BadRequestError('each message must be a non-empty string');
    if (m.includes('\n')) return new BadRequestError('a message cannot contain a newline; send one message per line');
    const bytes = Buffer.from(m);
    return bytes.length > maxMessageBytes ? new MessageTooLongError(maxMessageBytes) : bytes;
  });
  return { slots, single };
}

function readBody(req: Req, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new PayloadTooLargeError(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const reqOnData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.removeListener('data', reqOnData);
        req.removeListener('end', reqOnEnd);
        reject(new PayloadTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    };
    const reqOnEnd = (): void => resolve(Buffer.concat(chunks, size));
    req.on('data', reqOnData);
    req.on('end', reqOnEnd);
    req.on('error', reject);
  });
}

/** The ingest handler plus the rejections it decided itself (before the collector saw the message). */
export interface IngestHandler {
  (req: Req, res: Res): void;
  readonly stats: { rejected: Record<string, number> };
}

/** Builds the POST /_muxd/messages handler. Never throws; every failure becomes a JSON error body. */
export function createIngestHandler(opts: IngestOptions): IngestHandler {
  const maxBody = Math.max(opts.maxBodyBytes ?? 1 << 20, opts.maxMessageBytes + 2);
  const maxMessages = opts.maxBodyMessages ?? DEFAULT_COLLECTOR_OPTIONS.maxBodyMessages;
  const stats = { rejected: {} as Record<string, number> };
  const count = (code: string): void => {
    countRejected(stats.rejected, code);
  };
  return Object.assign(ingest, { stats });

  function ingest(req: Req, res: Res): void {
    handle(req, res).catch((err: unknown) => {
      const code = codeOf(err);
      // The body was not read to its end: answer, then close the way nginx does, so the client sees the answer.
      if (code === ErrorCode.PAYLOAD_TOO_LARGE || code === ErrorCode.UNSUPPORTED_MEDIA_TYPE) refuseBody(req, res);
      count(code);
      sendError(res, err);
    });
  }

  async function handle(req: Req, res: Res): Promise<void> {
    const kind = bodyKind(req.headers['content-type']);
    if (kind === null) {
      req.resume();
      throw new UnsupportedMediaTypeError('send text/plain (one message per line) or application/json');
    }
    const body = await readBody(req, maxBody);
    let slots: Slot[];
    let single: boolean;
    if (kind === 'json') ({ slots, single } = parseJsonBody(body, opts.maxMessageBytes, maxMessages));
    else {
      slots = parseTextBody(body, opts.maxMessageBytes, maxMessages);
      single = slots.length === 1;
    }
    if (slots.length === 0) throw new BadRequestError('no message in the body');
    for (const s of slots) if (!Buffer.isBuffer(s)) count(s.code);
    const buffers = slots.filter((s): s is Buffer => Buffer.isBuffer(s));
    const results = buffers.length > 0 ? await opts.submitter.submit(httpSource(req), buffers) : [];
    let next = 0;
    const merged: SubmitResult[] = slots.map((s) => (Buffer.isBuffer(s) ? (results[next++] ?? { code: ErrorCode.INTERNAL, message: 'no result' }) : { code: s.code, message: s.message }));
    const firstError = merged.find((r): r is { code: string; message: string } => 'code' in r);
    if (single) {
      const only = merged[0] as SubmitResult;
      if ('seq' in only) sendJson(res, 200, { seq: only.seq });
      else sendJson(res, httpStatusOf(only.code), errorBody(only.code, only.message));
      return;
    }
    const seqs = merged.map((r) => ('seq' in r ? r.seq : null));
    if (firstError === undefined) sendJson(res, 200, { seqs });
    else sendJson(res, httpStatusOf(firstError.code), { ...errorBody(firstError.code, firstError.message), seqs });
  }
}
