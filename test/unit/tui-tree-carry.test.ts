// A newer version of the tree replacing the one shown (issue 13 item 3: provisional trees, then
// the final tree), headless through the real TuiApp and controllers: once the user moved on a
// provisional tree, the next version keeps the cursor on the same node (matched by its path of
// frames, as node ids differ between versions), the expanded nodes that still exist, the view's
// filters, and the cursor's screen line; an untouched view opens each version as at start-up.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ProvisionalInfo, ViewOptions } from '../../protocol/src/tree.js';
import { joinLabel } from '../../client/src/format/label.js';
import { KEEP_AFTER_KEY_MS } from '../../client/src/tui/provisional-mark.js';
import { startTree, type TreeController } from '../../client/src/tui/tree-controller.js';
import { rows } from '../../client/src/tui/tree-model.js';
import { nodeKey, type TreeState } from '../../client/src/tui/tree-state.js';
import { DocumentTreeSource } from '../../client/src/tui/tree-source.js';
import { TuiApp } from '../../client/src/tui/tui-app.js';
import type { StackRecord } from '../helpers/capture-writer.js';
import { DEFAULT_VIEW, docFromRecords } from '../helpers/tui-tree.js';

const info = (tree: number): ProvisionalInfo => ({ tree, percent: 10 * tree, records: 1000 * tree, peakBytes: 1 });

const main = ['main', 'app.py', 1] as const;
const work = ['work', 'app.py', 5] as const;
const other = ['other', 'app.py', 9] as const;

/** The peak so far early in the pass... */
const EARLY: StackRecord[] = [
  { size: 4096, stack: [['alloc_a', 'lib.py', 10], work, main] },
  { size: 2048, stack: [['alloc_b', 'lib.py', 20], work, main] },
  { size: 1024, stack: [['alloc_c', 'lib.py', 30], other, main] },
  { size: 512, stack: [['alloc_d', 'lib.py', 40], other, main] },
];
/** ...and later: a new biggest branch before them (every node id moves), alloc_b now the bigger of work's. */
const LATER: StackRecord[] = [
  { size: 65536, stack: [['big', 'lib.py', 50], ['newer', 'app.py', 12], main] },
  { size: 4096, stack: [['alloc_a', 'lib.py', 10], work, main] },
  { size: 8192, stack: [['alloc_b', 'lib.py', 20], work, main] },
  { size: 1024, stack: [['alloc_c', 'lib.py', 30], other, main] },
  { size: 512, stack: [['alloc_d', 'lib.py', 40], other, main] },
];

async function started(records: StackRecord[], view: ViewOptions = DEFAULT_VIEW): Promise<TreeController> {
  const tree = startTree(new DocumentTreeSource(docFromRecords(records).doc), view, { terminal: { cols: 120, rows: 30 }, detailDelayMs: 0 });
  await tree.idle();
  return tree;
}

function newApp(): TuiApp {
  const app = new TuiApp({ title: 'x.bin', onChange: () => {}, onQuit: () => {}, onSuspend: () => {}, onError: (e) => { throw e; } });
  app.resize(120, 30);
  return app;
}

/** The tree's rows as labels, the cursor's marked `>`, expanded nodes `[E]`. */
function labels(tree: TreeController): string[] {
  const s = tree.state;
  return rows(s, 200).map((r) => `${r.cursor ? '>' : ' '}${'  '.repeat(r.depth)}${s.data.nodes.get(r.id)?.function ?? joinLabel(r.label)}${s.expanded.has(r.id) && r.arrow !== '' ? ' [E]' : ''}`);
}

/** `records`' tree offered to `app` as provisional tree `n`. */
async function offered(app: TuiApp, records: StackRecord[], n: number): Promise<TreeController> {
  const tree = await started(records);
  app.offerProvisional({ info: info(n), start: () => tree });
  return tree;
}

