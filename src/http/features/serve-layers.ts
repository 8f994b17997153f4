// The optional features of serve and up as layers, in the order of the request path: auth, upload, headers.
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { authLayer } from './auth.js';
import { headersLayer } from './headers.js';
import type { Layer } from '../core/layers.js';
import type { ServeFeatures } from './options.js';
import { uploadLayer } from './upload.js';

/** The layers of one server: `auth` guards every route (in `up`, `/_muxd/` too); `files` sit in front of the static handler only. */
export interface FeatureLayers {
  auth: Layer[];
  files: Layer[];
}

/**
 * Builds the layers for the features that are on. `root` is the served folder (its real path is taken here);
 * `deny` names real paths uploads must never write (`up`'s journal files).
 */
export async function createFeatureLayers(f: ServeFeatures, root: string, deny?: (realPath: string) => boolean): Promise<FeatureLayers> {
  const files: Layer[] = [];
  if (f.upload !== null) files.push(uploadLayer(await realpath(path.resolve(root)), f.upload, deny));
  if (f.headers !== null) files.push(headersLayer(f.headers));
  return { auth: f.auth === null ? [] : [authLayer(f.auth)], files };
}
