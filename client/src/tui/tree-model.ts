/**
 * The interactive tree's pure model: `reduce(state, action)` for keys and arriving data, and
 * (re-exported) `rows(state, width)` for drawing. Behaviour follows memray 1.20's `tree`
 * (tree-reporter.md 3.9, 4.1-4.6) except where the brief differs: ←/→ collapse and expand.
 */
import type { NodeDetailResult } from '../../../protocol/src/node.js';
import type { ChildrenPage, TreeExpandResult, TreeRootResult, ViewOptions } from '../../../protocol/src/tree.js';
import { toggleElided } from './elided-rows.js';
import { applyCarry, startCarry, type Carry } from './tree-carry.js';
import { cursorSpan, flatRows, rowIndex, type FlatRow } from './tree-rows.js';
import { reduceView, type ViewAction } from './view-keys.js';
import { changeView } from './view-stack.js';
import {
  ROOT_ID,
  displayedCount,
  emptyData,
  expandNeedKey,
  isExpandable,
  moreKey,
  nodeKey,
  rootOf,
  type TreeState,
  type Viewport,
} from './tree-state.js';

export { rows, rowWindow, flatRows, type Row, type FlatRow } from './tree-rows.js';
export { initialTreeState, treeConfig, type TreeState, type TreeConfig, type Viewport } from './tree-state.js';

/** What a key asks for (keys.ts maps terminal keys to these). */
export type KeyAction =
  | 'up'
  | 'down'
  | 'left'
  | 'right'
  | 'toggle'
  | 'home'
  | 'end'
  | 'pageUp'
  | 'pageDown'
  | 'expandLinear'
  | 'toggleImports'
  | 'toggleUninteresting'
  | 'quit'
  | 'suspend';

/** Everything that changes the state. */
export type TreeAction =
  | { readonly type: 'key'; readonly key: KeyAction }
  | { readonly type: 'resize'; readonly viewport: Viewport }
  /** Show another view (a range of memory snapshots, a mode): a new tree, opened as at start-up. */
  | { readonly type: 'view'; readonly view: ViewOptions }
  /** The data comes from a new source (the daemon was restarted): load it again where the view was. */
  | { readonly type: 'reopen' }
  /** This tree replaces an older version of it (provisional trees): keep the view where it was on that one (tree-carry.ts). */
  | { readonly type: 'carry'; readonly carry: Carry }
  | { readonly type: 'rootLoaded'; readonly generation: number; readonly result: TreeRootResult }
  | { readonly type: 'childrenLoaded'; readonly generation: number; readonly nodeId: number; readonly result: TreeExpandResult }
  | { readonly type: 'detailLoaded'; readonly nodeId: number; readonly context: number; readonly result: NodeDetailResult }
  | { readonly type: 'requestFailed'; readonly key: string; readonly message: string }
  /** memtree's view keys and their answers (view-keys.ts). */
  | ViewAction;

/** The next state; the same object when nothing changed. */
export function reduce(s: TreeState, a: TreeAction): TreeState {
  let next = apply(s, a);
  if (next.carry !== null) {
    // A key: the user moves from here on. New pages: the carried view reaches further.
    if (a.type === 'key' || a.type === 'viewKey') next = { ...next, carry: null };
    else if (next !== s && (a.type === 'rootLoaded' || a.type === 'childrenLoaded')) next = applyCarry(next);
  }
  return next === s ? s : settle(s, next);
}

function apply(s: TreeState, a: TreeAction): TreeState {
  switch (a.type) {
    case 'key': {
      // A notice of the view keys lasts until the next key.
      const next = onKey(s.ui.message === null ? s : { ...s, ui: { ...s.ui, message: null } }, a.key);
      return s.restoring === null ? next : { ...next, restoring: null };
    }
    case 'reopen':
      return {
        ...s,
        generation: s.generation + 1,
        data: emptyData(),
        chain: null,
        failures: new Map(),
        restoring: s.restoring ?? s.cursor,
      };
    case 'carry':
      return startCarry(s, a.carry);
    case 'resize':
      return { ...s, viewport: a.viewport };
    case 'view':
      // Another record view is another tree (root, node ids, sources), and one more screen Backspace returns from.
      return changeView(s, a.view);
    case 'rootLoaded': {
      if (a.generation !== s.generation) return s;
      const { root, elided, peakMemory, range } = a.result;
      return { ...s, data: { ...s.data, elided, peakMemory, range, nodes: new Map(s.data.nodes).set(ROOT_ID, root) } };
    }
    case 'childrenLoaded':
      return a.generation === s.generation ? onChildren(s, a.nodeId, a.result) : s;
    case 'detailLoaded':
      return { ...s, sources: new Map(s.sources).set(a.nodeId, { window: a.result.source, tried: a.result.sourceTried, context: a.context }) };
    case 'viewKey':
    case 'searchLoaded':
    case 'threadsLoaded':
    case 'elidedLoaded':
      return reduceView(s, a);
    case 'requestFailed': {
      const chainKey = s.chain === null ? '' : expandNeedKey(s.generation, s.chain.at, 0);
      return { ...s, failures: new Map(s.failures).set(a.key, a.message), chain: a.key === chainKey ? null : s.chain };
    }
  }
}