/** A newer provisional tree offered once the wait after a key is over (Date faked), loaded. */
async function replacedBy(app: TuiApp, records: StackRecord[], n: number): Promise<TreeController> {
  vi.setSystemTime(Date.now() + KEEP_AFTER_KEY_MS + 1);
  const tree = await offered(app, records, n);
  expect(app.tree).toBe(tree);
  await tree.idle();
  return tree;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('a newer version of the tree', () => {
  it('GIVEN the user moved on a provisional tree WHEN a newer one and then the final tree come THEN the cursor, the expanded nodes and the filters stay', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const app = newApp();
    const first = await started(EARLY);
    app.offerProvisional({ info: info(1), start: () => first });
    // Start-up: the first-child chain main > work > alloc_a. Open `other` and rest on alloc_b.
    for (const k of ['down', 'down', 'down', 'down', 'down', 'right', 'up']) app.key(k);
    await first.idle();
    expect(labels(first)).toEqual([' <ROOT> [E]', '   main [E]', '     work [E]', '       alloc_a', '>      alloc_b', '     other [E]', '       alloc_c', '       alloc_d']);

    // Within seconds of a key the newer tree waits; offered again after them (the feed offers
    // the newest tree at every answer), it replaces this one; offered once more, nothing changes.
    const second = await started(LATER);
    app.offerProvisional({ info: info(2), start: () => second });
    expect(app.tree).toBe(first);
    vi.setSystemTime(Date.now() + KEEP_AFTER_KEY_MS + 1);
    app.offerProvisional({ info: info(2), start: () => second });
    expect(app.tree).toBe(second);
    app.offerProvisional({ info: info(2), start: () => expect.unreachable('a tree shown already is not started again') });
    expect(app.tree).toBe(second);
    await second.idle();
    // alloc_b is another node id now; `newer` is new, so it stays closed (no start-up chain through it).
    expect(labels(second)).toEqual([' <ROOT> [E]', '   main [E]', '     newer', '     work [E]', '>      alloc_b', '       alloc_a', '     other [E]', '       alloc_c', '       alloc_d']);

    // The final tree, already loaded with its start-up chain when it comes, takes the view over too.
    const final = await started(LATER);
    expect(labels(final)[2]).toBe('     newer [E]');
    app.attach(final);
    await final.idle();
    expect(labels(final)).toEqual(labels(second));
    // A key ends the carrying: the user moves from there.
    app.key('up');
    expect(labels(final)[3]).toBe('>    work [E]');
  });

  it('GIVEN a filter toggled on a provisional tree WHEN a newer one comes THEN it shows the same filters', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const app = newApp();
    const first = await offered(app, EARLY, 1);
    app.key('i'); // hide import-system frames
    await first.idle();
    expect(first.state.view.hideImportSystem).toBe(true);
    const second = await replacedBy(app, LATER, 2);
    expect(second.state.view.hideImportSystem).toBe(true);
    expect(labels(second)[0]).toBe('><ROOT> [E]');
  });

  it('GIVEN a view change on a provisional tree WHEN a newer one comes THEN Backspace returns to the earlier view, of the new tree', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const app = newApp();
    const first = await offered(app, EARLY, 1);
    app.key('v'); // the callers view: one screen on the Backspace stack
    await first.idle();
    expect(first.state.view.inverted).toBe(true);
    expect(first.state.ui.stack).toHaveLength(1);

    const second = await replacedBy(app, LATER, 2);
    expect(second.state.view.inverted).toBe(true);
    // Backspace: the callees view of the new tree (with its `newer` branch), as at start-up.
    app.key('backspace');
    await second.idle();
    expect(second.state.view.inverted ?? false).toBe(false);
    expect(labels(second).slice(0, 4)).toEqual(['><ROOT> [E]', '   main [E]', '     newer [E]', '       big']);
    app.key('backspace');
    expect(second.state.ui.message).toMatch(/No earlier view/);
  });

  it('GIVEN a search on a provisional tree WHEN a newer one comes THEN its matches are asked of the new tree and the cursor stays', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    // DocumentTreeSource has no tree/search: its answers are given by hand, as a daemon sends them.
    const idOf = (st: TreeState, fn: string): number => [...st.data.nodes].find(([, n]) => n.function === fn)![0];
    const answer = (tree: TreeController): void => {
      const st = tree.state;
      const path = ['main', 'work', 'alloc_b'].map((fn) => idOf(st, fn));
      tree.dispatch({ type: 'searchLoaded', generation: st.generation, query: 'alloc_b', result: { matches: [{ node: st.data.nodes.get(path[2]!)!, path: [0, ...path] }], total: 1, offset: 0 } });
    };
    const app = newApp();
    const first = await offered(app, EARLY, 1);
    for (const c of '/alloc_b') app.key(c, c);
    app.key('enter');
    answer(first);
    expect(first.state.cursor).toBe(nodeKey(idOf(first.state, 'alloc_b')));
    app.key('up'); // the user moves on: the cursor on alloc_a
    expect(first.state.cursor).toBe(nodeKey(idOf(first.state, 'alloc_a')));

    const second = await replacedBy(app, LATER, 2);
    expect(second.state.ui.search).toMatchObject({ query: 'alloc_b', editing: false, result: null });
    answer(second);
    expect(second.state.ui.search?.result?.total).toBe(1);
    expect(second.state.cursor).toBe(nodeKey(idOf(second.state, 'alloc_a')));
    app.key('n'); // to the new tree's match
    expect(second.state.cursor).toBe(nodeKey(idOf(second.state, 'alloc_b')));
  });

  it('GIVEN an untouched provisional tree WHEN a newer one comes THEN it opens as at start-up (the first-child chain of the new tree)', async () => {
    const app = newApp();
    const first = await started(EARLY);
    app.offerProvisional({ info: info(1), start: () => first });
    const second = await started(LATER);
    app.offerProvisional({ info: info(2), start: () => second });
    await second.idle();
    expect(labels(second).slice(0, 4)).toEqual(['><ROOT> [E]', '   main [E]', '     newer [E]', '       big']);
  });
});
