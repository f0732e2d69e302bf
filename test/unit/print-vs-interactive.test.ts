/**
 * `memtree tree --print` prints exactly the rows of the interactive view's default filters
 * with every node expanded, for every fixture capture: same labels, same order, same guides.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { printTree } from '../../client/src/print/print-tree.js';
import { ModelHarness, docFromRecords, loadDoc } from '../helpers/tui-tree.js';
import { CAPTURES } from '../helpers/paths.js';

const captures = fs
  .readdirSync(CAPTURES)
  .filter((f) => f.endsWith('.bin') && !f.startsWith('bad_') && f !== 'native_sqlite.bin')
  .sort();

/** Rows of the interactive view once every expandable row has been expanded (arrows removed). */
async function fullyExpanded(h: ModelHarness, maxDepth = Infinity): Promise<string[]> {
  await h.press('home');
  let from = 0;
  for (;;) {
    // Narrow rows while navigating: building full-width texts of 400-deep guides is slow.
    const rs = h.rows(1);
    const target = rs.findIndex((r, k) => k >= from && r.arrow === '▶ ' && r.depth < maxDepth);
    if (target < 0) break;
    const at = rs.findIndex((r) => r.cursor);
    for (let d = at; d < target; d++) h.ctl.dispatch({ type: 'key', key: 'down' });
    await h.press('right');
    from = target;
  }
  // The print has no arrows (nothing to open or close): compare without them. The heaviest
  // chain starts expanded to its full depth, so rows below maxDepth are dropped here.
  return h
    .rows()
    .filter((r) => r.depth <= maxDepth)
    .map((r) => r.text.replace(/[▼▶] /, ''));
}

describe('print mode equals the interactive view, fully expanded', () => {
  for (const file of captures) {
    it(file, async () => {
      const loaded = loadDoc(path.join(CAPTURES, file));
      const h = await ModelHarness.open(loaded, { treeRows: 10_000 });
      // deep_recursion is 402 levels deep: compare its first 40 levels (expanding every row of
      // a 400-deep tree one key at a time takes minutes; the rows' logic is the same).
      const maxDepth = file === 'deep_recursion.bin' ? 40 : undefined;
      const interactive = await fullyExpanded(h, maxDepth);
      const printed = printTree(loaded.doc, loaded.searchPath, { color: false, maxDepth });
      // The print starts with the summary line the interactive view shows above the tree.
      expect(printed.slice(1)).toEqual(interactive);
      expect(printed.length).toBeGreaterThan(2);
    });
  }
});

describe('names from the capture', () => {
  it('GIVEN control characters in a function and file name THEN print and view both show them as U+FFFD, never raw', async () => {
    const loaded = docFromRecords([{ size: 1024, stack: [['evil\x1b[2J', 'bad\x07.py', 3], ['main', 'app.py', 1]] }]);
    const h = await ModelHarness.open(loaded, { treeRows: 100 });
    const interactive = h.rows().map((r) => r.text.replace(/[▼▶] /, ''));
    for (const color of [false, true]) {
      const printed = printTree(loaded.doc, loaded.searchPath, { color });
      const plain = printed.map((l) => l.replace(/\x1b\[[\d;]*m/g, ''));
      expect(plain.some((l) => l.includes('evil\uFFFD[2J  bad\uFFFD.py:3'))).toBe(true);
      for (const l of plain) expect(l).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
      if (!color) expect(printed.slice(1)).toEqual(interactive);
    }
  });
});

