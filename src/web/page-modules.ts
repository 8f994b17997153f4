// The page's ES modules linked for caching (pure): each relative import gets its target's `?v=HASH`, hashed leaves first,
// so a module's URL changes whenever it or anything it imports changes, and every module can be cached `immutable`.
import { createHash } from 'node:crypto';

/** A static import at the start of a line: `import … from './x.js'` (over several lines too) or `import './x.js'`. */
const IMPORT_RE = /^import\s(?:[^;'"]*?\sfrom\s*)?(['"])([^'"]*)\1/gm;
/** The only specifiers the page may use: a sibling module, so every module is one of the page's files. */
const SPECIFIER_RE = /^\.\/([a-z0-9-]+\.js)$/;

/** A module's file name and its source. */
export type ModuleSources = ReadonlyMap<string, string>;

/** One linked module: its source with versioned imports, and its content hash. */
export interface LinkedModule {
  body: string;
  version: string;
}

/** Short content hash, used as the `?v=` cache-buster and the strong ETag. */
export function contentHash(body: Buffer | string): string {
  return createHash('sha256').update(body).digest('base64url').slice(0, 16);
}

/**
 * The file names `source` imports, in order. Throws on any specifier other than `./name.js`: a bare or parent path
 * would name a file the page cannot serve.
 */
export function importsOf(source: string, from = 'a page module'): string[] {
  const names: string[] = [];
  for (const m of source.matchAll(IMPORT_RE)) {
    const name = SPECIFIER_RE.exec(m[2] ?? '')?.[1];
    if (name === undefined) throw new Error(`${from} imports '${m[2]}': the page's modules import only './name.js' siblings`);
    names.push(name);
  }
  return names;
}

/**
 * Links the module graph from `entry`: each module's imports are rewritten to `./name.js?v=HASH`, hashing imported
 * modules first. Throws on a missing module or an import cycle (a cycle has no order in which to hash).
 */
export function linkModules(sources: ModuleSources, entry: string): Map<string, LinkedModule> {
  const linked = new Map<string, LinkedModule>();
  const visiting = new Set<string>();
  const visit = (name: string): string => {
    const done = linked.get(name);
    if (done) return done.version;
    if (visiting.has(name)) throw new Error(`the page's modules import each other in a cycle through ${name}`);
    const source = sources.get(name);
    if (source === undefined) throw new Error(`the page's module ${name} is missing`);
    visiting.add(name);
    const body = source.replace(IMPORT_RE, (whole: string, quote: string, spec: string) => {
      const dep = SPECIFIER_RE.exec(spec)?.[1];
      if (dep === undefined) throw new Error(`${name} imports '${spec}': the page's modules import only './name.js' siblings`);
      return whole.slice(0, whole.length - spec.length - 2) + `${quote}./${dep}?v=${visit(dep)}${quote}`;
    });
    visiting.delete(name);
    const version = contentHash(body);
    linked.set(name, { body, version });
    return version;
  };
  visit(entry);
  return linked;
}
