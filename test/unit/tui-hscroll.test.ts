// Model behaviour the view relies on beyond memray: sideways scrolling of the tree pane (deep
// trees; the cursor label stays inside the pane, rows show their depth) and reopening on a new source.
import { describe, expect, it } from 'vitest';
import { Grid } from '../../client/src/tui/cells.js';
import { drawTree } from '../../client/src/tui/draw-tree.js';
import { cursorSpan, rowWindow } from '../../client/src/tui/tree-rows.js';
import { DEPTH_MARK_WIDTH } from '../../client/src/tui/tree-model.js';
import { ModelHarness, docFromRecords } from '../helpers/tui-tree.js';

const DEPTH = 40;
const WIDTH = 48;
const deep = docFromRecords([
  { size: 4096, stack: Array.from({ length: DEPTH }, (_, i): [string, string, number] => [`f${DEPTH - 1 - i}`, 'deep.py', DEPTH - i]) },
  { size: 1024, stack: [['shallow', 'deep.py', 100]] },
]);

async function open(): Promise<ModelHarness> {
  const h = await ModelHarness.open(deep, { treeRows: 10 });
  h.ctl.dispatch({ type: 'resize', viewport: { treeRows: 10, codeRows: 5, treeCols: WIDTH } });
  return h;
}

function visible(h: ModelHarness): void {
  const span = cursorSpan(h.state)!;
  const hs = h.state.hscroll;
  expect(hs % 4).toBe(0);
  expect(span.fnEnd - hs).toBeLessThanOrEqual(WIDTH);
  expect(span.start - hs).toBeGreaterThanOrEqual(hs > 0 ? DEPTH_MARK_WIDTH : 0);
}

describe('sideways scrolling', () => {
  it('GIVEN a 40-level chain in a 48-column pane WHEN the cursor walks down and up THEN its label is always in view, with the least scrolling', async () => {
    const h = await open();
    expect(h.state.hscroll).toBe(0);
    const seen = new Set<number>();
    for (let i = 0; i < DEPTH + 2; i++) {
      await h.press('down');
      visible(h);
      seen.add(h.state.hscroll);
    }
    expect(Math.max(...seen)).toBeGreaterThan(100);
    for (let i = 0; i < DEPTH + 2; i++) {
      await h.press('up');
      visible(h);
    }
    expect(h.state.hscroll).toBe(0);
    await h.press('end', 'pageUp', 'left', 'right', 'home');
    visible(h);
  });

  it('GIVEN the cursor deep down WHEN it moves one row THEN the scroll stays put while the label still fits (no jumping)', async () => {
    const h = await open();
    for (let i = 0; i < 30; i++) await h.press('down');
    const at = h.state.hscroll;
    await h.press('up');
    expect(h.state.hscroll).toBe(at);
  });

  it('the drawn rows are shifted and start with their depth; the cursor row shows its function name', async () => {
    const h = await open();
    for (let i = 0; i < 35; i++) await h.press('down');
    const s = h.state;
    const grid = new Grid(WIDTH, 10);
    drawTree(grid, { x: 0, y: 0, width: WIDTH, height: 10 }, rowWindow(s, WIDTH, s.scroll, 10), s.hscroll);
    const texts = Array.from({ length: 10 }, (_, y) => grid.rowText(y));
    const cursor = texts[rowWindow(s, WIDTH, s.scroll, 10).findIndex((r) => r.cursor)]!;
    expect(cursor).toMatch(/^‹35 +.*f34/);
    for (const t of texts.filter((x) => x.trim() !== '')) expect(t).toMatch(/^‹\d+/);
  });
});

describe('reopen (a new daemon)', () => {
  it('GIVEN the cursor deep in the tree WHEN the controller reopens on a new source THEN the rows load again and the cursor returns to its node, not to its old line', async () => {
    const h = await open();
    await h.press('end', 'up', 'up', 'left');
    const { cursor, expanded } = h.state;
    const rowsBefore = h.rows().map((r) => r.text);
    // A source slower to answer: every page arrives after the view has seen the empty state.
    const { DocumentTreeSource } = await import('../../client/src/tui/tree-source.js');
    h.ctl.reopen(new DocumentTreeSource(deep.doc));
    expect(h.state.restoring).toBe(cursor);
    await h.ctl.idle();
    for (let i = 0; i < 5 && h.state.restoring !== null; i++) await h.ctl.idle();
    expect(h.state.cursor).toBe(cursor);
    expect(h.state.restoring).toBeNull();
    expect(h.state.expanded).toBe(expanded);
    expect(h.rows().map((r) => r.text)).toEqual(rowsBefore);
    visible(h);
  });

  it('a key while restoring gives up on the old place', async () => {
    const h = await open();
    await h.press('end');
    const { DocumentTreeSource } = await import('../../client/src/tui/tree-source.js');
    h.ctl.reopen(new DocumentTreeSource(deep.doc));
    h.ctl.dispatch({ type: 'key', key: 'home' });
    expect(h.state.restoring).toBeNull();
  });
});
