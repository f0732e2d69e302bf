/**
 * State of the interactive tree (tree-reporter.md 3.8-3.11, 4.1-4.6): what the daemon sent,
 * what is expanded, where the cursor is. Immutable: reduce() returns new objects, so
 * identity comparisons tell what changed (rows are memoised on `data` and `expanded`).
 */
import type { SourceAttempt, SourceWindow } from '../../../protocol/src/node.js';
import type { ElidedInfo, RangeInfo } from '../../../protocol/src/tree-document.js';
import type { ViewNode, ViewOptions } from '../../../protocol/src/tree.js';
import type { Carry } from './tree-carry.js';
import { INITIAL_UI, type ElidedPage, type ViewUi } from './view-state.js';

/** Source lines asked for on each side of a frame's line at least. */
export const DEFAULT_CONTEXT = 10;

/** Id of the root node in every tree. */
export const ROOT_ID = 0;

/** Identifies a row: `n<id>` for nodes, `elided` for ❓, `more<parent id>` for a not yet loaded rest of children. */
export type RowKey = string;

/** Row key of a node. */
export const nodeKey = (id: number): RowKey => `n${id}`;
/** Row key of the ❓ (elided locations) row. */
export const ELIDED_KEY: RowKey = 'elided';
/** The ❓ row's id in `expanded` (open: its locations are listed under it). */
export const ELIDED_ID = -1;
/** Row key of the "more children" row of a parent. */
export const moreKey = (parentId: number): RowKey => `more${parentId}`;

/** The loaded displayed children of a node: always a prefix of the full list. */
export interface ChildPage {
  readonly ids: readonly number[];
  /** All displayed children of the node. */
  readonly total: number;
}

/**
 * A toggle walk waiting for the children of `at` (which is already toggled): `first` is the
 * first-child chain of 3.9, `linear` the `e` key of 4.3.
 */
export interface Chain {
  readonly kind: 'first' | 'linear';
  readonly at: number;
}

/** Everything received from the source for the current view (replaced as a whole on change). */
export interface TreeData {
  readonly elided: ElidedInfo;
  readonly peakMemory: number;
  /** For a view of a range of memory snapshots: the range and the moment shown (tree/root's `range`). */
  readonly range?: RangeInfo;
  /** Nodes loaded under the current filters, the root (ROOT_ID) once `root` answered. */
  readonly nodes: ReadonlyMap<number, ViewNode>;
  readonly children: ReadonlyMap<number, ChildPage>;
  /** The locations -b left out, as far as loaded (the ❓ row opened: ELIDED_ID in `expanded`). */
  readonly elidedPage?: ElidedPage;
}

/** Settings that do not change while the view runs. */
export interface TreeConfig {
  /** Shortens a file name to a module name (the capture's sys.path, as `memtree tree --print`). */
  readonly moduleName: (file: string) => string;
  /** Children asked for per `expand` request. */
  readonly pageSize: number;
  /** The next page is fetched once its "more" row is this many rows below the viewport or closer. */
  readonly prefetchRows: number;
  /** Ends the header line for a capture in an older format (print-tree's formatNote). */
  readonly formatNote?: string;
  /** `m`'s threshold (the CLI's: --temporary-allocation-threshold, else 1). */
  readonly temporaryThreshold?: number;
  /** An aggregated capture (memray run --aggregate): it has no temporary allocations. */
  readonly aggregated?: boolean;
}

/** Rows available to the tree pane and the code pane. */
export interface Viewport {
  readonly treeRows: number;
  readonly codeRows: number;
  /** Columns of the tree pane (absent: unlimited, never scrolled sideways). */
  readonly treeCols?: number;
}

/** Source lines of a node and how much context was asked for. */
export interface CachedSource {
  readonly window: SourceWindow | null;
  /** Where the file was looked for, when no window came back for that reason. */
  readonly tried?: readonly SourceAttempt[];
  readonly context: number;
}

