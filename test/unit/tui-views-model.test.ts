// memtree's view keys in the pure model (client/src/tui/view-*.ts, search-model.ts,
// thread-picker.ts, help-overlay.ts, elided-rows.ts): reduce(state, action) with the answers a
// source would send written out by hand, and the requests each state needs.
import { describe, expect, it } from 'vitest';
import type { ViewNode, ViewOptions } from '../../protocol/src/tree.js';
import { flatRows, initialTreeState, reduce, treeConfig, type TreeAction, type TreeState } from '../../client/src/tui/tree-model.js';
import { needs } from '../../client/src/tui/tree-needs.js';
import { ELIDED_ID, nodeKey } from '../../client/src/tui/tree-state.js';
import { searchStatus } from '../../client/src/tui/search-model.js';
import { pickerLines } from '../../client/src/tui/thread-picker.js';
import { exactPattern } from '../../client/src/tui/view-stack.js';

const VIEW: ViewOptions = { mode: { kind: 'peak' }, biggestAllocs: 3, hideImportSystem: false, hideUninteresting: true };

const node = (id: number, fn: string, bytes: number, childCount = 0): ViewNode => ({
  id,
  function: fn,
  file: 'app.py',
  line: id,
  bytes,
  allocations: 1,
  thread: '0x1',
  interesting: true,
  importSystem: false,
  childCount,
});

/** <ROOT> -> main(1) -> [leaf_a(2), leaf_b(3)], other(4); 5 locations left out by -b. */
function loaded(config = treeConfig()): TreeState {
  let s = initialTreeState(VIEW, config, { treeRows: 20, codeRows: 10 });
  const g = s.generation;
  s = reduce(s, { type: 'rootLoaded', generation: g, result: { root: node(0, '<ROOT>', 100, 2), elided: { locations: 5, allocations: 5, bytes: 10 }, peakMemory: 110 } });
  s = reduce(s, { type: 'childrenLoaded', generation: g, nodeId: 0, result: { nodes: [node(1, 'main', 90, 2), node(4, 'other', 10)], total: 2, offset: 0 } });
  return reduce(s, { type: 'childrenLoaded', generation: g, nodeId: 1, result: { nodes: [node(2, 'leaf_a', 60), node(3, 'leaf_b', 30)], total: 2, offset: 0 } });
}

const key = (full: string, ch?: string): TreeAction => ({ type: 'viewKey', full, ...(ch === undefined ? {} : { ch }) });
const type = (s: TreeState, text: string): TreeState => [...text].reduce((st, c) => reduce(st, key(c, c)), s);
const keys = (s: TreeState, ...fulls: string[]): TreeState => fulls.reduce((st, f) => reduce(st, key(f)), s);
const down = (s: TreeState, n: number): TreeState => Array.from({ length: n }).reduce<TreeState>((st) => reduce(st, { type: 'key', key: 'down' }), s);
const kinds = (s: TreeState): string[] => needs(s).map((n) => n.kind);

