/**
 * Where the interactive tree gets its data: the daemon over JSON-RPC (`tree/root`,
 * `tree/expand`, `node/detail`) or, for tests and `--no-daemon`, a TreeDocument in memory.
 */
import { displayedChildren, type ViewFilter } from '../../../protocol/src/display.js';
import type { NodeDetailResult } from '../../../protocol/src/node.js';
import type { TreeDocument, TreeDocumentNode } from '../../../protocol/src/tree-document.js';
import type { TreeExpandResult, TreeRootResult, ViewNode, ViewOptions } from '../../../protocol/src/tree.js';
import { SourceFiles, type SourceLookup } from './source-file.js';
import { DEFAULT_CONTEXT } from './tree-state.js';


/** The async data the tree model needs; every call carries the full view options. */
export interface TreeSource {
  /** The traced process's sys.path for module names, when the source knows it (the daemon's capture/open). */
  readonly searchPath?: readonly string[];
  /** The root node (its bytes count only the shown records), what `-b` cut, and the peak. */
  root(view: ViewOptions, signal?: AbortSignal): Promise<TreeRootResult>;
  /** Up to `limit` displayed children of `nodeId` from `offset`, largest first. */
  expand(view: ViewOptions, nodeId: number, offset: number, limit: number, signal: AbortSignal): Promise<TreeExpandResult>;
  /** A node with the source lines around its frame (`context` lines each side, default 10). */
  detail(view: ViewOptions, nodeId: number, signal: AbortSignal, context?: number): Promise<NodeDetailResult>;
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

/** TreeSource over an in-memory TreeDocument: filters, ids, paging and source lines as the daemon does them. */
export class DocumentTreeSource implements TreeSource {
  private readonly byId: IndexedNode[] = [];
  private readonly shown = new Map<string, Map<number, IndexedNode[]>>();
  private readonly files: SourceFiles;

  constructor(
    private readonly doc: TreeDocument,
    lookup: SourceLookup = {},
  ) {
    this.files = new SourceFiles(lookup);
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
    return { root: this.viewNode(this.byId[0]!, view), elided: { ...this.doc.elided }, peakMemory: this.doc.capture.peakMemory };
  }

  async expand(view: ViewOptions, nodeId: number, offset: number, limit: number, signal: AbortSignal): Promise<TreeExpandResult> {
    signal.throwIfAborted();
    const kids = this.displayed(this.node(nodeId), view);
    const start = Math.max(0, Math.min(offset, kids.length));
    return { nodes: kids.slice(start, start + Math.max(0, limit)).map((k) => this.viewNode(k, view)), total: kids.length, offset: start };
  }

  async detail(view: ViewOptions, nodeId: number, signal: AbortSignal, context = DEFAULT_CONTEXT): Promise<NodeDetailResult> {
    signal.throwIfAborted();
    const n = this.node(nodeId);
    const source = nodeId === 0 ? null : await this.files.window(n.doc.file, n.doc.line, context, signal);
    signal.throwIfAborted();
    return { node: this.viewNode(n, view), source };
  }
}