/** The whole state of the tree view. */
export interface TreeState {
  readonly config: TreeConfig;
  /** Current view options; the filters change with `i` and `u`. */
  readonly view: ViewOptions;
  /** Bumped by every filter toggle; answers for older generations are dropped. */
  readonly generation: number;
  readonly data: TreeData;
  /** Toggled-open nodes (may hold leaves too: memray's toggle walks flip their flag). */
  readonly expanded: ReadonlySet<number>;
  readonly chain: Chain | null;
  readonly cursor: RowKey;
  /**
   * After a reopen (a new daemon): the row the cursor was on, taken back as soon as it is
   * loaded again; forgotten at the next key.
   */
  readonly restoring: RowKey | null;
  /**
   * After this tree replaced an older version of it (provisional trees): where the view was on
   * that one, taken over as this tree's pages arrive (tree-carry.ts); forgotten at the next key.
   */
  readonly carry: Carry | null;
  /** Index of the first tree row shown. */
  readonly scroll: number;
  /** Columns of every tree row scrolled away to the left (deep trees: the cursor's label stays in view). */
  readonly hscroll: number;
  readonly viewport: Viewport;
  /** Source windows by node id; filter independent, so kept across toggles (memray caches files too). */
  readonly sources: ReadonlyMap<number, CachedSource>;
  /** Requests that failed, by need key, with the message to show. */
  readonly failures: ReadonlyMap<string, string>;
  readonly quit: boolean;
  /** Search, view stack, overlays (view-state.ts). */
  readonly ui: ViewUi;
}

const NO_ELIDED: ElidedInfo = { locations: 0, allocations: 0, bytes: 0 };

/** Tree data before anything arrived (or, after a filter toggle, with only the root kept). */
export function emptyData(root: ViewNode | null = null, elided: ElidedInfo = NO_ELIDED, peakMemory = 0): TreeData {
  return { elided, peakMemory, nodes: root === null ? new Map() : new Map([[ROOT_ID, root]]), children: new Map() };
}

/** The root node; null until `root` answered. */
export function rootOf(data: TreeData): ViewNode | null {
  // `has`, not `?? null`: an answer without a root is a broken source, which must show as one.
  return data.nodes.has(ROOT_ID) ? data.nodes.get(ROOT_ID)! : null;
}

/** Defaults for TreeConfig fields not given. */
export function treeConfig(partial: Partial<TreeConfig> = {}): TreeConfig {
  return { moduleName: (f) => f, pageSize: 200, prefetchRows: 50, ...partial };
}

/** The state a view starts in: root expanded, cursor on it, the first-child chain pending (3.9). */
export function initialTreeState(view: ViewOptions, config: TreeConfig = treeConfig(), viewport: Viewport = { treeRows: 20, codeRows: 10 }): TreeState {
  return {
    config,
    view,
    generation: 0,
    data: emptyData(),
    expanded: new Set([ROOT_ID]),
    chain: { kind: 'first', at: ROOT_ID },
    cursor: nodeKey(ROOT_ID),
    restoring: null,
    carry: null,
    scroll: 0,
    hscroll: 0,
    viewport,
    sources: new Map(),
    failures: new Map(),
    quit: false,
    ui: INITIAL_UI,
  };
}

/** Displayed children of a node as far as known: the loaded page's total, else the node's count. */
export function displayedCount(s: TreeState, id: number): number {
  return s.data.children.get(id)?.total ?? s.data.nodes.get(id)?.childCount ?? 0;
}

/** Whether a node shows an arrow: the root always (3.2), other nodes when they have displayed children. */
export function isExpandable(s: TreeState, id: number): boolean {
  return id === ROOT_ID || displayedCount(s, id) > 0;
}

/** Need key of the root request. */
export const rootNeedKey = (generation: number): string => `g${generation}:root`;
/** Need key of one page of a node's children. */
export const expandNeedKey = (generation: number, id: number, offset: number): string => `g${generation}:expand:${id}@${offset}`;
/** Need key of a node's detail (filter independent, hence no generation). */
export const detailNeedKey = (id: number, context: number): string => `detail:${id}~${context}`;

/** What a parent's "more" row stands for: a failed page, the first page on its way, or children left to load. */
export type MoreInfo =
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'loading' }
  | { readonly kind: 'more'; readonly left: number };

/** The state of a parent's not yet loaded children (its "more" row). */
export function moreInfo(s: TreeState, parentId: number): MoreInfo {
  const page = s.data.children.get(parentId);
  const loaded = page?.ids.length ?? 0;
  const failed = s.failures.get(expandNeedKey(s.generation, parentId, loaded));
  if (failed !== undefined) return { kind: 'failed', message: failed };
  if (page === undefined) return { kind: 'loading' };
  return { kind: 'more', left: page.total - loaded };
}
