/**
 * Error codes of memtree's JSON-RPC methods, in our own range -31099 … -31000 (outside the
 * ranges JSON-RPC and LSP reserve), plus LSP's RequestCancelled, which means the same here.
 * Standard JSON-RPC codes (-32700 parse error, -32600 invalid request, -32601 method not
 * found, -32602 invalid params, -32603 internal error) keep their usual meaning.
 */
export namespace MemtreeErrorCodes {
  /** The capture path does not exist, is a directory, is not a regular file or is not readable; the message is `No such file: X`, `Is a directory: X`, `Not a regular file: X` or `Permission denied: X` and `data.reason` its first words. */
  export const CaptureNotFound = -31001 as const;
  /** The file is not a readable memray capture; `data` is a CaptureErrorData. */
  export const CaptureInvalid = -31002 as const;
  /** The capture is still being indexed; retry after the progress notifications end. */
  export const CaptureIndexing = -31003 as const;
  /** No open capture has this id (never opened, or forgotten). */
  export const UnknownCapture = -31004 as const;
  /** No node has this id in the requested tree. */
  export const UnknownNode = -31005 as const;
  /** The capture cannot give this snapshot (temporary allocations of an aggregated capture: `X is an aggregated capture (memray run --aggregate): it has no temporary allocations`). */
  export const ModeUnavailable = -31006 as const;
  /** The index was found damaged and has been discarded; open the capture again (a changed capture file is CaptureChanged). */
  export const IndexStale = -31007 as const;
  /** `daemon/initialize` was not the first request, or its protocol major differs. */
  export const ProtocolMismatch = -31008 as const;
  /** The daemon is shutting down. */
  export const ShuttingDown = -31009 as const;
  /** A regular expression of a view or search does not compile; `data` is a PatternErrorData. @since 1.2 */
  export const InvalidPattern = -31020 as const;
  /**
   * The capture file changed (replaced or rewritten) since this capture id was opened, or while
   * the daemon read it (@since 1.2): the answer would mix two files, so there is none and nothing was stored.
   * Open the path again (`capture/open`) for the new file's id; memtree does so by itself.
   * `data` is a CaptureErrorData.
   */
  export const CaptureChanged = -31010 as const;
  /** The provisional tree a request named (`provisionalTree`) is no longer kept: a newer one or the final index replaced it; ask tree/root again. @since 1.4 */
  export const ProvisionalGone = -31011 as const;
  /** The index could not be written (no space left, read-only file system); `data` is a CaptureErrorData. @since 1.2 */
  export const IndexUnwritable = -31030 as const;
  /** The request was cancelled by the client (LSP's code). */
  export const RequestCancelled = -32800 as const;
}

export type MemtreeErrorCode = (typeof MemtreeErrorCodes)[keyof typeof MemtreeErrorCodes];

/** `data` of CaptureInvalid / CaptureNotFound errors. */
export interface CaptureErrorData {
  /** The capture path as given. */
  readonly path: string;
  /** What is wrong with it, without the path. */
  readonly reason: string;
  /** Byte offset of the problem, when known. */
  readonly offset?: number;
}

/** `data` of InvalidPattern errors. @since 1.2 */
export interface PatternErrorData {
  /** Which parameter held the expression ("focus", "ignore", "showFrom", "hide", "query"). */
  readonly field: string;
  /** The expression as given. */
  readonly pattern: string;
  /** 0-based index of the character where it goes wrong (the pattern's length: it ends too early). */
  readonly position: number;
  /** What is wrong, without the position. */
  readonly reason: string;
}
