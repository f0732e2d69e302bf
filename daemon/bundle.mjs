// Bundles the compiled daemon (dist/daemon/src/main.js, ~115 ES modules) into dist/memtreed.cjs:
// a cold `memtree tree` waits for memtreed to start, and one CommonJS file starts with ~50 ms
// less CPU than the ES module graph (130 -> 80 ms to listening, measured). Worker threads keep
// loading their own modules from dist/: each module's import.meta.url and .dirname become its
// own file's, found beside the bundle at run time (the package may be moved after the build).
// better-sqlite3 (a native addon) and pino (it loads files of its own) stay outside.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';

const OUT_DIR = path.resolve('dist');

const ownImportMeta = {
  name: 'own-import-meta',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, (args) => {
      const text = fs.readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta') || args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const rel = JSON.stringify(path.relative(OUT_DIR, args.path));
      const file = `require('node:path').join(__dirname, ${rel})`;
      return {
        contents: text
          .replaceAll('import.meta.url', `require('node:url').pathToFileURL(${file}).href`)
          .replaceAll('import.meta.dirname', `require('node:path').dirname(${file})`),
        loader: 'js',
      };
    });
  },
};

await build({
  entryPoints: ['dist/daemon/src/main.js'],
  outfile: 'dist/memtreed.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
  external: ['better-sqlite3', 'pino'],
  plugins: [ownImportMeta],
});

const out = fs.readFileSync('dist/memtreed.cjs', 'utf8');
if (/\bimport\.meta\b/.test(out)) throw new Error('dist/memtreed.cjs still uses import.meta (it would be empty in CommonJS)');
// bin/memtreed.js runs the bundle from a V8 code cache (bin/code-cache.js), which loses
// import()'s loader: externals are required, never import()ed. And the previous bundle's cache goes.
if (/\bimport\(\s*["'`]/.test(out)) throw new Error('dist/memtreed.cjs keeps an import() of an external module: require it instead');
fs.rmSync('dist/memtreed.cjs.cache', { force: true });
