/**
 * Tree queries. Nodes are fetched lazily: `tree/root` then `tree/expand` per opened node.
 * Every request carries the full view options, so the daemon holds no per-client view state.
 */
import { RequestType } from 'vscode-jsonrpc';
import type { ElidedInfo, NodeFacts, RangeInfo, SnapshotMode, TreeDocument } from './tree-document.js';

/** The two display filters of memray's tree view (display.ts applies them). */
export interface ViewFilter {
  /** Remove import-system frames with their subtrees (memray's `i`; false at start). */
  readonly hideImportSystem: boolean;
  /** Splice uninteresting frames (runpy, import system) out, keeping their children (memray's `u`; true at start). */
  readonly hideUninteresting: boolean;
}

/**
 * Filters on the snapshot's records (docs/views.md), applied before the tree is built, always
 * in this order whatever the order they were given in: threads, focus, ignore, showFrom, hide.
 * A frame matches an expression when it is found (a search) in its function or file name.
 * Expressions are JavaScript regular expressions without flags; Python's `(?P<name>...)` and
 * `(?P=name)` are accepted too (docs/views.md, "Regular expressions"). A bad one is an
 * InvalidPattern error naming the position. @since 1.2
 */
export interface RecordFilters {
  /** Keep only records of these thread labels, as nodes show them ("0x2 (worker-alpha)", "0x1"); absent or empty: every thread. */
  readonly threads?: readonly string[];
  /** Keep only records with at least one matching frame (pprof's -focus). */
  readonly focus?: string;
  /** Drop records with any matching frame (pprof's -ignore). */
  readonly ignore?: string;
  /** Drop the frames outer to each record's outermost matching frame; drop records without one (pprof's -show_from). */
  readonly showFrom?: string;
  /** Remove matching frames from every stack; the records stay under their other frames (pprof's -hide). */
  readonly hide?: string;
  /** The callers view: the root's children are the allocating frames, a node's children its callers. */
  readonly inverted?: boolean;
}

/** Memory snapshots start..end (memray's indices, inclusive; 0 <= start <= end <= capture/memory's count). @since 1.2 */
export interface SnapshotRange {
  /** First memory snapshot of the range. */
  readonly start: number;
  /** Last memory snapshot of the range. */
  readonly end: number;
}

/** What the tree shows and how. */
export interface ViewOptions extends ViewFilter, RecordFilters {
  /** Peak and leaks modes: the tree of this range of memory snapshots (peak: the range's highest high-water mark; leaks: allocated in the range, not freed by its end; docs/views.md). @since 1.2 */
  readonly range?: SnapshotRange;
  /** Which snapshot. */
  readonly mode: SnapshotMode;
  /** How many of the biggest snapshot records (allocation locations) the tree uses (memray's -b: any integer; negative keeps all but the last |N|), after the record filters. */
  readonly biggestAllocs: number;
}

/** A node as a view shows it. */
export interface ViewNode extends NodeFacts {
  /** Id within the tree of this view's (mode, biggestAllocs, record filters); stable across the two display toggles. 0 is the root. */
  readonly id: number;
  /** Number of displayed children under the request's filters (0: a leaf, shown 📄). */
  readonly childCount: number;
}

/**
 * A tree of a capture still being indexed: the peak (or leaks) snapshot of the records read so
 * far (the highest peak seen so far), replaced about every second while reading goes on; the
 * answers after indexing ends have no `provisional` field. Only peak and leaks views without a
 * `range` are provisional; other requests on a capture still indexing wait for its index. @since 1.4
 */
export interface ProvisionalInfo {
  /** Number of this provisional tree: pass it back as `provisionalTree` so node ids refer to the same tree. */
  readonly tree: number;
  /** Percentage of the capture file read when the snapshot was taken (0..100). */
  readonly percent: number;
  /** Allocation records read when the snapshot was taken. */
  readonly records: number;
  /** The highest heap seen so far in bytes (the final peak is at least this). */
  readonly peakBytes: number;
}

/**
 * What a view needs of the capture to label a provisional tree as the final one is labelled,
 * before capture/open has answered (there its `info` and `searchPath` say the same). @since 1.5
 */
export interface ProvisionalCaptureFacts {
  /** The traced process's sys.path, from the capture header: module names of file paths (as capture/open's `searchPath`). */
  readonly searchPath: readonly string[];
  /** Header version of the capture format (as CaptureInfo.formatVersion). */
  readonly formatVersion: number;
  /** The memray releases that write that header version (as CaptureInfo.writtenBy). */
  readonly writtenBy: string;
}

/** What selects a provisional tree in a request (tree/root, tree/expand, tree/search, node/detail). @since 1.4 */
export interface ProvisionalParams {
  /**
   * A provisional tree's `tree` number from an earlier answer: answer from that same tree while
   * the daemon keeps it (the last few), else ProvisionalGone. Absent: the newest provisional
   * tree while the capture is indexed, its final tree afterwards.
   */
  readonly provisionalTree?: number;
}

