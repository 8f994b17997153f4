// The one place where serve's request layers are composed: host check (server.ts) → auth → proxy → upload → live reload → headers → files.
import type { Req, Res } from './respond.js';

/** One step of the request path: answers the request itself, or calls `next()` to hand it on. Never throws. */
export type Layer = (req: Req, res: Res, next: () => void) => void;

/** The handler at the end of the chain (the static handler). */
export type FinalHandler = (req: Req, res: Res) => void;

/**
 * Composes layers, in order, in front of a final handler. With no layers it returns the final handler itself, so a
 * serve with every feature off pays nothing per request.
 */
export function composeLayers(layers: readonly Layer[], final: FinalHandler): FinalHandler {
  let handler = final;
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i]!;
    const inner = handler;
    handler = (req, res) => layer(req, res, () => inner(req, res));
  }
  return handler;
}
