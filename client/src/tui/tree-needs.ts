/**
 * Which requests a state needs answered. The controller diffs this list against the requests
 * in flight: new needs are sent, requests no longer needed are aborted. So "stale" is defined
 * in one place: a request is stale exactly when the current state stops needing it.
 */
import { flatRows, rowIndex } from './tree-rows.js';
import { viewNeeds, type ViewNeed } from './view-needs.js';
import { DEFAULT_CONTEXT, ROOT_ID, detailNeedKey, expandNeedKey, rootNeedKey, rootOf, type TreeState } from './tree-state.js';

/** A page of a node's children. */
export interface ExpandNeed {
  readonly kind: 'expand';
  readonly key: string;
  readonly generation: number;
  readonly nodeId: number;
  readonly offset: number;
  readonly limit: number;
  /**
   * The first-child chain (3.9) waits on this node's children: ask for the chain's pages
   * below it too (tree/expand `firstChildChain`), so it resolves in one round trip.
   */
  readonly firstChildChain: boolean;
}

/** One request the state is waiting for; `key` identifies it across states. */
export type Need =
  | { readonly kind: 'root'; readonly key: string; readonly generation: number }
  | ExpandNeed
  | { readonly kind: 'detail'; readonly key: string; readonly nodeId: number; readonly context: number }
  /** memtree's view keys: search, threads, the ❓ row's locations (view-needs.ts). */
  | ViewNeed;

/** Source lines wanted on each side of the frame's line for a code pane `rows` high (3.10: d = floor(h/2)). */
function contextFor(rows: number): number {
  return Math.max(DEFAULT_CONTEXT, Math.floor(rows / 2) + 1);
}

/** The requests `s` is waiting for, in the order they should be sent. */
export function needs(s: TreeState): Need[] {
  const out: Need[] = [];
  const { generation: g, data, config } = s;
  const rootKnown = rootOf(data) !== null;
  const skip = (key: string): boolean => s.failures.has(key);
  if (!rootKnown && !skip(rootNeedKey(g))) out.push({ kind: 'root', key: rootNeedKey(g), generation: g });
  const wanted = new Set<number>();
  const expand = (nodeId: number): void => {
    const offset = data.children.get(nodeId)?.ids.length ?? 0;
    const key = expandNeedKey(g, nodeId, offset);
    if (wanted.has(nodeId) || skip(key)) return;
    wanted.add(nodeId);
    const firstChildChain = offset === 0 && s.chain?.kind === 'first' && s.chain.at === nodeId;
    out.push({ kind: 'expand', key, generation: g, nodeId, offset, limit: config.pageSize, firstChildChain });
  };
  // A toggle walk waits on these children (before the root itself is known, too).
  if (s.chain !== null && !data.children.has(s.chain.at)) expand(s.chain.at);
  if (!rootKnown && s.expanded.has(ROOT_ID)) expand(ROOT_ID);
  // Every "more" row: first pages always (an open node shows "loading"), later pages only
  // when the row comes near the viewport, so a node with 100 000 children costs one page.
  const rows = flatRows(s);
  const low = s.scroll - config.prefetchRows;
  const high = s.scroll + s.viewport.treeRows + config.prefetchRows;
  rows.forEach((r, i) => {
    if (r.kind !== 'more') return;
    if (!data.children.has(r.id) || (i >= low && i <= high)) expand(r.id);
  });
  const cursor = rows[rowIndex(s, s.cursor)];
  if (cursor?.kind === 'node') {
    const context = contextFor(s.viewport.codeRows);
    const cached = s.sources.get(cursor.id);
    const key = detailNeedKey(cursor.id, context);
    if ((cached === undefined || cached.context < context) && !skip(key)) {
      out.push({ kind: 'detail', key, nodeId: cursor.id, context });
    }
  }
  out.push(...viewNeeds(s));
  return out;
}
