/**
 * The interactive tree's data from memtreed: `tree/root`, `tree/expand`, `node/detail`,
 * `tree/search`, `capture/threads` and `tree/elided` over
 * the client's connection. An aborted signal cancels the request ($/cancelRequest); the
 * controller drops any late answer anyway.
 */
import { CancellationTokenSource, type MessageConnection } from 'vscode-jsonrpc/node';
import { CaptureMemoryRequest, type CaptureMemoryResult } from '../../../protocol/src/memory.js';
import { NodeDetailRequest, type NodeDetailResult } from '../../../protocol/src/node.js';
import { TreeElidedRequest, type TreeElidedResult } from '../../../protocol/src/elided.js';
import { CaptureThreadsRequest, type CaptureThreadsResult } from '../../../protocol/src/threads.js';
import {
  TreeExpandRequest,
  TreeRootRequest,
  TreeSearchRequest,
  type TreeExpandResult,
  type TreeRootResult,
  type TreeSearchResult,
  type ViewOptions,
} from '../../../protocol/src/tree.js';
import type { TreeSource, WorkProgress } from './tree-source.js';
import { onCaptureProgress } from '../daemon/progress-hub.js';

function token(signal: AbortSignal | undefined): { token: CancellationTokenSource['token']; done(): void } | undefined {
  if (signal === undefined) return undefined;
  const cts = new CancellationTokenSource();
  const cancel = (): void => cts.cancel();
  if (signal.aborted) cts.cancel();
  else signal.addEventListener('abort', cancel, { once: true });
  return { token: cts.token, done: () => (signal.removeEventListener('abort', cancel), cts.dispose()) };
}

async function send<R>(signal: AbortSignal | undefined, call: (t: CancellationTokenSource['token'] | undefined) => Promise<R>): Promise<R> {
  const t = token(signal);
  try {
    return await call(t?.token);
  } finally {
    t?.done();
  }
}

export class DaemonTreeSource implements TreeSource {
  constructor(
    private readonly conn: MessageConnection,
    private readonly captureId: string,
    readonly searchPath: readonly string[],
    /** node/detail's sourceRoots and source (--source-root, --no-source). */
    private readonly sources: { readonly sourceRoots?: readonly string[]; readonly source?: boolean } = {},
    /** capture/open's info: the header version and who writes it. */
    readonly capture?: { readonly formatVersion: number; readonly writtenBy?: string; readonly fileFormat?: 'all_allocations' | 'aggregated' },
    /** A provisional tree of a capture still being indexed (provisional-feed.ts): every request names it. */
    private readonly provisionalTree?: number,
  ) {}

  /**
   * memtreed's capture/progress for this capture: a request for a mode the index does not hold
   * yet (a temporary threshold) waits while the daemon reads the capture again. A provisional
   * tree's source reports none (its capture's progress is the indexing the header shows).
   */
  onWork(listener: (w: WorkProgress) => void): () => void {
    if (this.provisionalTree !== undefined) return () => {};
    return onCaptureProgress(this.conn, (p) => {
      if (p.captureId === this.captureId) listener({ percent: p.percent, ...(p.etaMs === undefined ? {} : { etaMs: p.etaMs }), done: p.phase === 'done', ...(p.phase === 'ordering' ? { ordering: true } : {}) });
    });
  }

  /** The request fields naming the provisional tree, if any. */
  private get pin(): { provisionalTree?: number } {
    return this.provisionalTree === undefined ? {} : { provisionalTree: this.provisionalTree };
  }

  root(view: ViewOptions, signal?: AbortSignal): Promise<TreeRootResult> {
    return send(signal, (t) => this.conn.sendRequest(TreeRootRequest.type, { captureId: this.captureId, view, ...this.pin }, t));
  }

  expand(view: ViewOptions, nodeId: number, offset: number, limit: number, signal: AbortSignal, firstChildChain?: boolean): Promise<TreeExpandResult> {
    const params = { captureId: this.captureId, view, nodeId, offset, limit, ...(firstChildChain === true ? { firstChildChain } : {}), ...this.pin };
    return send(signal, (t) => this.conn.sendRequest(TreeExpandRequest.type, params, t));
  }

  detail(view: ViewOptions, nodeId: number, signal: AbortSignal, context?: number): Promise<NodeDetailResult> {
    // The daemon reads relative source paths against the client's working directory.
    return send(signal, (t) => this.conn.sendRequest(NodeDetailRequest.type, { captureId: this.captureId, view, nodeId, context, cwd: process.cwd(), ...this.sources, ...this.pin }, t));
  }

  memory(points: number, signal: AbortSignal): Promise<CaptureMemoryResult> {
    return send(signal, (t) => this.conn.sendRequest(CaptureMemoryRequest.type, { captureId: this.captureId, points }, t));
  }

  search(view: ViewOptions, query: string, offset: number, limit: number, signal: AbortSignal): Promise<TreeSearchResult> {
    return send(signal, (t) => this.conn.sendRequest(TreeSearchRequest.type, { captureId: this.captureId, view, query, offset, limit, ...this.pin }, t));
  }

  threads(view: ViewOptions, signal: AbortSignal): Promise<CaptureThreadsResult> {
    return send(signal, (t) => this.conn.sendRequest(CaptureThreadsRequest.type, { captureId: this.captureId, mode: view.mode }, t));
  }

  elided(view: ViewOptions, offset: number, limit: number, signal: AbortSignal): Promise<TreeElidedResult> {
    return send(signal, (t) => this.conn.sendRequest(TreeElidedRequest.type, { captureId: this.captureId, view, offset, limit }, t));
  }
}