describe('search (/ n N Esc)', () => {
  it('typing asks tree/search for each query; the answer highlights, expands the path and moves the cursor to the first match', () => {
    let s = loaded();
    s = type(keys(s, '/'), 'leaf');
    expect(s.ui.search).toMatchObject({ query: 'leaf', editing: true });
    expect(needs(s).filter((n) => n.kind === 'search')).toEqual([{ kind: 'search', key: `g${s.generation}:search:leaf`, generation: s.generation, query: 'leaf', limit: 1000 }]);
    // Collapse main first: the match must be revealed.
    s = { ...s, expanded: new Set([0]) };
    s = reduce(s, {
      type: 'searchLoaded',
      generation: s.generation,
      query: 'leaf',
      result: { matches: [{ node: node(3, 'leaf_b', 30), path: [0, 1, 3] }, { node: node(2, 'leaf_a', 60), path: [0, 1, 2] }], total: 2, offset: 0 },
    });
    expect(s.expanded.has(1)).toBe(true);
    expect(s.cursor).toBe(nodeKey(3));
    expect(needs(s).some((n) => n.kind === 'search')).toBe(false);
    expect(s.ui.search!.at).toBe(0);
    expect(flatRows(s).map((r) => r.key)).toContain(nodeKey(3));
    // Enter ends typing; n / N step and wrap.
    s = keys(s, 'enter', 'n');
    expect(s.cursor).toBe(nodeKey(2));
    s = keys(s, 'n');
    expect(s.cursor).toBe(nodeKey(3));
    s = keys(s, 'S-n');
    expect(s.cursor).toBe(nodeKey(2));
    s = keys(s, 'escape');
    expect(s.ui.search).toBeNull();
  });

  it('while typing, q and n are text, Backspace deletes, Enter on an empty query clears', () => {
    let s = type(keys(loaded(), '/'), 'qn');
    expect(s.quit).toBe(false);
    expect(s.ui.search!.query).toBe('qn');
    s = keys(s, 'backspace');
    expect(s.ui.search!.query).toBe('q');
    s = keys(s, 'backspace', 'enter');
    expect(s.ui.search).toBeNull();
  });

  it('an answer for an older query or an older view is dropped', () => {
    let s = type(keys(loaded(), '/'), 'lea');
    const answer = { matches: [{ node: node(2, 'leaf_a', 60), path: [0, 1, 2] }], total: 1, offset: 0 };
    expect(reduce(s, { type: 'searchLoaded', generation: s.generation, query: 'le', result: answer })).toBe(s);
    expect(reduce(s, { type: 'searchLoaded', generation: s.generation - 1, query: 'lea', result: answer })).toBe(s);
    s = reduce(s, { type: 'searchLoaded', generation: s.generation, query: 'lea', result: { matches: [], total: 0, offset: 0 } });
    expect(s.ui.search!.result!.total).toBe(0);
    expect(keys(s, 'enter', 'n').ui.message).toBe('No matches');
  });

  it('a search that fails says why on the footer, and is not asked again', () => {
    let s = type(keys(loaded(), '/'), 'x');
    const need = needs(s).find((n) => n.kind === 'search')!;
    expect(searchStatus(s)).toBe('/x▏  searching…');
    s = reduce(s, { type: 'requestFailed', key: need.key, message: 'no daemon' });
    expect(kinds(s)).not.toContain('search');
    expect(searchStatus(s)).toBe('/x▏  ⚠ no daemon');
  });

  it('a match beyond a loaded page asks for the next pages of its parent until it shows', () => {
    let s = loaded(treeConfig({ pageSize: 1 }));
    // main's children as if paged by 1: only leaf_a loaded, 2 in all.
    s = { ...s, data: { ...s.data, children: new Map(s.data.children).set(1, { ids: [2], total: 2 }) } };
    s = type(keys(s, '/'), 'leaf_b');
    s = reduce(s, { type: 'searchLoaded', generation: s.generation, query: 'leaf_b', result: { matches: [{ node: node(3, 'leaf_b', 30), path: [0, 1, 3] }], total: 1, offset: 0 } });
    expect(needs(s).find((n) => n.kind === 'expand' && n.nodeId === 1)).toMatchObject({ offset: 1 });
    s = reduce(s, { type: 'childrenLoaded', generation: s.generation, nodeId: 1, result: { nodes: [node(3, 'leaf_b', 30)], total: 2, offset: 1 } });
    expect(s.cursor).toBe(nodeKey(3));
  });
});

