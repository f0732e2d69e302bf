/** Paths of the repository and its fixtures, for tests and benchmarks. */
import * as fs from 'node:fs';
import * as os from 'node:os';
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
/** The capture-format test vectors (memray-written files and what memray printed for them). */
export const FORMAT = path.join(FIXTURES, 'format');
/** The working directory of memray's reference sessions (the traced scripts' sources). */
export const SCENARIOS = path.join(FIXTURES, 'scenarios');
/** memray 1.20's screens of the reference sessions. */
export const SCREENS = path.join(FIXTURES, 'memray-screens');
/** The `memtree` entry point (needs `npm run build`). */
export const MEMTREE_BIN = path.join(ROOT, 'bin/memtree.js');
export const MEMTREED_BIN = path.join(ROOT, 'bin/memtreed.js');

/** The shared corpus next to the repository, when present (large_9m is not vendored). */
export function sharedCapture(name: string): string | undefined {
  const p = path.resolve(ROOT, '../shared/captures', name);
  return fs.existsSync(p) ? p : undefined;
}

const created = new Set<string>();

/**
 * A new empty directory under the system's temporary directory, removed with everything in it
 * after the test file that made it (test/helpers/temp-cleanup.ts) or, outside vitest (benches,
 * tools), when the process exits.
 */
export function tempDir(prefix = 'memtree-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  if (created.size === 0) process.once('exit', removeTempDirs);
  created.add(dir);
  return dir;
}

/** Removes every directory tempDir made (a daemon's socket and log in them included). */
export function removeTempDirs(): void {
  for (const dir of created) {
    // A daemon that was just stopped may still be closing files in its state dir: retry.
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    created.delete(dir);
  }
}