/**
 * Appends a page of children, and the first-child chain's pages below it when the source sent
 * them; continues a toggle walk waiting for any of them.
 */
function onChildren(s: TreeState, nodeId: number, r: TreeExpandResult): TreeState {
  let next = addPage(s, nodeId, r);
  if (next === s) return s; // a duplicate or out-of-order page: the need is still open
  const added = new Set([nodeId]);
  for (const { nodeId: id, ...page } of r.chain ?? []) {
    const after = addPage(next, id, page);
    if (after !== next) added.add(id);
    next = after;
  }
  return next.chain !== null && added.has(next.chain.at) ? runChain(next) : next;
}

/** The state with one more page of a node's children, or `s` when the page does not follow the loaded ones. */
function addPage(s: TreeState, nodeId: number, r: ChildrenPage): TreeState {
  const page = s.data.children.get(nodeId);
  const loaded = page?.ids.length ?? 0;
  if (r.offset !== loaded) return s;
  const nodes = new Map(s.data.nodes);
  for (const n of r.nodes) nodes.set(n.id, n);
  const ids = [...(page?.ids ?? []), ...r.nodes.map((n) => n.id)];
  // A source that reports more children than it delivers would otherwise be asked forever.
  const total = r.nodes.length === 0 ? ids.length : Math.max(r.total, ids.length);
  const children = new Map(s.data.children).set(nodeId, { ids, total });
  const next: TreeState = { ...s, data: { ...s.data, nodes, children } };
  // The cursor sat on the "more" row that these children replace: keep it on the same line.
  return s.cursor === moreKey(nodeId) && r.nodes.length > 0 ? { ...next, cursor: nodeKey(r.nodes[0]!.id) } : next;
}

function toggled(set: ReadonlySet<number>, id: number): Set<number> {
  const out = new Set(set);
  if (!out.delete(id)) out.add(id);
  return out;
}

/** Displayed children as memray counts them for `e`: the ❓ row is a child of the root. */
function chainCount(s: TreeState, id: number): number {
  return displayedCount(s, id) + (id === ROOT_ID && s.data.elided.locations > 0 ? 1 : 0);
}

/** Walks a toggle chain as far as the loaded children allow (3.9 and 4.3). */
function runChain(s: TreeState): TreeState {
  let { chain, expanded } = s;
  while (chain !== null) {
    const at = chain.at;
    if (chain.kind === 'linear' && chainCount(s, at) !== 1) {
      chain = null;
      break;
    }
    const page = s.data.children.get(at);
    if (page === undefined) break; // wait for the children
    const first = page.ids[0];
    if (first === undefined) {
      chain = null;
      break;
    }
    expanded = toggled(expanded, first);
    const go = chain.kind === 'first' ? displayedCount(s, first) > 0 : chainCount(s, first) === 1;
    chain = go ? { kind: chain.kind, at: first } : null;
  }
  return { ...s, expanded, chain };
}

/** The filters changed: everything is rebuilt as at start-up (4.6). */
function rebuild(s: TreeState, view: ViewOptions): TreeState {
  return {
    ...s,
    view,
    generation: s.generation + 1,
    data: { ...emptyData(rootOf(s.data), s.data.elided, s.data.peakMemory), range: s.data.range },
    expanded: new Set([ROOT_ID]),
    chain: { kind: 'first', at: ROOT_ID },
    cursor: nodeKey(ROOT_ID),
    scroll: 0,
    hscroll: 0,
    restoring: null,
    failures: new Map(),
  };
}

function moveTo(s: TreeState, index: number): TreeState {
  const all = flatRows(s);
  if (all.length === 0) return s;
  const key = all[Math.max(0, Math.min(all.length - 1, index))]!.key;
  return key === s.cursor ? s : { ...s, cursor: key };
}

function isNodeRow(r: FlatRow | undefined): r is FlatRow & { kind: 'root' | 'node' } {
  return r !== undefined && (r.kind === 'root' || r.kind === 'node');
}

