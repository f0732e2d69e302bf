/**
 * The requests memtree's view keys wait for (tree-needs.ts adds them to the tree's): a search's
 * matches, the pages on a match's path until it shows, the thread list of the picker, the
 * pages of the opened ❓ row.
 */
import { ELIDED_MORE_KEY, elidedNeed } from './elided-rows.js';
import { SEARCH_LIMIT, pendingQuery } from './search-model.js';
import { rowIndex } from './tree-rows.js';
import { expandNeedKey, nodeKey, type TreeState } from './tree-state.js';
import { searchNeedKey, threadsNeedKey } from './view-state.js';
import type { ExpandNeed } from './tree-needs.js';

/** A request of memtree's view keys (the tree's own are in tree-needs.ts). */
export type ViewNeed =
  | { readonly kind: 'search'; readonly key: string; readonly generation: number; readonly query: string; readonly limit: number }
  | { readonly kind: 'threads'; readonly key: string; readonly generation: number }
  | { readonly kind: 'elided'; readonly key: string; readonly generation: number; readonly offset: number; readonly limit: number };

/** A tree page on the way to a search match (tree-needs.ts's 'expand' need, without the chain). */
export type RevealNeed = ExpandNeed & { readonly firstChildChain: false };

/** The requests of the view keys that `s` waits for. */
export function viewNeeds(s: TreeState): (ViewNeed | RevealNeed)[] {
  const out: (ViewNeed | RevealNeed)[] = [];
  const g = s.generation;
  const skip = (key: string): boolean => s.failures.has(key);
  const query = pendingQuery(s);
  if (query !== undefined && !skip(searchNeedKey(g, query))) out.push({ kind: 'search', key: searchNeedKey(g, query), generation: g, query, limit: SEARCH_LIMIT });
  if (s.ui.overlay?.kind === 'threads' && s.ui.overlay.picker.threads === null && !skip(threadsNeedKey(g))) {
    out.push({ kind: 'threads', key: threadsNeedKey(g), generation: g });
  }
  // A match beyond the loaded pages of an ancestor: the next pages, until it shows.
  const path = s.ui.reveal;
  if (path !== null && path.length > 0 && s.restoring === nodeKey(path[path.length - 1]!)) {
    for (let k = 0; k + 1 < path.length; k++) {
      const page = s.data.children.get(path[k]!);
      if (page === undefined) break; // asked for by tree-needs (an expanded node's first page)
      if (page.ids.includes(path[k + 1]!)) continue;
      const key = expandNeedKey(g, path[k]!, page.ids.length);
      if (page.ids.length < page.total && !skip(key)) {
        out.push({ kind: 'expand', key, generation: g, nodeId: path[k]!, offset: page.ids.length, limit: s.config.pageSize, firstChildChain: false });
      }
      break;
    }
  }
  const more = elidedNeed(s, rowIndex(s, ELIDED_MORE_KEY));
  if (more !== undefined) out.push({ kind: 'elided', key: more.key, generation: g, offset: more.offset, limit: s.config.pageSize });
  return out;
}
