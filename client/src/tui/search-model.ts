/**
 * `/` incremental search over the current view (tree/search): each key typed asks again, the
 * matches are highlighted, the cursor goes to the first one, `n` / `N` to the next / previous,
 * each match revealed by expanding its path (the id path tree/search returns); Esc clears.
 * Pure functions of TreeState.
 */
import type { TreeSearchResult } from '../../../protocol/src/tree.js';
import { formatCount } from '../format/count.js';
import { nodeKey, type TreeState } from './tree-state.js';
import { searchNeedKey, type SearchResult, type SearchState } from './view-state.js';

/** Matches asked for per query (tree/search's maximum page is 10,000). */
export const SEARCH_LIMIT = 1000;

function withSearch(s: TreeState, search: SearchState | null): TreeState {
  return { ...s, ui: { ...s.ui, search, reveal: search === null ? null : s.ui.reveal } };
}

/** `/`: start typing a query (the last one is replaced). */
export function startSearch(s: TreeState): TreeState {
  return withSearch(s, { query: '', editing: true, result: s.ui.search?.result ?? null, at: -1 });
}

/** Esc: no query, no highlights. */
export function clearSearch(s: TreeState): TreeState {
  return s.ui.search === null ? s : withSearch(s, null);
}

/** A key while the query is typed: a character, Backspace, Enter (done typing); undefined: not a search key. */
export function editSearch(s: TreeState, full: string, ch: string | undefined): TreeState | undefined {
  const search = s.ui.search;
  if (search === null || !search.editing) return undefined;
  if (full === 'escape') return clearSearch(s);
  if (full === 'enter') return search.query === '' ? clearSearch(s) : withSearch(s, { ...search, editing: false });
  if (full === 'backspace') return withSearch(s, { ...search, query: search.query.slice(0, -1), at: -1 });
  // Printable characters (neo-blessed names them 'a', 'S-a', 'space', ...; `ch` is what was typed).
  if (ch !== undefined && ch.length === 1 && ch >= ' ' && ch !== '\x7f' && !full.startsWith('C-') && !full.startsWith('M-')) {
    return withSearch(s, { ...search, query: search.query + ch, at: -1 });
  }
  return undefined;
}

/** The query the view waits on an answer for ('' or answered: none). */
export function pendingQuery(s: TreeState): string | undefined {
  const search = s.ui.search;
  if (search === null || search.query === '') return undefined;
  return search.result?.query === search.query ? undefined : search.query;
}

/**
 * tree/search answered for `query` (ignored when the query changed meanwhile); the first match is
 * shown, except for a search carried onto a newer tree (tree-carry.ts): the cursor stays where
 * the user left it, and `n` goes on from there.
 */
export function searchLoaded(s: TreeState, query: string, r: TreeSearchResult): TreeState {
  const search = s.ui.search;
  if (search === null || search.query !== query) return s;
  const result: SearchResult = { query, matches: r.matches, total: r.total };
  const next = withSearch(s, { ...search, result, at: -1 });
  return result.matches.length === 0 || s.carry !== null ? next : goToMatch(next, 0);
}

/** `n` (+1) / `N` (-1): the next / previous match, wrapping around. */
export function stepMatch(s: TreeState, step: 1 | -1): TreeState {
  const search = s.ui.search;
  const n = search?.result?.matches.length ?? 0;
  if (search === null || n === 0) return { ...s, ui: { ...s.ui, message: search === null ? 'No search: press / to search' : 'No matches' } };
  const at = search.at < 0 ? (step > 0 ? 0 : n - 1) : (search.at + step + n) % n;
  return goToMatch(s, at);
}

/** The cursor to match `at`: its ancestors expanded, their pages loaded until it shows (view-needs.ts). */
function goToMatch(s: TreeState, at: number): TreeState {
  const search = s.ui.search!;
  const m = search.result!.matches[at]!;
  const expanded = new Set(s.expanded);
  for (const id of m.path.slice(0, -1)) expanded.add(id);
  return {
    ...s,
    expanded,
    restoring: nodeKey(m.node.id),
    ui: { ...s.ui, search: { ...search, at }, reveal: m.path },
  };
}

const matchSets = new WeakMap<SearchResult, ReadonlySet<number>>();

/** Node ids of the loaded matches (highlighted rows). */
export function matchIds(s: TreeState): ReadonlySet<number> {
  const r = s.ui.search?.result;
  if (r === null || r === undefined) return EMPTY;
  let set = matchSets.get(r);
  if (set === undefined) matchSets.set(r, (set = new Set(r.matches.map((m) => m.node.id))));
  return set;
}
const EMPTY: ReadonlySet<number> = new Set();

/** The search line for the footer: `/query` while typing, then which match of how many. */
export function searchStatus(s: TreeState): string {
  const search = s.ui.search;
  if (search === null) return '';
  const cursor = search.editing ? '▏' : '';
  const r = search.result;
  let count = '';
  if (search.query !== '') {
    const failed = s.failures.get(searchNeedKey(s.generation, search.query));
    if (failed !== undefined) count = `⚠ ${failed}`;
    else if (r === null || r.query !== search.query) count = 'searching…';
    else if (r.total === 0) count = 'no matches';
    else count = `${search.at < 0 ? '-' : formatCount(search.at + 1)}/${formatCount(r.total)}${r.total > r.matches.length ? ` (first ${formatCount(r.matches.length)})` : ''}`;
  }
  return `/${search.query}${cursor}${count === '' ? '' : `  ${count}`}`;
}
