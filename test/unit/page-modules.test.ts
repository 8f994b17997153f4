// The page's module linker: imports rewritten to content-hashed URLs, leaves first, so an imported module's change
// changes every importer's URL; only sibling specifiers, no cycles, no missing files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentHash, importsOf, linkModules } from '../../src/web/page-modules.js';

const graph = (files: Record<string, string>): Map<string, string> => new Map(Object.entries(files));

test('importsOf finds named, multi-line and bare imports, and nothing in strings or code', () => {
  const src = [
    "import { a } from './a.js';",
    'import {',
    '  b,',
    '  c,',
    "} from \"./b-c.js\";",
    "import './side.js';",
    "const s = 'import from \\'./not.js\\'';",
    "x.from('./nope.js');",
  ].join('\n');
  assert.deepEqual(importsOf(src), ['a.js', 'b-c.js', 'side.js']);
});

test('importsOf refuses bare, parent and absolute specifiers', () => {
  for (const spec of ['lodash', '../x.js', '/_muxd/x.js', './x.mjs', './sub/x.js', './x.js?v=1']) {
    assert.throws(() => importsOf(`import { x } from '${spec}';`, 'app.js'), /app\.js imports/, spec);
  }
});

test('linkModules versions every import and hashes each module after its imports', () => {
  const files = { 'app.js': "import { b } from './b.js';\nimport './c.js';\nb();\n", 'b.js': "import { c } from './c.js';\nexport const b = c;\n", 'c.js': 'export const c = () => 1;\n' };
  const linked = linkModules(graph(files), 'app.js');
  assert.deepEqual([...linked.keys()], ['c.js', 'b.js', 'app.js'], 'leaves first');
  const c = linked.get('c.js');
  const b = linked.get('b.js');
  const app = linked.get('app.js');
  assert.ok(c && b && app);
  assert.equal(c.body, files['c.js']);
  assert.equal(b.body, `import { c } from './c.js?v=${c.version}';\nexport const b = c;\n`);
  assert.equal(app.body, `import { b } from './b.js?v=${b.version}';\nimport './c.js?v=${c.version}';\nb();\n`);
  for (const m of linked.values()) assert.equal(m.version, contentHash(m.body));
  // A change in a leaf reaches the entry's URL through the chain of versioned imports.
  const changed = linkModules(graph({ ...files, 'c.js': 'export const c = () => 2;\n' }), 'app.js');
  for (const name of ['c.js', 'b.js', 'app.js']) assert.notEqual(changed.get(name)?.version, linked.get(name)?.version, name);
});

test('linkModules leaves unreachable files out, and refuses a missing module or a cycle', () => {
  assert.deepEqual([...linkModules(graph({ 'app.js': '1;\n', 'other.js': '2;\n' }), 'app.js').keys()], ['app.js']);
  assert.throws(() => linkModules(graph({ 'app.js': "import './gone.js';\n" }), 'app.js'), /gone\.js is missing/);
  assert.throws(() => linkModules(graph({ 'app.js': "import './a.js';\n", 'a.js': "import './b.js';\n", 'b.js': "import './a.js';\n" }), 'app.js'), /cycle through a\.js/);
});
