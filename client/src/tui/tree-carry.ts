/**
 * Where the view was, carried onto a newer version of the same tree (issue 13 item 3: a
 * provisional tree replaced by a newer one, or by the final tree). Node ids differ between
 * versions, so nodes are matched by their path of locations (function, file, line) from the
 * root: the expanded nodes stay expanded where they still exist, the cursor stays on the same
 * node (or its nearest ancestor that still exists) on the same screen line, and the view's
 * options (filters toggled on the old tree) carry over. Applied again as the new tree's pages
 * arrive, until the next key. The Backspace stack and the search carry over as what they ask
 * for (views, a query): their old answers name the old tree's nodes, so they are asked again of
 * the new one. Pure functions of TreeState.
 */
import type { ViewNode, ViewOptions } from '../../../protocol/src/tree.js';
import { flatRows, rowIndex } from './tree-rows.js';
import { ELIDED_KEY, ROOT_ID, emptyData, nodeKey, type TreeState } from './tree-state.js';
import { changeView } from './view-stack.js';
import { INITIAL_UI } from './view-state.js';

/** The view on the old tree, by path (see carryOf). */
export interface Carry {
  readonly view: ViewOptions;
  /** Path id of (parent path id, location) for the old tree's loaded nodes; the root's path id is 0. */
  readonly paths: ReadonlyMap<string, number>;
  /** Path ids of the expanded nodes. */
  readonly expanded: ReadonlySet<number>;
  /** Path ids from the root down to the cursor's node (empty: the cursor was not on a node). */
  readonly cursorPath: readonly number[];
  /** Whether the cursor was on the ❓ row. */
  readonly cursorElided: boolean;
  /** The cursor's line in the tree pane (its row index minus the scroll). */
  readonly line: number;
  /** The views of the Backspace stack's screens, the last on top. */
  readonly stack: readonly ViewOptions[];
  /** The search typed on the old tree (its matches are asked again), or null. */
  readonly search: { readonly query: string; readonly editing: boolean } | null;
}

function locationKey(parent: number, n: ViewNode): string {
  return `${parent}\u0001${n.function}\u0000${n.file}\u0000${n.line}`;
}

/** Visits the loaded nodes from the root, each with its parent's path id; `pathOf` gives a node's (-1: not followed further). */
function walk(s: TreeState, pathOf: (parent: number, node: ViewNode, id: number) => number): void {
  const stack: [number, number][] = [[ROOT_ID, 0]];
  while (stack.length > 0) {
    const [id, path] = stack.pop()!;
    for (const child of s.data.children.get(id)?.ids ?? []) {
      const n = s.data.nodes.get(child);
      if (n === undefined) continue;
      const p = pathOf(path, n, child);
      if (p >= 0) stack.push([child, p]);
    }
  }
}

/** Where the view is on `s`'s tree, to carry onto a newer version of it. */
export function carryOf(s: TreeState): Carry {
  const paths = new Map<string, number>();
  const idPath = new Map<number, number>([[ROOT_ID, 0]]);
  const parentPath = new Map<number, number>();
  walk(s, (parent, n, id) => {
    const key = locationKey(parent, n);
    let p = paths.get(key);
    if (p === undefined) paths.set(key, (p = paths.size + 1));
    idPath.set(id, p);
    parentPath.set(p, parent);
    return p;
  });
  const expanded = new Set<number>();
  for (const id of s.expanded) {
    const p = idPath.get(id);
    if (p !== undefined) expanded.add(p);
  }
  const cursorPath: number[] = [];
  const at = s.cursor.startsWith('n') ? idPath.get(Number(s.cursor.slice(1))) : undefined;
  for (let p = at; p !== undefined; p = p === 0 ? undefined : parentPath.get(p)) cursorPath.unshift(p);
  return {
    view: s.view,
    paths,
    expanded,
    cursorPath,
    cursorElided: s.cursor === ELIDED_KEY,
    line: Math.max(0, rowIndex(s, s.cursor) - s.scroll),
    stack: s.ui.stack.map((screen) => screen.view),
    search: s.ui.search === null ? null : { query: s.ui.search.query, editing: s.ui.search.editing },
  };
}

function sameView(a: ViewOptions, b: ViewOptions): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** `s` (a new version of the tree, as started) taking over the view carried from the old one. */
export function startCarry(s: TreeState, carry: Carry): TreeState {
  // Filters toggled on the old tree: this tree's answers so far are of another view.
  const fresh = sameView(s.view, carry.view) ? {} : { view: carry.view, generation: s.generation + 1, data: emptyData(), failures: new Map() };
  // Backspace returns to each earlier view as a fresh screen of this tree (memray's start-up expansion).
  const stack = carry.stack.map((view) => ({ ...changeView(s, view), ui: INITIAL_UI }));
  const search = carry.search === null ? null : { ...carry.search, result: null, at: -1 };
  return applyCarry({
    ...s,
    ...fresh,
    carry,
    expanded: new Set(carry.expanded.has(0) ? [ROOT_ID] : []),
    chain: null,
    cursor: nodeKey(ROOT_ID),
    restoring: null,
    scroll: 0,
    ui: { ...INITIAL_UI, stack, search },
  });
}

/** `s` with the carried expansion and cursor applied to the nodes loaded so far (the same `s` if nothing changes). */
export function applyCarry(s: TreeState): TreeState {
  const carry = s.carry;
  if (carry === null) return s;
  let expanded: Set<number> | undefined;
  const cursorDepth = new Map(carry.cursorPath.map((p, depth) => [p, depth] as const));
  let cursor = { id: ROOT_ID, depth: 0 };
  walk(s, (parent, n, id) => {
    const p = carry.paths.get(locationKey(parent, n)) ?? -1;
    if (p < 0) return -1;
    if (carry.expanded.has(p) && !s.expanded.has(id)) (expanded ??= new Set(s.expanded)).add(id);
    const depth = cursorDepth.get(p);
    if (depth !== undefined && depth > cursor.depth) cursor = { id, depth };
    return p;
  });
  let next: TreeState = expanded === undefined ? s : { ...s, expanded };
  const key = carry.cursorElided && s.data.elided.locations > 0 ? ELIDED_KEY : nodeKey(cursor.id);
  if (key !== next.cursor && rowIndex(next, key) >= 0) next = { ...next, cursor: key };
  // The cursor on the line it had on the screen.
  const at = rowIndex(next, next.cursor);
  const scroll = Math.max(0, Math.min(at - carry.line, flatRows(next).length - Math.max(1, next.viewport.treeRows)));
  return at >= 0 && scroll !== next.scroll ? { ...next, scroll } : next;
}
