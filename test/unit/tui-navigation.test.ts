// Keys of the interactive tree beyond memray's acceptance tests (tree-reporter.md 4.1, with
// ←/→ collapsing and expanding), and paging of nodes with many children.
import { describe, expect, it } from 'vitest';
import type { TreeExpandResult, ViewOptions } from '../../protocol/src/tree.js';
import { TREE_KEYS } from '../../client/src/tui/keys.js';
import { DocumentTreeSource, type TreeSource } from '../../client/src/tui/tree-source.js';
import { ModelHarness, docFromRecords, type LoadedDoc } from '../helpers/tui-tree.js';

const chain = (size: number, tag: string): { size: number; stack: [string, string, number][] } => ({
  size,
  stack: [
    [`leaf${tag}`, 'f.py', 3],
    [`mid${tag}`, 'f.py', 2],
    [`top${tag}`, 'f.py', 1],
  ],
});

describe('navigation keys', () => {
  it('GIVEN two chains WHEN ← and → are used THEN they collapse, go to the parent, expand and descend', async () => {
    const h = await ModelHarness.open(docFromRecords([chain(2048, 'A'), chain(1024, 'B')]));
    await h.press('down', 'down'); // midA
    expect(h.cursorLabel()).toContain('midA');
    // WHEN ← on an expanded node THEN it collapses, the cursor stays
    await h.press('left');
    expect(h.texts()).toHaveLength(4);
    expect(h.cursorLabel()).toContain('midA');
    // WHEN ← again THEN the cursor goes to the parent
    await h.press('left');
    expect(h.cursorLabel()).toContain('topA');
    // WHEN → on an expanded node THEN the cursor moves to its first child
    await h.press('right');
    expect(h.cursorLabel()).toContain('midA');
    // WHEN → on a collapsed node THEN it expands (children fetched lazily)
    await h.press('right');
    expect(h.texts()[3]).toContain('leafA');
    // WHEN ← on a leaf THEN the cursor goes to its parent
    await h.press('down', 'left');
    expect(h.cursorLabel()).toContain('midA');
  });

  it('Enter and Space toggle nodes with children and leave leaves alone', async () => {
    expect(TREE_KEYS.enter).toBe('toggle');
    expect(TREE_KEYS.space).toBe('toggle');
    const h = await ModelHarness.open(docFromRecords([chain(2048, 'A'), chain(1024, 'B')]));
    await h.press('end', 'toggle');
    expect(h.texts().at(-1)).toContain('midB');
    await h.press('toggle');
    expect(h.texts().at(-1)).toContain('▶ 📂 1.024kB (33.33 %) topB');
    await h.press('home', 'down', 'down', 'down');
    const before = h.texts();
    await h.press('toggle', 'toggle'); // leafA
    expect(h.texts()).toEqual(before);
  });

  it('Home, End, PageUp and PageDown move by rows and keep the cursor visible', async () => {
    const records = Array.from({ length: 30 }, (_, i) => ({ size: 1000 + i, stack: [[`f${i}`, 'm.py', i + 1]] as [string, string, number][] }));
    const h = await ModelHarness.open(docFromRecords(records), { treeRows: 10 });
    expect(h.texts()).toHaveLength(31);
    await h.press('pageDown');
    expect(h.rows().findIndex((r) => r.cursor)).toBe(9);
    expect(h.state.scroll).toBe(0);
    await h.press('pageDown');
    expect(h.rows().findIndex((r) => r.cursor)).toBe(18);
    expect(h.state.scroll).toBe(9);
    await h.press('end');
    expect(h.rows().findIndex((r) => r.cursor)).toBe(30);
    expect(h.state.scroll).toBe(21);
    await h.press('pageUp', 'up');
    expect(h.rows().findIndex((r) => r.cursor)).toBe(20);
    expect(h.state.scroll).toBe(20);
    await h.press('home');
    expect(h.state.scroll).toBe(0);
    await h.press('up'); // already at the top
    expect(h.rows()[0]!.cursor).toBe(true);
  });

  it('e on the root collapses the whole tree (4.3: a toggle), and e again reopens it as it was', async () => {
    const h = await ModelHarness.open(docFromRecords([chain(2048, 'A'), chain(1024, 'B')]));
    const before = h.texts();
    await h.press('expandLinear');
    expect(h.texts()).toEqual(['▶ 📂 3.072kB (100.00 %) <ROOT>']);
    // Two children: the walk stops at the root, whose subtree keeps its expansion.
    await h.press('expandLinear');
    expect(h.texts()).toEqual(before);
  });

  it('i and u reset expansion and cursor (4.6)', async () => {
    const h = await ModelHarness.open(docFromRecords([chain(2048, 'A'), chain(1024, 'B')]));
    await h.press('end', 'right', 'down', 'right');
    expect(h.texts()).toHaveLength(7);
    await h.press('toggleUninteresting');
    expect(h.texts()).toHaveLength(5);
    expect(h.rows()[0]!.cursor).toBe(true);
  });

  it('q sets quit; ctrl+z changes nothing in the model', async () => {
    const h = await ModelHarness.open(docFromRecords([chain(1, 'A')]));
    const before = h.state;
    await h.press('suspend');
    expect(h.state).toBe(before);
    await h.press('quit');
    expect(h.state.quit).toBe(true);
  });
});

/** Counts expand requests of a source. */
class CountingSource implements TreeSource {
  readonly expands: { nodeId: number; offset: number }[] = [];
  constructor(private readonly inner: TreeSource) {}
  root(view: ViewOptions, signal?: AbortSignal) {
    return this.inner.root(view, signal);
  }
  expand(view: ViewOptions, nodeId: number, offset: number, limit: number, signal: AbortSignal): Promise<TreeExpandResult> {
    this.expands.push({ nodeId, offset });
    return this.inner.expand(view, nodeId, offset, limit, signal);
  }
  detail(view: ViewOptions, nodeId: number, signal: AbortSignal, context?: number) {
    return this.inner.detail(view, nodeId, signal, context);
  }
}

describe('paging', () => {
  const many = (): LoadedDoc =>
    docFromRecords(Array.from({ length: 1000 }, (_, i) => ({ size: 100_000 - i, stack: [[`f${i}`, 'm.py', i + 1]] as [string, string, number][] })), 2000);

  it('GIVEN 1000 children THEN one page is fetched, and the next only when the cursor gets near its end', async () => {
    const loaded = many();
    const source = new CountingSource(new DocumentTreeSource(loaded.doc));
    const h = await ModelHarness.open(loaded, { source, treeRows: 20, pageSize: 50, prefetchRows: 5 });
    expect(source.expands).toEqual([{ nodeId: 0, offset: 0 }]);
    const texts = h.texts();
    expect(texts).toHaveLength(52);
    expect(texts[50]).toContain('f49');
    expect(texts[51]).toBe('└── ⋯ 950 more');
    await h.press('pageDown', 'pageDown');
    expect(source.expands).toHaveLength(1);
    // WHEN the "more" row comes within 5 rows of the viewport THEN the next page is fetched
    await h.press('pageDown');
    expect(source.expands).toEqual([
      { nodeId: 0, offset: 0 },
      { nodeId: 0, offset: 50 },
    ]);
    expect(h.texts()).toHaveLength(102);
    // WHEN End reaches the "more" row THEN the cursor lands on the first new child once it arrives
    await h.press('end');
    expect(h.cursorLabel()).toContain('f100 ');
    expect(source.expands.at(-1)).toEqual({ nodeId: 0, offset: 100 });
  });
});
