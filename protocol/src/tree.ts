/**
 * Tree queries. Nodes are fetched lazily: `tree/root` then `tree/expand` per opened node.
 * Every request carries the full view options, so the daemon holds no per-client view state.
 */
import { RequestType } from 'vscode-jsonrpc';
import type { ElidedInfo, NodeFacts, SnapshotMode, TreeDocument } from './tree-document.js';

/** The two display filters of memray's tree view (display.ts applies them). */
export interface ViewFilter {
  /** Remove import-system frames with their subtrees (memray's `i`; false at start). */
  readonly hideImportSystem: boolean;
  /** Splice uninteresting frames (runpy, import system) out, keeping their children (memray's `u`; true at start). */
  readonly hideUninteresting: boolean;
}

/** What the tree shows and how. */
export interface ViewOptions extends ViewFilter {
  /** Which snapshot. */
  readonly mode: SnapshotMode;
  /** How many of the biggest snapshot records (allocation locations) the tree uses (memray's -b). */
  readonly biggestAllocs: number;
}

/** A node as a view shows it. */
export interface ViewNode extends NodeFacts {
  /** Id within this (capture, mode, biggestAllocs) tree; stable across filters. 0 is the root. */
  readonly id: number;
  /** Number of displayed children under the request's filters (0: a leaf, shown 📄). */
  readonly childCount: number;
}

export interface TreeRootParams {
  /** Capture id from capture/open. */
  readonly captureId: string;
  /** What the tree shows. */
  readonly view: ViewOptions;
}

export interface TreeRootResult {
  /** The root (<ROOT>): its bytes count only the records shown. */
  readonly root: ViewNode;
  /** What `biggestAllocs` cut (not in the root). */
  readonly elided: ElidedInfo;
  /** The capture's high-water mark in bytes. */
  readonly peakMemory: number;
}

/** The root of a tree (building and caching the tree on first use). */
export namespace TreeRootRequest {
  export const method = 'tree/root' as const;
  export const type = new RequestType<TreeRootParams, TreeRootResult, void>(method);
}

export interface TreeExpandParams {
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

export interface TreeExpandResult extends ChildrenPage {
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
}

/** The whole tree as the `memtree tree --json` document (docs/json-output.md). */
export namespace TreeExportRequest {
  export const method = 'tree/export' as const;
  export const type = new RequestType<TreeExportParams, TreeDocument, void>(method);
}
