/**
 * Opening captures: indexing, progress, listing and forgetting.
 */
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { CaptureInfo, SnapshotMode } from './tree-document.js';

export interface CaptureOpenParams {
  /** Path of the capture (absolute, or relative to `cwd`). */
  readonly path: string;
  /** The client's working directory, for relative paths. */
  readonly cwd?: string;
  /** Snapshots to have ready when the request returns (default: peak and leaks). */
  readonly modes?: readonly SnapshotMode[];
  /** Re-index even if a complete index exists. */
  readonly force?: boolean;
}

export interface CaptureOpenResult {
  /** Stable id of the capture: a fingerprint of the file (device, inode, size, mtime, content hash). */
  readonly captureId: string;
  /** Facts about the capture (header, counts, peak memory). */
  readonly info: CaptureInfo;
  /** Whether this request had to index (false: an existing index was reused). */
  readonly indexed: boolean;
  /** Milliseconds spent indexing for this request (0 when reused). */
  readonly indexMs: number;
  /** Problems found while reading (the data before a damaged part is used). */
  readonly warnings: readonly string[];
  /** The traced process's sys.path (for module names), from the capture header. */
  readonly searchPath: readonly string[];
}

/** Opens a capture, indexing it first unless a complete index of the file exists (long running: `capture/progress` meanwhile, cancellable, one job per file). */
export namespace CaptureOpenRequest {
  export const method = 'capture/open' as const;
  export const type = new RequestType<CaptureOpenParams, CaptureOpenResult, void>(method);
}

export interface CaptureProgressParams {
  /** Capture being indexed. */
  readonly captureId: string;
  /** Absolute path of the capture. */
  readonly path: string;
  /** "reading" (decoding records), "ordering" (reading them again for memray 1.19 and older's record order: header versions 9-12), "writing" (storing the index) or "done". */
  readonly phase: 'reading' | 'ordering' | 'writing' | 'done';
  /** Bytes of the file read so far. */
  readonly bytes: number;
  /** Size of the file. */
  readonly totalBytes: number;
  /** Allocation records decoded so far. */
  readonly records: number;
  /** 0..100. */
  readonly percent: number;
  /** Estimated milliseconds left, when known. */
  readonly etaMs?: number;
}

/** Indexing progress, sent to every client waiting on that capture. */
export namespace CaptureProgressNotification {
  export const method = 'capture/progress' as const;
  export const type = new NotificationType<CaptureProgressParams>(method);
}

export interface CaptureListEntry {
  /** Capture id. */
  readonly captureId: string;
  /** Absolute path of the capture. */
  readonly path: string;
  /** "ready": index complete; "indexing": a job runs; "failed": the last attempt failed. */
  readonly state: 'ready' | 'indexing' | 'failed';
  /** Size of the index files in bytes. */
  readonly indexBytes: number;
  /** When the index was last opened or used (ms since the epoch): the least recent is evicted first. */
  readonly lastOpened: number;
  /** Whether the index is open in the daemon now. */
  readonly open: boolean;
}

export interface CaptureListResult {
  /** Every indexed capture. */
  readonly captures: readonly CaptureListEntry[];
}

/** Captures known to the daemon (indexed or being indexed). */
export namespace CaptureListRequest {
  export const method = 'capture/list' as const;
  export const type = new RequestType0<CaptureListResult, void>(method);
}

export interface CaptureForgetParams {
  /** Capture whose index to delete. */
  readonly captureId: string;
}

/** Deletes a capture's index once the capture's running jobs (indexing, a temporary mode, a tree) end; meanwhile and afterwards requests with the id fail with UnknownCapture, and a capture/open of the file waits, then indexes it again. */
export namespace CaptureForgetRequest {
  export const method = 'capture/forget' as const;
  export const type = new RequestType<CaptureForgetParams, null, void>(method);
}

export interface CacheClearParams {
  /** Delete only the indexes of this capture (absolute, or relative to `cwd`); default: every index. */
  readonly path?: string;
  /** The client's working directory, for a relative `path`. */
  readonly cwd?: string;
}

export interface CacheClearResult {
  /** Index files deleted. */
  readonly removed: number;
  /** Bytes they held. */
  readonly freedBytes: number;
  /** Indexes kept because a job works on them now. */
  readonly kept: number;
}

/** Deletes index files (of one capture path, or all); indexes being built are kept. @since 1.2 */
export namespace CacheClearRequest {
  export const method = 'cache/clear' as const;
  export const type = new RequestType<CacheClearParams, CacheClearResult, void>(method);
}
