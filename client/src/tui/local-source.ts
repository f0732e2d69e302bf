/**
 * The interactive tree's data in this process (`memtree tree --no-daemon`): every view, search,
 * thread list, left-out location and the memory series, computed by the view engine over the
 * capture read once (daemon/src/local.ts), answering as memtreed's handlers do.
 */
import type { TreeElidedResult } from '../../../protocol/src/elided.js';
import type { CaptureMemoryResult } from '../../../protocol/src/memory.js';
import type { NodeDetailResult } from '../../../protocol/src/node.js';
import type { CaptureThreadsResult } from '../../../protocol/src/threads.js';
import type { TreeExpandResult, TreeRootResult, TreeSearchResult, ViewOptions } from '../../../protocol/src/tree.js';
import type { LocalViews } from '../../../daemon/src/local.js';
import type { DocumentSourceOptions, TreeSource } from './tree-source.js';
import { DEFAULT_CONTEXT } from './tree-state.js';

type Local = typeof import('../../../daemon/src/local.js');

export class LocalTreeSource implements TreeSource {
  readonly searchPath: readonly string[];
  readonly capture: LocalViews['info'];

  constructor(
    private readonly local: Local,
    private readonly views: LocalViews,
    private readonly opts: DocumentSourceOptions = {},
  ) {
    this.searchPath = views.searchPath;
    this.capture = views.info;
  }

  private view(v: ViewOptions, signal?: AbortSignal, extent?: 'tree' | 'all') {
    signal?.throwIfAborted();
    return this.views.view(v, extent);
  }

  async root(v: ViewOptions, signal?: AbortSignal): Promise<TreeRootResult> {
    const { display, elided, range } = this.view(v, signal);
    return { root: display.node(0), elided: { ...elided }, peakMemory: this.views.info.peakMemory, ...(range === undefined ? {} : { range }) };
  }

  async expand(v: ViewOptions, nodeId: number, offset: number, limit: number, signal: AbortSignal, firstChildChain = false): Promise<TreeExpandResult> {
    const { display } = this.view(v, signal);
    if (!display.displayed(nodeId)) throw new Error(`no node ${nodeId} in this tree`);
    return this.local.expandPage(display, nodeId, offset, limit, firstChildChain);
  }

  async detail(v: ViewOptions, nodeId: number, signal: AbortSignal, context = DEFAULT_CONTEXT): Promise<NodeDetailResult> {
    const { display } = this.view(v, signal);
    if (!display.displayed(nodeId)) throw new Error(`no node ${nodeId} in this tree`);
    const node = display.node(nodeId);
    if (nodeId === 0 || this.opts.source === false) return { node, source: null };
    const lookup = { cwd: this.opts.cwd ?? process.cwd(), searchPath: this.searchPath, roots: this.opts.sourceRoots, read: this.opts.read };
    const { window, tried } = this.local.sourceWindow(node.file, node.line, context, lookup);
    return { node, source: window, ...(tried.length > 0 ? { sourceTried: tried } : {}) };
  }

  async search(v: ViewOptions, query: string, offset: number, limit: number, signal: AbortSignal): Promise<TreeSearchResult> {
    const { tree, display } = this.view(v, signal);
    return this.local.searchView(tree, display, query, false, offset, limit);
  }

  async threads(v: ViewOptions, signal: AbortSignal): Promise<CaptureThreadsResult> {
    signal.throwIfAborted();
    return { threads: this.views.threads(v) };
  }

  async memory(points: number, signal: AbortSignal): Promise<CaptureMemoryResult> {
    signal.throwIfAborted();
    return this.views.memory(points);
  }

  async elided(v: ViewOptions, offset: number, limit: number, signal: AbortSignal): Promise<TreeElidedResult> {
    // The left-out records' list: their order counts too (memray 1.19 and older's ties).
    const { data, spec } = this.view(v, signal, 'all');
    return this.local.elidedPage(data, spec, offset, limit);
  }
}
