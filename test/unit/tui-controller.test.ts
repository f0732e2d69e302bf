// The controller between the pure model and a TreeSource: requests follow the state, stale
// ones are aborted, late answers are dropped, and the state never waits for the source.
import { describe, expect, it } from 'vitest';
import type { NodeDetailResult } from '../../protocol/src/node.js';
import type { TreeExpandResult, TreeRootResult, ViewOptions } from '../../protocol/src/tree.js';
import { startTree, TreeController } from '../../client/src/tui/tree-controller.js';
import { initialTreeState, rows, type TreeAction } from '../../client/src/tui/tree-model.js';
import { DocumentTreeSource, type TreeSource, type WorkProgress } from '../../client/src/tui/tree-source.js';
import { status, waitingLine } from '../../client/src/tui/tree-panel.js';
import { DEFAULT_VIEW, docFromRecords } from '../helpers/tui-tree.js';

interface Call {
  readonly kind: 'root' | 'expand' | 'detail';
  readonly nodeId: number;
  readonly view: ViewOptions;
  readonly signal: AbortSignal;
  /** Lets the answer through (computed by the wrapped source). */
  release(): Promise<void>;
  fail(err: Error): void;
}

/** A source whose answers wait until the test releases them. */
class HeldSource implements TreeSource {
  readonly calls: Call[] = [];
  constructor(private readonly inner: TreeSource) {}

  private hold<T>(kind: Call['kind'], nodeId: number, view: ViewOptions, signal: AbortSignal, answer: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.calls.push({
        kind,
        nodeId,
        view,
        signal,
        release: async () => {
          // Deliberately ignores the signal, like a daemon that answers anyway (house-style 6).
          resolve(await answer());
          await new Promise((r) => setImmediate(r));
        },
        fail: (err) => reject(err),
      });
    });
  }
  root(view: ViewOptions, signal = new AbortController().signal): Promise<TreeRootResult> {
    return this.hold('root', 0, view, signal, () => this.inner.root(view));
  }
  expand(view: ViewOptions, nodeId: number, offset: number, limit: number, signal: AbortSignal): Promise<TreeExpandResult> {
    return this.hold('expand', nodeId, view, signal, () => this.inner.expand(view, nodeId, offset, limit, new AbortController().signal));
  }
  detail(view: ViewOptions, nodeId: number, signal: AbortSignal, context?: number): Promise<NodeDetailResult> {
    return this.hold('detail', nodeId, view, signal, () => this.inner.detail(view, nodeId, new AbortController().signal, context));
  }
  /** Releases every call not yet released, until none is left. */
  async drain(): Promise<void> {
    for (let i = 0; i < this.calls.length; i++) await this.calls[i]!.release();
  }
}

/** A held source that reports work (as DaemonTreeSource does from memtreed's capture/progress). */
class WorkSource extends HeldSource {
  report: ((w: WorkProgress) => void) | undefined;
  onWork(listener: (w: WorkProgress) => void): () => void {
    this.report = listener;
    return () => (this.report = undefined);
  }
}

function setup(): { source: HeldSource; ctl: TreeController; changes: number[] } {
  const { doc } = docFromRecords([
    { size: 2048, stack: [['leafA', 'a.py', 3], ['topA', 'a.py', 1]] },
    { size: 1024, stack: [['leafB', 'b.py', 3], ['topB', 'runpy.py', 1]] },
  ]);
  const source = new HeldSource(new DocumentTreeSource(doc));
  const changes: number[] = [];
  const ctl = new TreeController(source, initialTreeState(DEFAULT_VIEW), { detailDelayMs: 0, onChange: () => changes.push(1) });
  ctl.start();
  return { source, ctl, changes };
}

const key = (k: Extract<TreeAction, { type: 'key' }>['key']): TreeAction => ({ type: 'key', key: k });

