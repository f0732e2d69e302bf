/**
 * The interactive tree's data from memtreed: `tree/root`, `tree/expand` and `node/detail` over
 * the client's connection. An aborted signal cancels the request ($/cancelRequest); the
 * controller drops any late answer anyway.
 */
import { CancellationTokenSource, type MessageConnection } from 'vscode-jsonrpc/node';
import { NodeDetailRequest, type NodeDetailResult } from '../../../protocol/src/node.js';
import { TreeExpandRequest, TreeRootRequest, type TreeExpandResult, type TreeRootResult, type ViewOptions } from '../../../protocol/src/tree.js';
import type { TreeSource } from './tree-source.js';

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
  /** Answers fetched ahead of the view's own requests, used once each. */
  private readonly ahead = new Map<string, Promise<unknown>>();

  constructor(
    private readonly conn: MessageConnection,
    private readonly captureId: string,
    readonly searchPath: readonly string[],
    /** The client's working directory, for relative source paths. */
    private readonly cwd: string = process.cwd(),
  ) {}

  /**
   * Starts fetching what the first screen shows: the root and the first-child chain (memray
   * opens it at start), while the view's code is still loading. The view's own identical
   * requests then find the answers waiting.
   */
  prefetch(view: ViewOptions, pageSize: number): void {
    const v = JSON.stringify(view);
    this.fetchAhead(`root|${v}`, () => this.conn.sendRequest(TreeRootRequest.type, { captureId: this.captureId, view }));
    // One round trip for the whole chain; each page then answers the view's own request.
    const chain = this.conn.sendRequest(TreeExpandRequest.type, {
      captureId: this.captureId,
      view,
      nodeId: 0,
      offset: 0,
      limit: pageSize,
      firstChildChain: true,
    });
    this.fetchAhead(`expand|${v}|0|0|${pageSize}`, () => chain.then(({ chain: _, ...page }) => page));
    chain.then(
      (r) => {
        for (const { nodeId, ...page } of r.chain ?? []) this.ahead.set(`expand|${v}|${nodeId}|0|${pageSize}`, Promise.resolve(page));
      },
      () => {
        // A failed prefetch only means the view asks again itself.
      },
    );
  }

  private fetchAhead(key: string, request: () => Promise<unknown>): Promise<unknown> {
    const p = request();
    p.catch(() => {}); // consumed (or dropped) later; never an unhandled rejection
    this.ahead.set(key, p);
    return p;
  }

  private takeAhead<T>(key: string): Promise<T> | undefined {
    const p = this.ahead.get(key);
    if (p !== undefined) this.ahead.delete(key);
    return p as Promise<T> | undefined;
  }

  root(view: ViewOptions, signal?: AbortSignal): Promise<TreeRootResult> {
    return (
      this.takeAhead<TreeRootResult>(`root|${JSON.stringify(view)}`) ??
      send(signal, (t) => this.conn.sendRequest(TreeRootRequest.type, { captureId: this.captureId, view }, t))
    );
  }

  expand(view: ViewOptions, nodeId: number, offset: number, limit: number, signal: AbortSignal): Promise<TreeExpandResult> {
    return (
      this.takeAhead<TreeExpandResult>(`expand|${JSON.stringify(view)}|${nodeId}|${offset}|${limit}`) ??
      send(signal, (t) => this.conn.sendRequest(TreeExpandRequest.type, { captureId: this.captureId, view, nodeId, offset, limit }, t))
    );
  }

  detail(view: ViewOptions, nodeId: number, signal: AbortSignal, context?: number): Promise<NodeDetailResult> {
    return send(signal, (t) =>
      this.conn.sendRequest(NodeDetailRequest.type, { captureId: this.captureId, view, nodeId, context, cwd: this.cwd }, t),
    );
  }
}