function onKey(s: TreeState, key: KeyAction): TreeState {
  const all = flatRows(s);
  const at = rowIndex(s, s.cursor);
  const row = all[at];
  const page = Math.max(1, s.viewport.treeRows - 1);
  if (row?.kind === 'elided' && (key === 'toggle' || key === 'right' || key === 'left')) return toggleElided(s, key);
  switch (key) {
    case 'up':
      return moveTo(s, at - 1);
    case 'down':
      return moveTo(s, at + 1);
    case 'home':
      return moveTo(s, 0);
    case 'end':
      return moveTo(s, all.length - 1);
    case 'pageUp':
      return moveTo(s, at - page);
    case 'pageDown':
      return moveTo(s, at + page);
    case 'toggle':
      return isNodeRow(row) && isExpandable(s, row.id) ? { ...s, expanded: toggled(s.expanded, row.id) } : s;
    case 'right':
      if (!isNodeRow(row) || !isExpandable(s, row.id)) return s;
      if (!s.expanded.has(row.id)) return { ...s, expanded: toggled(s.expanded, row.id) };
      return all[at + 1] !== undefined && all[at + 1]!.depth > row.depth ? moveTo(s, at + 1) : s;
    case 'left': {
      if (row === undefined) return s;
      if (isNodeRow(row) && isExpandable(s, row.id) && s.expanded.has(row.id)) return { ...s, expanded: toggled(s.expanded, row.id) };
      // The parent of a row (a "more" row's too) is the nearest shallower row above it.
      let parent = at - 1;
      while (parent >= 0 && all[parent]!.depth >= row.depth) parent--;
      return parent < 0 ? s : moveTo(s, parent);
    }
    case 'expandLinear':
      if (!isNodeRow(row)) return s;
      return runChain({ ...s, expanded: toggled(s.expanded, row.id), chain: { kind: 'linear', at: row.id } });
    case 'toggleImports':
      return rebuild(s, { ...s.view, hideImportSystem: !s.view.hideImportSystem });
    case 'toggleUninteresting':
      return rebuild(s, { ...s.view, hideUninteresting: !s.view.hideUninteresting });
    case 'quit':
      return { ...s, quit: true };
    case 'suspend':
      return s; // a side effect for the view; nothing in the model changes
  }
}

/** Keeps the cursor on an existing row (at the same line if its row went away) and visible. */
function settle(prev: TreeState, next: TreeState): TreeState {
  let s = next;
  if (s.restoring !== null && rowIndex(s, s.restoring) >= 0) s = { ...s, cursor: s.restoring, restoring: null };
  const all = flatRows(s);
  let at = rowIndex(s, s.cursor);
  if (at < 0 && all.length > 0) {
    at = Math.min(Math.max(rowIndex(prev, prev.cursor), 0), all.length - 1);
    s = { ...s, cursor: all[at]!.key };
  }
  const h = Math.max(1, s.viewport.treeRows);
  let scroll = s.scroll;
  if (at >= 0 && at < scroll) scroll = at;
  if (at >= scroll + h) scroll = at - h + 1;
  scroll = Math.max(0, Math.min(scroll, all.length - h));
  const hscroll = horizontalScroll(s);
  return scroll === s.scroll && hscroll === s.hscroll ? s : { ...s, scroll, hscroll };
}

/** Columns the depth marker (`‹123 `) takes at the left of rows scrolled sideways. */
export const DEPTH_MARK_WIDTH = 5;

/**
 * The sideways scroll that shows the cursor row's label from its start to the end of the
 * function name: unchanged while that holds (no jumping on every move), else the least change,
 * in whole guide groups (4 columns) so the guides keep their columns. A label wider than the
 * pane shows from its start.
 */
function horizontalScroll(s: TreeState): number {
  const width = s.viewport.treeCols ?? Infinity;
  const span = cursorSpan(s);
  if (span === undefined || !Number.isFinite(width)) return 0;
  const fits = (h: number): boolean => span.start - h >= (h > 0 ? DEPTH_MARK_WIDTH : 0) && span.fnEnd - h <= width;
  if (fits(s.hscroll)) return s.hscroll;
  if (fits(0)) return 0;
  // Right of the view: scroll just far enough (rounded up to a group); left of it, or too wide: start at the label.
  const latest = Math.max(0, Math.floor((span.start - DEPTH_MARK_WIDTH) / 4) * 4);
  const least = Math.ceil(Math.max(0, span.fnEnd - width) / 4) * 4;
  return Math.min(latest, least);
}