describe('TreeController', () => {
  it('GIVEN a fresh view THEN root and root children are asked for at once, in parallel', () => {
    const { source } = setup();
    expect(source.calls.map((c) => [c.kind, c.nodeId])).toEqual([
      ['root', 0],
      ['expand', 0],
    ]);
  });

  it('WHEN a filter toggles before the children arrive THEN the old request is aborted and its answer dropped', async () => {
    const { source, ctl } = setup();
    await source.calls[0]!.release(); // root
    const oldExpand = source.calls[1]!;
    // WHEN u is pressed while the first expand is pending
    ctl.dispatch(key('toggleUninteresting'));
    // THEN it is aborted and a new one for the new view is sent
    expect(oldExpand.signal.aborted).toBe(true);
    const newExpand = source.calls[2]!;
    expect(newExpand.view.hideUninteresting).toBe(false);
    // AND the late answer of the old one changes nothing
    const before = ctl.state;
    await oldExpand.release();
    expect(ctl.state).toBe(before);
    await source.drain();
    expect(rows(ctl.state, 200).map((r) => r.text)).toEqual([
      '▼ 📂 3.072kB (100.00 %) <ROOT>',
      '├── ▼ 📂 2.048kB (66.67 %) topA  a.py:1',
      '│   └── 📄 2.048kB (66.67 %) leafA  a.py:3',
      '└── ▶ 📂 1.024kB (33.33 %) topB  runpy.py:1',
    ]);
  });

  it('WHEN the cursor moves on THEN the previous node’s source request is aborted and never shown', async () => {
    const { source, ctl } = setup();
    await source.drain();
    ctl.dispatch(key('down'));
    const first = source.calls.at(-1)!;
    expect(first.kind).toBe('detail');
    ctl.dispatch(key('down'));
    expect(first.signal.aborted).toBe(true);
    await first.release();
    expect(ctl.state.sources.has(first.nodeId)).toBe(false);
    await source.drain();
    expect([...ctl.state.sources.keys()]).not.toContain(first.nodeId);
    expect(ctl.state.sources.size).toBe(1);
  });

  it('keys change the state immediately, whatever is pending', () => {
    const { ctl, changes } = setup();
    // Nothing answered yet: the cursor still moves, the view still reacts.
    ctl.dispatch(key('toggleImports'));
    ctl.dispatch(key('toggleImports'));
    expect(changes).toHaveLength(2);
    expect(ctl.state.view.hideImportSystem).toBe(false);
    expect(ctl.pending).toBe(2); // root + the current generation's children; older ones aborted
  });

  it('WHEN the source reports work the pending tree waits for THEN the line above the tree says how far it is, until the answer', async () => {
    const { doc } = docFromRecords([{ size: 2048, stack: [['leafA', 'a.py', 3], ['topA', 'a.py', 1]] }]);
    const source = new WorkSource(new DocumentTreeSource(doc));
    const ctl = new TreeController(source, initialTreeState(DEFAULT_VIEW), { detailDelayMs: 0 });
    ctl.start();
    const shown = (): string => waitingLine(ctl.state, ctl.waitingFor);
    expect(shown()).toBe('');
    expect(status(ctl.state, ctl.pending)).toBe('loading…');
    source.report!({ percent: 42.7, etaMs: 3_000, done: false });
    expect(shown()).toBe('memtreed is reading the capture for this view: 42 %, about 3 s left');
    source.report!({ percent: 99, etaMs: 400, done: false });
    expect(shown()).toBe('memtreed is reading the capture for this view: 99 %');
    await source.drain();
    expect(ctl.pending).toBe(0);
    expect(shown()).toBe('');
    // A report while nothing is pending (another client's work on the capture) is not shown later.
    source.report!({ percent: 10, done: false });
    expect(ctl.waitingFor).toBeUndefined();
    ctl.close();
    expect(source.report).toBeUndefined();
  });

  it('WHEN a request fails THEN the failure is shown, not retried, and the rest works', async () => {
    const { source, ctl } = setup();
    await source.calls[0]!.release();
    source.calls[1]!.fail(new Error('daemon went away'));
    await new Promise((r) => setImmediate(r));
    expect(status(ctl.state, ctl.pending)).toBe('⚠ daemon went away');
    expect(rows(ctl.state, 200).map((r) => r.text)).toEqual(['▼ 📂 3.072kB (100.00 %) <ROOT>', '└── ⚠ could not load children: daemon went away']);
    expect(source.calls).toHaveLength(2);
    // A toggle starts over (and asks again).
    ctl.dispatch(key('toggleImports'));
    expect(source.calls).toHaveLength(3);
  });

  it('close() aborts everything and ignores later answers', async () => {
    const { source, ctl } = setup();
    ctl.close();
    expect(source.calls.every((c) => c.signal.aborted)).toBe(true);
    const before = ctl.state;
    await source.drain();
    expect(ctl.state).toBe(before);
    await ctl.idle();
  });

  it('the first-child chain resolves in one round trip, at start and after a filter toggle', async () => {
    const { doc } = docFromRecords([
      { size: 2048, stack: [['leaf', 'a.py', 4], ['mid', 'a.py', 3], ['top', 'a.py', 2], ['main', 'runpy.py', 1]] },
      { size: 1024, stack: [['other', 'b.py', 2], ['side', 'b.py', 1]] },
    ]);
    const inner = new DocumentTreeSource(doc);
    const expands: [number, boolean][] = [];
    const source: TreeSource = {
      root: (view, signal) => inner.root(view, signal),
      expand: (view, nodeId, offset, limit, signal, firstChildChain) => {
        expands.push([nodeId, firstChildChain === true]);
        return inner.expand(view, nodeId, offset, limit, signal, firstChildChain);
      },
      detail: (...a) => inner.detail(...a),
    };
    const ctl = new TreeController(source, initialTreeState(DEFAULT_VIEW), { detailDelayMs: 0 });
    ctl.start();
    await ctl.idle();
    expect(expands).toEqual([[0, true]]);
    expect(rows(ctl.state, 200).map((r) => r.text)).toEqual([
      '▼ 📂 3.072kB (100.00 %) <ROOT>',
      '├── ▼ 📂 2.048kB (66.67 %) top  a.py:2',
      '│   └── ▼ 📂 2.048kB (66.67 %) mid  a.py:3',
      '│       └── 📄 2.048kB (66.67 %) leaf  a.py:4',
      '└── ▶ 📂 1.024kB (33.33 %) side  b.py:1',
    ]);
    // WHEN u shows the runpy frame THEN the new chain (one level deeper) comes in one request too
    ctl.dispatch(key('toggleUninteresting'));
    await ctl.idle();
    expect(expands).toEqual([
      [0, true],
      [0, true],
    ]);
    expect(rows(ctl.state, 200).map((r) => r.text).slice(0, 5)).toEqual([
      '▼ 📂 3.072kB (100.00 %) <ROOT>',
      '├── ▼ 📂 2.048kB (66.67 %) main  runpy.py:1',
      '│   └── ▼ 📂 2.048kB (66.67 %) top  a.py:2',
      '│       └── ▼ 📂 2.048kB (66.67 %) mid  a.py:3',
      '│           └── 📄 2.048kB (66.67 %) leaf  a.py:4',
    ]);
  });

  it('a detail request waits for the cursor to rest (debounce)', async () => {
    const { doc } = docFromRecords([{ size: 10, stack: [['f', 'a.py', 1]] }]);
    const source = new HeldSource(new DocumentTreeSource(doc));
    const ctl = new TreeController(source, initialTreeState(DEFAULT_VIEW), { detailDelayMs: 20 });
    ctl.start();
    await source.drain();
    ctl.dispatch(key('down'));
    ctl.dispatch(key('up'));
    ctl.dispatch(key('down'));
    expect(source.calls.filter((c) => c.kind === 'detail')).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 40));
    expect(source.calls.filter((c) => c.kind === 'detail')).toHaveLength(1);
    await source.drain();
    await ctl.idle();
  });

  it('GIVEN a seed (the root and its first page with the chain, as the provisional feed fetched them) THEN the rows are there at once and nothing is asked again', async () => {
    const { doc } = docFromRecords([
      { size: 2048, stack: [['leafA', 'a.py', 3], ['midA', 'a.py', 2], ['topA', 'a.py', 1]] },
      { size: 1024, stack: [['leafB', 'b.py', 3], ['topB', 'b.py', 1]] },
    ]);
    const plain = startTree(new DocumentTreeSource(doc), DEFAULT_VIEW, { detailDelayMs: 0 });
    await plain.idle();
    const inner = new DocumentTreeSource(doc);
    const seed = { root: await inner.root(DEFAULT_VIEW), children: await inner.expand(DEFAULT_VIEW, 0, 0, 200, new AbortController().signal, true) };
    const held = new HeldSource(inner);
    const seeded = startTree(held, DEFAULT_VIEW, { detailDelayMs: 0, seed });
    expect(held.calls).toEqual([]);
    expect(rows(seeded.state, 100).map((r) => r.text)).toEqual(rows(plain.state, 100).map((r) => r.text));
    expect(rows(seeded.state, 100).length).toBe(5); // <ROOT>, topA > midA > leafA (the chain), topB
  });
});
