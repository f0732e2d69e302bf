/**
 * Print mode of the real CLI: `memtree tree --no-daemon [mode] FILE` with stdout not a terminal
 * prints the tree as text, and that text is exactly the library's printTree of the same
 * document (no colour), for every fixture capture and mode with memray ground truth; warnings
 * go to stderr, one line each.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { printTree } from '../../client/src/print/print-tree.js';
import { expectedTreeModes, modeFlags } from '../helpers/expected.js';
import { localTreeOf } from '../helpers/local-tree.js';
import { CAPTURES } from '../helpers/paths.js';
import { runMemtree } from '../helpers/run-cli.js';

const CASES = expectedTreeModes().filter(([c]) => c !== 'large_9m');

describe.concurrent('memtree tree (stdout not a terminal) prints what printTree prints', () => {
  for (const [capture, mode] of CASES) {
    it(`${capture} ${mode}`, async () => {
      const file = path.join(CAPTURES, `${capture}.bin`);
      const [r, local] = await Promise.all([runMemtree(['tree', '--no-daemon', ...modeFlags(mode), file]), localTreeOf(file, modeFlags(mode))]);
      expect(r.code).toBe(0);
      const lines = printTree(local.doc, local.searchPath, { color: false });
      expect(lines.length).toBeGreaterThan(2);
      expect(r.stdout).toBe(`${lines.join('\n')}\n`);
      expect(r.stderr).toBe(local.warnings.map((w) => `memtree: warning: ${file}: ${w}\n`).join(''));
    });
  }

  it('--print --max-depth 2 gives printTree with maxDepth 2', async () => {
    const file = path.join(CAPTURES, 'imports.bin');
    const [r, local] = await Promise.all([runMemtree(['tree', '--no-daemon', '--print', '--max-depth', '2', file]), localTreeOf(file)]);
    expect(r.code).toBe(0);
    const cut = printTree(local.doc, local.searchPath, { color: false, maxDepth: 2 });
    expect(cut.length).toBeLessThan(printTree(local.doc, local.searchPath, { color: false }).length);
    expect(r.stdout).toBe(`${cut.join('\n')}\n`);
  });
});
