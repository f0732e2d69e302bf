/**
 * The state of memtree's own view keys (issue 10): search, the view stack of Backspace, the
 * thread picker and help overlays, a one-line notice. Part of TreeState (`ui`), immutable
 * like the rest of it.
 */
import type { ThreadTotals } from '../../../protocol/src/threads.js';
import type { SearchMatch } from '../../../protocol/src/tree.js';
import type { TreeState } from './tree-state.js';

/** An answer of tree/search for one query of one view. */
export interface SearchResult {
  readonly query: string;
  readonly matches: readonly SearchMatch[];
  /** All matches in the view (`matches` may hold only the first of them). */
  readonly total: number;
}

/** `/` search: the query typed so far, its matches, the current one. */
export interface SearchState {
  readonly query: string;
  /** The query is being typed (keys go to it). */
  readonly editing: boolean;
  /** The matches of `query` in the current view (null: asked, or nothing to ask). */
  readonly result: SearchResult | null;
  /** Index of the current match in `result.matches` (-1: none chosen yet). */
  readonly at: number;
}

/** `t`: the threads of the snapshot, which are ticked, where the cursor is. */
export interface ThreadPicker {
  /** From capture/threads; null while asked. */
  readonly threads: readonly ThreadTotals[] | null;
  readonly cursor: number;
  readonly selected: ReadonlySet<string>;
}

/** What covers the tree: the key list, the thread picker, or nothing. */
export type Overlay = { readonly kind: 'help'; readonly scroll: number } | { readonly kind: 'threads'; readonly picker: ThreadPicker } | null;

/** The locations `-b` left out, as far as loaded (the ❓ row opened). */
export interface ElidedPage {
  readonly locations: readonly import('../../../protocol/src/elided.js').ElidedLocation[];
  readonly total: number;
}

export interface ViewUi {
  /** Earlier screens, the last on top (Backspace returns to it). */
  readonly stack: readonly TreeState[];
  readonly search: SearchState | null;
  readonly overlay: Overlay;
  /** A notice for the footer until the next key (e.g. a mode the capture does not have). */
  readonly message: string | null;
  /** A node path to reveal (a search match): its ancestors' pages are loaded until it shows. */
  readonly reveal: readonly number[] | null;
}

export const INITIAL_UI: ViewUi = { stack: [], search: null, overlay: null, message: null, reveal: null };

/** Screens kept for Backspace. */
export const STACK_LIMIT = 50;

/** Need key of a search request. */
export const searchNeedKey = (generation: number, query: string): string => `g${generation}:search:${query}`;
/** Need key of the thread list of a mode. */
export const threadsNeedKey = (generation: number): string => `g${generation}:threads`;
/** Need key of a page of the locations -b left out. */
export const elidedNeedKey = (generation: number, offset: number): string => `g${generation}:elided@${offset}`;
