// The request path as a stack of layers (auth, proxy, upload, live reload, headers) in front of a final handler.
import type { Req, Res } from './respond.js';

/** One feature in the request path: answers the request itself, or calls `next()` to pass it on. Never throws. */
export type Layer = (req: Req, res: Res, next: () => void) => void;

/** Composes layers, outermost first, in front of `final`. With no layers, `final` itself is returned. */
export function composeLayers(layers: readonly Layer[], final: (req: Req, res: Res) => void): (req: Req, res: Res) => void {
  let handler = final;
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i]!;
    const inner = handler;
    handler = (req, res) => layer(req, res, () => inner(req, res));
  }
  return handler;
}
