/**
 * Provisional snapshots during the reading pass (issue 13: a screen before the end): about
 * once a second the pass asks the live-table side for the peak so far and the live set so far
 * (SnapshotBuilder.provisionalSums) and hands them, resolved into records, to
 * LoadOptions.onProvisional. On one thread the builder answers at once; on two threads the
 * request travels in-band through the record ring and the answer comes back on the worker's
 * port, taken at a later progress point (snapshot-pipeline.ts). The clock is read at progress
 * points (every MiB of data), never per record.
 */
import type { GroupIndex } from '../snapshot/group-index.js';
import type { ProvisionalSums, SnapshotBuilder } from '../snapshot/snapshot-builder.js';
import type { LoadedCapture, Snapshot } from './load.js';
import type { OpenCapture } from './open-capture.js';
import type { ProgressFn } from './records.js';

/** The snapshots of the records read so far, while a capture is still being read. */
export interface ProvisionalCapture {
  /** The header and the frames and stacks seen so far (valid during the call only). */
  readonly capture: Pick<LoadedCapture, 'header' | 'state'>;
  /** The snapshot at the highest peak so far. */
  readonly peak: Snapshot;
  /** The live set so far. */
  readonly leaks: Snapshot;
  /** The highest heap so far in bytes. */
  readonly peakBytes: number;
  /** ALLOCATION records read so far (when the snapshot was taken). */
  readonly records: number;
  /** Bytes of the file read so far. */
  readonly bytes: number;
  /** Size of the file. */
  readonly totalBytes: number;
}

/** What a pass asks for provisional snapshots, whichever thread its builder runs on. */
export interface ProvisionalSource {
  /** Asks for the snapshots as of the records handed over so far. */
  request(): void;
  /** The newest answer not taken yet, if any (never blocks). */
  take(): ProvisionalSums | undefined;
  /** Resolves the answer's group ids. */
  readonly groups: GroupIndex;
}

/** The one-thread pass's source: the builder answers at once. */
export function builderSource(builder: SnapshotBuilder): ProvisionalSource {
  let last: ProvisionalSums | undefined;
  return {
    request: () => void (last = builder.provisionalSums()),
    take: () => {
      const s = last;
      last = undefined;
      return s;
    },
    groups: builder.groups,
  };
}

/**
 * When to ask: the first snapshot at once (the readers' first progress point is 256 KiB into
 * the data, so it holds few distinct stacks and resolves in milliseconds: the first screen
 * comes within a second), then every `everyMs`.
 */
export interface ProvisionalTiming {
  /** The first request at the first progress point after this long (default 0). */
  readonly firstMs?: number;
  /** Then one about this often (default 1000). */
  readonly everyMs?: number;
  /** After a snapshot, wait at least this many times as long as it took (default 10; tests that want a snapshot at every progress point: 0). */
  readonly waitFactor?: number;
  /**
   * Whether anyone looks at provisional trees now (default: always). A snapshot of a large live
   * set costs the pass real time (a tenth to a half of a 47 M-record read), so after the first
   * one (at the first progress point: a few stacks, milliseconds, and ready when a view asks)
   * the daemon takes them only once a client asked for a tree of the capture being indexed.
   */
  readonly wanted?: () => boolean;
}

/**
 * The pass's progress callback, also feeding `emit` from `source` (undefined `emit`: just
 * `onProgress`).
 */
export function provisionalProgress(
  open: OpenCapture,
  source: ProvisionalSource,
  emit: ((p: ProvisionalCapture) => void) | undefined,
  onProgress: ProgressFn | undefined,
  timing: ProvisionalTiming = {},
): ProgressFn | undefined {
  if (emit === undefined) return onProgress;
  const every = timing.everyMs ?? 1000;
  const waitFactor = timing.waitFactor ?? 10;
  let next = performance.now() + (timing.firstMs ?? 0);
  let asked = false;
  return (decompressed, bytes, records) => {
    onProgress?.(decompressed, bytes, records);
    if (performance.now() >= next && (!asked || (timing.wanted?.() ?? true))) {
      asked = true;
      source.request();
      next = performance.now() + every;
    }
    const s = source.take();
    if (s === undefined) return;
    const t0 = performance.now();
    emit({
      capture: open,
      peak: { records: source.groups.records(s.peak), threadNames: open.state.threadNamesAt(s.peakIndex) },
      leaks: { records: source.groups.records(s.leaks), threadNames: open.state.threadNamesAt(s.records - 1) },
      peakBytes: s.peakBytes,
      records: s.records,
      bytes,
      totalBytes: open.fileSize,
    });
    // Resolving a snapshot grows with the distinct stacks it holds (a million take seconds):
    // the pass spends at most a tenth of its time on them. The live-table side's walk over
    // the live set (~25 ns per live entry: a quarter of a second at 10 M) holds up the thread
    // that is the whole pass's bottleneck, so at most a twentieth on that (twice the wait
    // factor; not when asked for a snapshot at every progress point: everyMs 0).
    next = Math.max(next, performance.now() + waitFactor * (performance.now() - t0 + (every > 0 ? 2 * s.costMs : 0)));
  };
}
