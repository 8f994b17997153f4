// Uploads (`--upload`): `PUT /path/file` and multipart `POST /folder/` (the listing's drop zone), size-capped, atomic.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import { BadPathError, BadRequestError, ErrorCode, ForbiddenOriginError, MuxdError, NotFoundError, PayloadTooLargeError, UnsupportedMediaTypeError, codeOf } from '../../errors.js';
import { isSameOrigin } from '../core/request-target.js';
import type { Layer } from '../core/layers.js';
import { refuseBody } from '../core/lingering-close.js';
import { resolvePath } from '../static/resolve-path.js';
import type { ResolvedPath } from '../static/resolve-path.js';
import { encodePath, endWith, writeHead } from '../core/respond.js';
import { sendJson, sendJsonError } from '../core/json-reply.js';
import type { Req, Res } from '../core/respond.js';
import { UploadStore } from './upload-store.js';
import type { StagedFile } from './upload-store.js';

/** Default `--max-upload`: 100 MiB. */
export const DEFAULT_MAX_UPLOAD = 100 * 1024 * 1024;
/** Most files in one multipart POST. */
export const MAX_FILES_PER_POST = 1000;

/** What the upload layer needs, validated. */
export interface UploadOptions {
  /** Most bytes in one request body (413 past it). */
  maxBytes: number;
  /** Replace existing files (409 otherwise). */
  overwrite: boolean;
  /** Paths of the config file in use (as named and its real path): never written. */
  protect?: readonly string[];
}

/** The body bytes of a request, through an iterator that leaves the request intact when stopped (so a 413 can still be read by the client). */
async function* limitedBody(req: Req, max: number): AsyncGenerator<Buffer> {
  let n = 0;
  for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    n += chunk.length;
    if (n > max) throw new PayloadTooLargeError(max);
    yield chunk;
  }
}

/** Sends the error of a failed upload; unexpected ones (not MuxdError) are ERR_INTERNAL, and nothing names a path. */
function fail(req: Req, res: Res, err: unknown, bodyLeft: boolean): void {
  if (res.headersSent) return void res.destroy();
  const code = codeOf(err);
  // A client that went away has no one to answer.
  if (req.destroyed && !req.complete) return;
  if (bodyLeft && !req.complete) refuseBody(req as IncomingMessage, res as ServerResponse);
  sendJsonError(res, err, code === ErrorCode.INTERNAL || code === ErrorCode.IO ? { message: 'the upload could not be stored' } : {});
}

/** Creates the upload layer for a served root (a real path); PUT and POST are handled here, everything else passes on. */
export function uploadLayer(root: string, o: UploadOptions, deny?: (realPath: string) => boolean): Layer {
  const store = new UploadStore(root, o.overwrite, deny, o.protect);
  return function uploadOnRequest(req, res, next) {
    const method = req.method;
    if (method !== 'PUT' && method !== 'POST') return next();
    const handle = method === 'PUT' ? put : post;
    handle(store, o, req, res).catch((err: unknown) => fail(req, res, err, true));
  };
}

/** The checks every upload passes before its body is read: same origin, a size within the cap, a path the resolver accepts. */
function precheck(req: Req, max: number): ResolvedPath {
  if (!isSameOrigin(req as IncomingMessage)) throw new ForbiddenOriginError();
  const len = req.headers['content-length'];
  if (len !== undefined && Number(len) > max) throw new PayloadTooLargeError(max);
  const resolved = resolvePath(req.url ?? '', { dotfiles: 'deny' });
  if (!resolved.ok) throw resolved.status === 400 ? new BadPathError() : new NotFoundError();
  return resolved;
}

async function put(store: UploadStore, o: UploadOptions, req: Req, res: Res): Promise<void> {
  const { segments, trailingSlash } = precheck(req, o.maxBytes);
  if (segments.length === 0 || trailingSlash) throw new BadPathError('PUT needs a file path, not a folder');
  const dir = await store.folder(segments.slice(0, -1));
  const target = await store.check(dir, segments[segments.length - 1]!);
  let staged: StagedFile;
  try {
    staged = await store.stage(target, limitedBody(req, o.maxBytes));
  } catch (err) {
    return fail(req, res, err, true);
  }
  const replaced = await store.commit(staged);
  sendJson(res, replaced ? 200 : 201, { path: encodePath(segments), size: staged.size }, replaced ? {} : { headers: { Location: encodePath(segments) } });
}

async function post(store: UploadStore, o: UploadOptions, req: Req, res: Res): Promise<void> {
  const { segments } = precheck(req, o.maxBytes);
  if (!/^multipart\/form-data\s*;/i.test(req.headers['content-type'] ?? '')) throw new UnsupportedMediaTypeError('uploads are multipart/form-data');
  const dir = await store.folder(segments);
  const bb = busboy({
    headers: req.headers as Record<string, string>,
    limits: { fileSize: o.maxBytes + 1, files: MAX_FILES_PER_POST, fields: 100, fieldSize: 64 * 1024, parts: MAX_FILES_PER_POST + 100, headerPairs: 100 },
    defParamCharset: 'utf8',
  });
  const staging: Promise<StagedFile>[] = [];
  bb.on('file', (_field, stream, info) => {
    const p = store.check(dir, info.filename ?? '').then((target) => store.stage(target, stream));
    // The first failure stops the parse; the rest of the body is drained by the refusal.
    p.catch((err: unknown) => {
      stream.resume();
      bb.destroy(err as Error);
    });
    staging.push(p);
  });
  bb.on('filesLimit', () => bb.destroy(new BadRequestError(`more than ${MAX_FILES_PER_POST} files`)));
  let failure: unknown = null;
  try {
    await pipeline(limitedBody(req, o.maxBytes), bb);
  } catch (err) {
    failure = err instanceof Error && !(err instanceof MuxdError) && /multipart|boundary|form|part/i.test(err.message) ? new BadRequestError('malformed multipart body') : err;
  }
  const settled = await Promise.allSettled(staging);
  const staged = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  failure ??= settled.find((s) => s.status === 'rejected')?.reason ?? (staged.length === 0 ? new BadRequestError('no file in the form') : null);
  if (failure !== null) {
    await Promise.all(staged.map((f) => store.discard(f)));
    return fail(req, res, failure, true);
  }
  const stored: { name: string; size: number }[] = [];
  for (let i = 0; i < staged.length; i++) {
    try {
      await store.commit(staged[i]!);
    } catch (err) {
      await Promise.all(staged.slice(i + 1).map((f) => store.discard(f)));
      throw err;
    }
    stored.push({ name: staged[i]!.name, size: staged[i]!.size });
  }
  // A form posted without script (a browser navigation) goes back to the listing; the drop zone's fetch gets JSON.
  const folderUrl = `${encodePath(segments)}/`.replace(/^\/\/$/, '/');
  if ((req.headers.accept ?? '').includes('text/html')) {
    writeHead(res, 303, ['Location', folderUrl, 'Content-Length', '0', 'Cache-Control', 'no-store']);
    return endWith(req, res, undefined);
  }
  sendJson(res, 201, { path: folderUrl, files: stored });
}