/** What marks an answer from a provisional tree. @since 1.4 */
export interface ProvisionalResult {
  /** Present when the answer comes from a provisional tree (the capture is still being indexed). */
  readonly provisional?: ProvisionalInfo;
}

export interface TreeRootParams extends ProvisionalParams {
  /** Capture id from capture/open, or from `capture/progress` while the capture is indexed (the answer is then provisional). */
  readonly captureId: string;
  /** What the tree shows. */
  readonly view: ViewOptions;
}

export interface TreeRootResult extends ProvisionalResult {
  /** The root (<ROOT>): its bytes count only the records shown. */
  readonly root: ViewNode;
  /** What `biggestAllocs` cut (not in the root). */
  readonly elided: ElidedInfo;
  /** The capture's high-water mark in bytes. */
  readonly peakMemory: number;
  /** With `view.range`: the range and, for the peak mode, the moment it chose. @since 1.2 */
  readonly range?: RangeInfo;
  /** With `provisional`: the capture's facts a view labels the tree with (module names, the format note). @since 1.5 */
  readonly capture?: ProvisionalCaptureFacts;
}

/** The root of a tree (building and caching the tree on first use). */
export namespace TreeRootRequest {
  export const method = 'tree/root' as const;
  export const type = new RequestType<TreeRootParams, TreeRootResult, void>(method);
}

export interface TreeExpandParams extends ProvisionalParams {
  /** Capture id from capture/open. */
  readonly captureId: string;
  /** What the tree shows (the filters decide which children are displayed). */
  readonly view: ViewOptions;
  /** Node whose displayed children are wanted. */
  readonly nodeId: number;
  /** Index of the first child to return (default 0). */
  readonly offset?: number;
  /** Maximum children to return (default 200, at most 10000). */
  readonly limit?: number;
  /**
   * Also return the first page of the first displayed child, of its first displayed child and
   * so on down to a leaf: the chain memray opens at start, in one round trip. @since 1.1
   */
  readonly firstChildChain?: boolean;
}

/** A page of one node's displayed children. */
export interface ChildrenPage {
  /** Displayed children, largest first, from `offset`. */
  readonly nodes: readonly ViewNode[];
  /** Total displayed children of the node. */
  readonly total: number;
  /** The offset the nodes start at. */
  readonly offset: number;
}

/** The first page of children of one node of a first-child chain. */
export interface ChainPage extends ChildrenPage {
  /** The node whose children these are. */
  readonly nodeId: number;
}

export interface TreeExpandResult extends ChildrenPage, ProvisionalResult {
  /** With `firstChildChain`: the chain's pages, outermost first. @since 1.1 */
  readonly chain?: readonly ChainPage[];
}

/** A page of a node's displayed children. */
export namespace TreeExpandRequest {
  export const method = 'tree/expand' as const;
  export const type = new RequestType<TreeExpandParams, TreeExpandResult, void>(method);
}

export interface TreeExportParams {
  /** Capture id from capture/open. */
  readonly captureId: string;
  /** Which snapshot. */
  readonly mode: SnapshotMode;
  /** How many of the biggest snapshot records the tree uses (memray's -b). */
  readonly biggestAllocs: number;
  /**
   * The view to export: its record filters and display toggles apply, and it wins over `mode`
   * and `biggestAllocs`. Without it, the whole tree of (mode, biggestAllocs), nothing hidden. @since 1.2
   */
  readonly view?: ViewOptions;
}

/** The whole tree as the `memtree tree --json` document (docs/json-output.md). */
export namespace TreeExportRequest {
  export const method = 'tree/export' as const;
  export const type = new RequestType<TreeExportParams, TreeDocument, void>(method);
}

export interface TreeSearchParams extends ProvisionalParams {
  /** Capture id from capture/open. */
  readonly captureId: string;
  /** The view searched: only its displayed nodes can match. */
  readonly view: ViewOptions;
  /** What to look for in function and file names. */
  readonly query: string;
  /** Whether `query` is a regular expression (as in RecordFilters, case-sensitive); else plain text, case-insensitive. */
  readonly regex?: boolean;
  /** Index of the first match to return (default 0). */
  readonly offset?: number;
  /** Maximum matches to return (default 100, at most 10000). */
  readonly limit?: number;
}

/** One displayed node whose function or file name matches. */
export interface SearchMatch {
  /** The node as the view shows it. */
  readonly node: ViewNode;
  /** Ids of the displayed nodes from the root (0) down to the node itself: expand each to reveal it. */
  readonly path: readonly number[];
}

/** A page of the matches, in display order (preorder, largest child first). */
export interface TreeSearchResult extends ProvisionalResult {
  /** The matches from `offset`. */
  readonly matches: readonly SearchMatch[];
  /** Total matches in the view. */
  readonly total: number;
  /** The offset the matches start at. */
  readonly offset: number;
}

/** Finds the displayed nodes of a view whose function or file name matches. @since 1.2 */
export namespace TreeSearchRequest {
  export const method = 'tree/search' as const;
  export const type = new RequestType<TreeSearchParams, TreeSearchResult, void>(method);
}
