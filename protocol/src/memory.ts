/**
 * Memory over time (docs/views.md "Memory over time"): the series memray's reader gives.
 */
import { RequestType } from 'vscode-jsonrpc';

export interface CaptureMemoryParams {
  /** Capture id from capture/open. */
  readonly captureId: string;
  /** Return at most this many buckets of consecutive snapshots (each with its min and max) instead of every snapshot. */
  readonly points?: number;
}

/** Consecutive memory snapshots summarised by their extremes, so no peak is lost. */
export interface MemoryBucket {
  /** Index of the bucket's first memory snapshot. */
  readonly first: number;
  /** Index of its last memory snapshot. */
  readonly last: number;
  /** Time of the first snapshot, ms since the epoch. */
  readonly fromMs: number;
  /** Time of the last snapshot, ms since the epoch. */
  readonly toMs: number;
  /** Lowest and highest resident set size in bytes. */
  readonly rss: readonly [number, number];
  /** Lowest and highest heap (memray's running total of live bytes) in bytes. */
  readonly heap: readonly [number, number];
}

/** The capture's high-water mark as the memory snapshots place it. */
export interface MemoryPeak {
  /** memray snapshot index s: the high-water mark was reached after snapshot s - 1 and before snapshot s (s = N: after the last). */
  readonly snapshot: number;
  /** The high-water mark in bytes. */
  readonly bytes: number;
}

export interface CaptureMemoryResult {
  /** Capture start (header), ms since the epoch. */
  readonly startTimeMs: number;
  /** Capture end (header; equal to the start for a capture whose process was killed), ms since the epoch. */
  readonly endTimeMs: number;
  /** Number of memory snapshots N (memray keeps at most 10,000); range ends go up to N. */
  readonly count: number;
  /** Without `points` (or when N fits): every snapshot as [timeMs since the epoch, rssBytes, heapBytes], memray's get_memory_snapshots(). */
  readonly snapshots?: readonly (readonly [number, number, number])[];
  /** With `points` smaller than N: the snapshots in at most `points` buckets. */
  readonly buckets?: readonly MemoryBucket[];
  /** Where the high-water mark is (absent for a capture without memory snapshots). */
  readonly peak?: MemoryPeak;
}

/** The memory series of an open capture, whole or downsampled with each bucket's min and max. */
export namespace CaptureMemoryRequest {
  export const method = 'capture/memory' as const;
  export const type = new RequestType<CaptureMemoryParams, CaptureMemoryResult, void>(method);
}

/**
 * Times to a range of memory snapshots as memray's plot maps a selection: the start is the
 * first snapshot at or after `fromMs`, the end the first snapshot after `toMs` (none: N, the
 * period after the last snapshot). Times are ms since the capture started; undefined is an
 * open end. A start after the last snapshot gives N (memray's page would fall back to 0).
 */
export function snapshotRangeOfTimes(snapshotTimesMs: readonly number[], startTimeMs: number, fromMs?: number, toMs?: number): { start: number; end: number } {
  const n = snapshotTimesMs.length;
  let start = 0;
  if (fromMs !== undefined) {
    const i = snapshotTimesMs.findIndex((t) => t >= startTimeMs + fromMs);
    start = i === -1 ? n : i;
  }
  let end = n;
  if (toMs !== undefined) {
    const i = snapshotTimesMs.findIndex((t) => t > startTimeMs + toMs);
    if (i !== -1) end = i;
  }
  return { start, end: Math.max(start, end) };
}
