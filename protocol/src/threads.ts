/**
 * The threads of a capture's snapshot, for choosing a view's `threads` filter. @since 1.2
 */
import { RequestType } from 'vscode-jsonrpc';
import type { SnapshotMode } from './tree-document.js';

export interface CaptureThreadsParams {
  /** Capture id from capture/open. */
  readonly captureId: string;
  /** Which snapshot the totals count (default peak). */
  readonly mode?: SnapshotMode;
}

/** One thread's share of a snapshot. */
export interface ThreadTotals {
  /** The label nodes show and the `threads` filter takes: "0x<tid>" plus " (<name>)". */
  readonly label: string;
  /** Bytes of the snapshot's records of this thread (before any filter or -b cut). */
  readonly bytes: number;
  /** Their allocations. */
  readonly allocations: number;
  /** Their number of snapshot records (allocation locations). */
  readonly records: number;
}

export interface CaptureThreadsResult {
  /** The snapshot's threads, most bytes first (ties by label). */
  readonly threads: readonly ThreadTotals[];
}

/** The thread labels of a snapshot, with the bytes and allocations of each. @since 1.2 */
export namespace CaptureThreadsRequest {
  export const method = 'capture/threads' as const;
  export const type = new RequestType<CaptureThreadsParams, CaptureThreadsResult, void>(method);
}
