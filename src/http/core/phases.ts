// Named moments of one response, after fastify's hooks: `onSend` hooks may change the head before it is written, and the body byte count is what the `onResponse` phase (the access log) reads.
import type { HeaderInput } from './respond.js';
import type { Res } from './types.js';

/**
 * A hook run just before a response's head is written (by `writeHead` in respond.ts, which every handler behind the
 * features uses): it gets the status and headers and returns the headers to write.
 */
export type OnSendHook = (status: number, headers: HeaderInput) => HeaderInput;

interface ResponseState {
  onSend: OnSendHook[];
  /** Body bytes sent so far (counted by respond.ts's writers); undefined until a writer reports. */
  bytes: number | undefined;
}

/** Per-response state, owned here; responses are the keys, so nothing outlives its response. */
const states = new WeakMap<Res, ResponseState>();

function stateOf(res: Res): ResponseState {
  let s = states.get(res);
  if (s === undefined) states.set(res, (s = { onSend: [], bytes: undefined }));
  return s;
}

/** Adds an `onSend` hook to one response (a layer calls this before `next()`); hooks run in the order added. */
export function onSend(res: Res, hook: OnSendHook): void {
  stateOf(res).onSend.push(hook);
}

/** Runs the response's `onSend` hooks over its head; called by respond.ts's `writeHead` only. */
export function runOnSend(res: Res, status: number, headers: HeaderInput): HeaderInput {
  const s = states.get(res);
  if (s === undefined) return headers;
  let out = headers;
  for (const hook of s.onSend) out = hook(status, out);
  return out;
}

/** Adds `n` body bytes to the response's count (respond.ts's writers, file streams, the proxy and event streams call this). */
export function countBody(res: Res, n: number): void {
  const s = stateOf(res);
  s.bytes = (s.bytes ?? 0) + n;
}

/** The body bytes a response sent, as counted by its writers; undefined when no writer reported. */
export function bodyBytes(res: Res): number | undefined {
  return states.get(res)?.bytes;
}
