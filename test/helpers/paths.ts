/** Paths of the repository and its fixtures, for tests and benchmarks. */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Repository root (found upwards, so compiled copies under dist/ work too). */
export const ROOT = ((): string => {
  let dir = import.meta.dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
})();
export const FIXTURES = path.join(ROOT, 'test/fixtures');
export const CAPTURES = path.join(FIXTURES, 'captures');
export const EXPECTED = path.join(FIXTURES, 'expected');
/** The `memtree` entry point (needs `npm run build`). */
export const MEMTREE_BIN = path.join(ROOT, 'bin/memtree.js');
export const MEMTREED_BIN = path.join(ROOT, 'bin/memtreed.js');

/** The shared corpus next to the repository, when present (large_9m is not vendored). */
export function sharedCapture(name: string): string | undefined {
  const p = path.resolve(ROOT, '../shared/captures', name);
  return fs.existsSync(p) ? p : undefined;
}
