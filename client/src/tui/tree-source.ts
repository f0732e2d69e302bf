/**
 * Where the interactive tree gets its data: the daemon over JSON-RPC (`tree/root`,
 * `tree/expand`, `node/detail`) or, for tests and `--no-daemon`, a TreeDocument in memory.
 */
import { displayedChildren, type ViewFilter } from '../../../protocol/src/display.js';
import type { CaptureMemoryResult } from '../../../protocol/src/memory.js';
import type { NodeDetailResult } from '../../../protocol/src/node.js';
import type { TreeDocument, TreeDocumentNode } from '../../../protocol/src/tree-document.js';
import type { TreeElidedResult } from '../../../protocol/src/elided.js';
import type { CaptureThreadsResult } from '../../../protocol/src/threads.js';
import type { ChainPage, ChildrenPage, TreeExpandResult, TreeRootResult, TreeSearchResult, ViewNode, ViewOptions } from '../../../protocol/src/tree.js';
import { sourceWindow, type FileLines, type SourceLookup } from '../../../daemon/src/source/read-source.js';
import { DEFAULT_CONTEXT } from './tree-state.js';

/** The async data the tree model needs; every call carries the full view options. */
export interface TreeSource {
  /** The traced process's sys.path, for module names (as `memtree tree --print`) and source files. */
  readonly searchPath?: readonly string[];
  /** The capture's header version and the memray releases that write it (for the header line). */
  readonly capture?: { readonly formatVersion: number; readonly writtenBy?: string; readonly fileFormat?: 'all_allocations' | 'aggregated' };
  /** The root node (its bytes count only the shown records), what `-b` cut, and the peak. */
  root(view: ViewOptions, signal?: AbortSignal): Promise<TreeRootResult>;
  /**
   * Up to `limit` displayed children of `nodeId` from `offset`, largest first. With
   * `firstChildChain`, also the first page below each first displayed child down to a leaf
   * (tree/expand's `chain`); a source may leave that out: the model then asks level by level.
   */
  expand(view: ViewOptions, nodeId: number, offset: number, limit: number, signal: AbortSignal, firstChildChain?: boolean): Promise<TreeExpandResult>;
  /** A node with the source lines around its frame (`context` lines each side, default 10). */
  detail(view: ViewOptions, nodeId: number, signal: AbortSignal, context?: number): Promise<NodeDetailResult>;
  /** The capture's memory series in at most `points` buckets (capture/memory), for the chart strip; absent: no chart. */
  memory?(points: number, signal: AbortSignal): Promise<CaptureMemoryResult>;
  /** The view's displayed nodes matching `query` (plain text, case-insensitive: tree/search); absent: no search. */
  search?(view: ViewOptions, query: string, offset: number, limit: number, signal: AbortSignal): Promise<TreeSearchResult>;
  /** The threads of the view's mode with their bytes (capture/threads); absent: no thread picker. */
  threads?(view: ViewOptions, signal: AbortSignal): Promise<CaptureThreadsResult>;
  /** A page of the locations -b left out of the view (tree/elided); absent: the ❓ row does not open. */
  elided?(view: ViewOptions, offset: number, limit: number, signal: AbortSignal): Promise<TreeElidedResult>;
  /**
   * Progress of work the source's requests may wait for (memtreed reading the capture again for
   * a temporary mode's first use); returns the unsubscribe function. Absent: nothing to report.
   */
  onWork?(listener: (w: WorkProgress) => void): () => void;
}

/** How far some work a request waits for has come. */
export interface WorkProgress {
  /** 0..100. */
  readonly percent: number;
  /** Estimated milliseconds left, when known. */
  readonly etaMs?: number;
  /** The work has ended. */
  readonly done: boolean;
  /** Reading the capture a second time, for memray 1.19 and older's record order (else its first read). */
  readonly ordering?: boolean;
}

/** A document node with its id: ids number the whole model tree in preorder, 0 = root. */
interface IndexedNode {
  readonly id: number;
  readonly doc: TreeDocumentNode;
  readonly bytes: number;
  readonly interesting: boolean;
  readonly importSystem: boolean;
  readonly children: IndexedNode[];
}

function filterKey(f: ViewFilter): string {
  return `${f.hideImportSystem ? 'i' : '-'}${f.hideUninteresting ? 'u' : '-'}`;
}

/** Where a DocumentTreeSource finds source files (as node/detail's `cwd` and the capture's sys.path). */
export interface DocumentSourceOptions {
  /** Directory relative file names are tried against first (default: process.cwd()). */
  readonly cwd?: string;
  /** The traced process's sys.path: module names, and further directories for relative file names. */
  readonly searchPath?: readonly string[];
  /** Checkouts tried first (--source-root, MEMTREE_SOURCE_ROOTS), as node/detail's sourceRoots. */
  readonly sourceRoots?: readonly string[];
  /** false: read no source file (--no-source). */
  readonly source?: boolean;
  /** Reads a candidate file (default: the daemon's readSourceFile); tests pass their own. */
  readonly read?: (file: string) => FileLines;
}