describe('the view stack (f x Backspace v l p m t)', () => {
  it('f shows from the cursor’s function; Backspace returns to the same screen without asking again', () => {
    const before = down(loaded(), 2); // on leaf_a
    const s = keys(before, 'f');
    expect(s.view.showFrom).toBe('^leaf_a$');
    expect(s.generation).toBe(before.generation + 1);
    expect(s.cursor).toBe(nodeKey(0));
    expect(kinds(s)).toContain('root');
    const back = keys(s, 'backspace');
    expect(back.view).toEqual(before.view);
    expect(back.data).toBe(before.data);
    expect(back.expanded).toBe(before.expanded);
    expect(back.cursor).toBe(before.cursor);
    expect(back.scroll).toBe(before.scroll);
    expect(back.generation).toBeGreaterThan(s.generation);
    expect(kinds(back).filter((k) => k !== 'detail')).toEqual([]);
    expect(keys(back, 'backspace').ui.message).toMatch(/No earlier view/);
  });

  it('f and x need a frame under the cursor; x adds to the hidden frames', () => {
    const s = loaded();
    expect(keys(s, 'f').ui.message).toMatch(/put the cursor on a frame/);
    const once = keys(down(s, 2), 'x');
    expect(once.view.hide).toBe('^leaf_a$');
    expect(keys(down(loaded(), 1), 'x').view.hide).toBe('^main$');
    const twice = keys({ ...down(loaded(), 1), view: once.view }, 'x');
    expect(twice.view.hide).toBe('^leaf_a$|^main$');
    expect(exactPattern('f.<locals>(x)')).toBe('^f\\.<locals>\\(x\\)$');
  });

  it('v inverts and back; l / p / m switch modes, m with the CLI threshold, never on an aggregated capture', () => {
    let s = loaded(treeConfig({ temporaryThreshold: 5 }));
    s = keys(s, 'v');
    expect(s.view.inverted).toBe(true);
    expect(keys(s, 'v').view.inverted).toBe(false);
    s = keys(s, 'l');
    expect(s.view.mode).toEqual({ kind: 'leaks' });
    expect(keys(s, 'l').ui.message).toBe('Already showing leaks');
    s = keys({ ...s, view: { ...s.view, range: { start: 1, end: 2 } } }, 'm');
    expect(s.view.mode).toEqual({ kind: 'temporary', threshold: 5 });
    expect(s.view.range).toBeUndefined();
    s = keys(s, 'p');
    expect(s.view.mode).toEqual({ kind: 'peak' });
    expect(s.ui.stack).toHaveLength(4);
    const agg = loaded(treeConfig({ aggregated: true }));
    const refused = keys(agg, 'm');
    expect(refused.view).toBe(agg.view);
    expect(refused.ui.message).toMatch(/aggregated capture/);
    // A notice lasts until the next key.
    expect(reduce(refused, { type: 'key', key: 'down' }).ui.message).toBeNull();
  });

  it('t asks capture/threads, ticks with Space, applies with Enter (all ticked: no filter), Esc closes', () => {
    let s = keys(loaded(), 't');
    expect(s.ui.overlay?.kind).toBe('threads');
    expect(kinds(s)).toContain('threads');
    const threads = [
      { label: '0x1', bytes: 80, allocations: 2, records: 2 },
      { label: '0x2 (worker)', bytes: 20, allocations: 1, records: 1 },
    ];
    s = reduce(s, { type: 'threadsLoaded', generation: s.generation, threads });
    expect(kinds(s)).not.toContain('threads');
    // Every key is the picker's: ↓ moves in the list, not in the tree.
    const cursor = s.cursor;
    s = keys(s, 'down', 'space');
    expect(s.cursor).toBe(cursor);
    const picked = keys(s, 'enter');
    expect(picked.view.threads).toEqual(['0x2 (worker)']);
    expect(picked.ui.overlay).toBeNull();
    expect(keys(s, 'a', 'enter').view.threads ?? []).toEqual([]);
    expect(keys(s, 'escape').ui.overlay).toBeNull();
  });

  it('a thread list that cannot come says why, and is not asked again', () => {
    let s = keys(loaded(), 't');
    const need = needs(s).find((n) => n.kind === 'threads')!;
    s = reduce(s, { type: 'requestFailed', key: need.key, message: 'memtreed went away' });
    expect(kinds(s)).not.toContain('threads');
    const p = s.ui.overlay?.kind === 'threads' ? s.ui.overlay.picker : undefined;
    expect(pickerLines(p!, s.failures.get(need.key)).rows).toEqual(['⚠ could not list the threads: memtreed went away']);
    expect(pickerLines(p!).rows).toEqual(['loading…']);
  });

  it('? opens the key list; Esc closes it', () => {
    const s = keys(loaded(), '?');
    expect(s.ui.overlay).toEqual({ kind: 'help', scroll: 0 });
    expect(keys(s, 'down').ui.overlay).toEqual({ kind: 'help', scroll: 1 });
    expect(keys(s, 'escape').ui.overlay).toBeNull();
  });
});

describe('the ❓ row opens', () => {
  it('Enter on ❓ asks tree/elided a page at a time; its rows follow it; ← closes', () => {
    let s = loaded(treeConfig({ pageSize: 2, prefetchRows: 0 }));
    s = reduce(s, { type: 'key', key: 'end' });
    expect(s.cursor).toBe('elided');
    s = reduce(s, { type: 'key', key: 'toggle' });
    expect(s.expanded.has(ELIDED_ID)).toBe(true);
    expect(needs(s).find((n) => n.kind === 'elided')).toMatchObject({ offset: 0, limit: 2 });
    const loc = (fn: string, bytes: number) => ({ function: fn, file: 'x.py', line: 1, depth: 3, bytes, allocations: 1, thread: '0x1' });
    s = reduce(s, { type: 'elidedLoaded', generation: s.generation, result: { locations: [loc('a', 4), loc('b', 3)], total: 5, offset: 0 } });
    expect(flatRows(s).slice(-3).map((r) => r.kind)).toEqual(['elidedItem', 'elidedItem', 'elidedMore']);
    // The "more" row is in view: the next page.
    expect(needs(s).find((n) => n.kind === 'elided')).toMatchObject({ offset: 2 });
    s = reduce(s, { type: 'elidedLoaded', generation: s.generation, result: { locations: [loc('c', 2)], total: 5, offset: 2 } });
    expect(s.data.elidedPage!.locations.map((l) => l.function)).toEqual(['a', 'b', 'c']);
    // A page that does not follow is dropped.
    expect(reduce(s, { type: 'elidedLoaded', generation: s.generation, result: { locations: [loc('z', 1)], total: 5, offset: 9 } })).toBe(s);
    s = reduce(s, { type: 'key', key: 'left' });
    expect(s.expanded.has(ELIDED_ID)).toBe(false);
    expect(flatRows(s).some((r) => r.kind === 'elidedItem')).toBe(false);
  });
});
