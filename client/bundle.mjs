// Bundles the compiled client (dist/client/src/main.js) into dist/memtree.cjs: start-up time is
// most of what a user waits for before the first screen, and one CommonJS file starts ~45 ms
// sooner than ~80 ES modules (~20 ms sooner than one ES module: no ESM facades for builtins).
// neo-blessed, better-sqlite3 and pino stay outside: they load files of their own at run time;
// so does pino-pretty, loaded only by `memtree daemon logs`.
import * as fs from 'node:fs';
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/client/src/main.js'],
  outfile: 'dist/memtree.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
  external: ['neo-blessed', 'better-sqlite3', 'pino', 'pino-pretty'],
  // The sources are ES modules; in one CommonJS file import.meta becomes the file's own.
  define: { 'import.meta.dirname': '__dirname', 'import.meta.url': '__memtreeUrl' },
  banner: { js: "const __memtreeUrl = require('node:url').pathToFileURL(__filename).href;" },
});
// bin/memtree.js runs the bundle from a V8 code cache, and a script from a code cache loses
// its import() loader (Node 20: ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING, only once a cache
// exists): externals are required, never import()ed.
const dynamicImport = /\bimport\(\s*["'`]/.exec(fs.readFileSync('dist/memtree.cjs', 'utf8'));
if (dynamicImport !== null) throw new Error(`dist/memtree.cjs keeps an import() of an external module (${dynamicImport[0]}…): require it instead`);
// The code cache of the previous bundle (bin/memtree.js writes a new one on first use).
fs.rmSync('dist/memtree.cjs.cache', { force: true });