/** TreeSource over an in-memory TreeDocument: filters, ids, paging and source lines as the daemon does them. */
export class DocumentTreeSource implements TreeSource {
  readonly searchPath: readonly string[];
  readonly capture: TreeDocument['capture'];
  private readonly lookup: SourceLookup;
  private readonly readSources: boolean;
  private readonly byId: IndexedNode[] = [];
  private readonly shown = new Map<string, Map<number, IndexedNode[]>>();

  constructor(
    private readonly doc: TreeDocument,
    opts: DocumentSourceOptions = {},
  ) {
    this.searchPath = opts.searchPath ?? [];
    this.capture = doc.capture;
    this.lookup = { cwd: opts.cwd ?? process.cwd(), searchPath: this.searchPath, roots: opts.sourceRoots, read: opts.read };
    this.readSources = opts.source !== false;
    this.index(doc.root);
  }

  /** Numbers the tree in preorder without recursion (trees can be 400+ levels deep). */
  private index(root: TreeDocumentNode): void {
    const make = (doc: TreeDocumentNode): IndexedNode => {
      const n: IndexedNode = { id: this.byId.length, doc, bytes: doc.bytes, interesting: doc.interesting, importSystem: doc.importSystem, children: [] };
      this.byId.push(n);
      return n;
    };
    const stack: [IndexedNode, number][] = [[make(root), 0]];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const [node, next] = top;
      if (next >= node.doc.children.length) {
        stack.pop();
        continue;
      }
      top[1] = next + 1;
      const child = make(node.doc.children[next]!);
      node.children.push(child);
      stack.push([child, 0]);
    }
  }

  private displayed(node: IndexedNode, filter: ViewFilter): IndexedNode[] {
    const key = filterKey(filter);
    let cache = this.shown.get(key);
    if (cache === undefined) this.shown.set(key, (cache = new Map()));
    let kids = cache.get(node.id);
    if (kids === undefined) {
      kids = displayedChildren(node.children, (c) => c.children, filter);
      cache.set(node.id, kids);
    }
    return kids;
  }

  private viewNode(n: IndexedNode, filter: ViewFilter): ViewNode {
    const d = n.doc;
    return {
      id: n.id,
      function: d.function,
      file: d.file,
      line: d.line,
      bytes: d.bytes,
      allocations: d.allocations,
      thread: d.thread,
      interesting: d.interesting,
      importSystem: d.importSystem,
      childCount: this.displayed(n, filter).length,
    };
  }

  private node(nodeId: number): IndexedNode {
    const n = this.byId[nodeId];
    if (n === undefined) throw new Error(`no node ${nodeId} in this tree`);
    return n;
  }

  async root(view: ViewOptions, signal?: AbortSignal): Promise<TreeRootResult> {
    signal?.throwIfAborted();
    const range = this.doc.range === undefined ? {} : { range: this.doc.range };
    return { root: this.viewNode(this.byId[0]!, view), elided: { ...this.doc.elided }, peakMemory: this.doc.capture.peakMemory, ...range };
  }

  private page(view: ViewOptions, nodeId: number, offset: number, limit: number): ChildrenPage {
    const kids = this.displayed(this.node(nodeId), view);
    const start = Math.max(0, Math.min(offset, kids.length));
    return { nodes: kids.slice(start, start + Math.max(0, limit)).map((k) => this.viewNode(k, view)), total: kids.length, offset: start };
  }

  async expand(view: ViewOptions, nodeId: number, offset: number, limit: number, signal: AbortSignal, firstChildChain = false): Promise<TreeExpandResult> {
    signal.throwIfAborted();
    const first = this.page(view, nodeId, offset, limit);
    if (!firstChildChain) return first;
    // As the daemon: down the first displayed children to a leaf.
    const chain: ChainPage[] = [];
    for (let next = first.nodes[0]; next !== undefined && next.childCount > 0; ) {
      const page = this.page(view, next.id, 0, limit);
      chain.push({ ...page, nodeId: next.id });
      next = page.nodes[0];
    }
    return { ...first, chain };
  }

  async detail(view: ViewOptions, nodeId: number, signal: AbortSignal, context = DEFAULT_CONTEXT): Promise<NodeDetailResult> {
    signal.throwIfAborted();
    const n = this.node(nodeId);
    // The daemon's reader: the same lookup (path, cwd, absolute sys.path entries) and checks.
    if (nodeId === 0 || !this.readSources) return { node: this.viewNode(n, view), source: null };
    const { window, tried } = sourceWindow(n.doc.file, n.doc.line, context, this.lookup);
    return { node: this.viewNode(n, view), source: window, ...(tried.length > 0 ? { sourceTried: tried } : {}) };
  }
}
