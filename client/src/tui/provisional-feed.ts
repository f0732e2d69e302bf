/**
 * Provisional trees in the interactive view (issue 13 item 3): while memtreed indexes the
 * capture, the feed asks it about once a second for its newest provisional tree (`tree/root`
 * with the capture id of the progress notifications; the answer's `provisional` field names
 * the tree) and offers it to the view, which shows a tree it does not show yet through a
 * controller pinned to that tree (`provisionalTree`) until the final tree replaces it. The feed stops at the first
 * answer without `provisional` (the index is complete), on an error, or when told to.
 */
import { CancellationTokenSource, type MessageConnection } from 'vscode-jsonrpc/node';
import type { CaptureProgressParams } from '../../../protocol/src/capture.js';
import {
  TreeExpandRequest,
  TreeRootRequest,
  type ProvisionalCaptureFacts,
  type ProvisionalInfo,
  type TreeExpandResult,
  type TreeRootResult,
  type ViewOptions,
} from '../../../protocol/src/tree.js';
import type { TreeController } from './tree-controller.js';

/** A provisional tree the view may show. */
export interface ProvisionalOffer {
  readonly info: ProvisionalInfo;
  /** A controller on this tree, its first requests sent (tree-controller.ts startTree). */
  start(): TreeController;
}

/** A provisional tree's first answers, fetched by the feed: the view starts from them instead of asking again. */
export interface ProvisionalSeed {
  readonly root: TreeRootResult;
  readonly children: TreeExpandResult;
}

/** Whether a view has provisional trees: peak and leaks, without a range of snapshots. */
export function hasProvisionalTrees(view: ViewOptions): boolean {
  return view.mode.kind !== 'temporary' && view.range === undefined;
}

export class ProvisionalFeed {
  private readonly listeners = new Set<(offer: ProvisionalOffer) => void>();
  private captureId: string | undefined;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly cancel = new CancellationTokenSource();

  constructor(
    private readonly conn: MessageConnection,
    private readonly view: ViewOptions,
    /**
     * A controller on provisional tree `tree` of the capture, labelled with `capture`'s facts
     * (absent from daemons before protocol 1.5), starting from `seed` when given (what the feed
     * has of that tree already: its root and the root's first page with the first-child chain).
     */
    private readonly make: (captureId: string, tree: number, capture: ProvisionalCaptureFacts | undefined, seed?: ProvisionalSeed) => TreeController,
    private readonly everyMs = 1000,
    /** Children per page, as the view asks for them (TreeConfig.pageSize). */
    private readonly pageSize = 200,
  ) {}

  private asked = 0;

  /** A progress notification of the open: the first one names the capture and starts the feed. */
  progress(p: CaptureProgressParams): void {
    if (this.captureId !== undefined || this.stopped || p.phase !== 'reading') return;
    this.captureId = p.captureId;
    void this.ask(p.captureId);
  }

  /** Calls `listener` with every new provisional tree; returns the unsubscribe function. */
  subscribe(listener: (offer: ProvisionalOffer) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** No more requests or offers (the capture is open, or the view ended). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.cancel.cancel();
    this.listeners.clear();
  }

  private async ask(captureId: string): Promise<void> {
    let info: ProvisionalInfo | undefined;
    let capture: ProvisionalCaptureFacts | undefined;
    let seed: ProvisionalSeed | undefined;
    // The first time, the root's first page and first-child chain come with the root (both wait
    // for the first snapshot): the first screen needs no further round trip.
    const first = this.asked++ === 0;
    try {
      const [r, children] = await Promise.all([
        this.conn.sendRequest(TreeRootRequest.type, { captureId, view: this.view }, this.cancel.token),
        first
          ? this.conn
              .sendRequest(TreeExpandRequest.type, { captureId, view: this.view, nodeId: 0, limit: this.pageSize, firstChildChain: true }, this.cancel.token)
              .catch(() => undefined)
          : undefined,
      ]);
      info = r.provisional;
      capture = r.capture;
      // (Both of the same snapshot: a newer one may have come between the two answers.)
      if (children !== undefined && info !== undefined && children.provisional?.tree === info.tree) seed = { root: r, children };
    } catch {
      // The open reports what went wrong (a failed index, a lost daemon); the feed just ends.
      return;
    }
    if (this.stopped || info === undefined) return;
    // Offered at every answer, not only when new: a view that declined it (a key a moment ago)
    // takes it at a later one, however long the next snapshot takes.
    const tree = info.tree;
    const offer: ProvisionalOffer = { info, start: () => this.make(captureId, tree, capture, seed) };
    for (const l of this.listeners) l(offer);
    this.timer = setTimeout(() => void this.ask(captureId), this.everyMs);
  }
}
