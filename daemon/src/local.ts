/**
 * The one entry through which the client uses the reader and the view engine in its own
 * process (`memtree tree --no-daemon`, `memtree memory --no-daemon`): the same engine the daemon runs over its index, here
 * over a capture read in memory.
 */
import * as path from 'node:path';
import type { ViewFilter } from '../../protocol/src/display.js';
import type { CaptureMemoryResult } from '../../protocol/src/memory.js';
import type { SnapshotMode, TreeDocument } from '../../protocol/src/tree-document.js';
import type { RecordFilters, SnapshotRange } from '../../protocol/src/tree.js';
import { CaptureError } from './capture/errors.js';
import { AGGREGATED_HAS_NO_HISTORY, rangeSnapshot } from './snapshot/range-snapshot.js';
import { timeRange, TimeRangeError } from './snapshot/time-ranges.js';
import { loadCapture } from './capture/load.js';
import { memoryReport } from './snapshot/memory-report.js';
import { CaptureResolver, memraySizeOrder } from './tree/capture-views.js';
import { viewOrderSensitive } from './tree/order-sensitivity.js';
import { FrameClassifier } from './tree/frame-classifier.js';
import { captureInfo, snapshotFor } from './tree/tree-document.js';
import type { ViewData } from './tree/view-data.js';
import { ViewTree } from './tree/view-display.js';
import { buildViewTree } from './tree/view-engine.js';
import { documentView, treeSpec } from './tree/view-spec.js';

export { CaptureError, NoSuchFileError } from './capture/errors.js';
export { sourceWindow } from './source/read-source.js';
export { TimeRangeError } from './snapshot/time-ranges.js';
export { LocalViews } from './local-views.js';
export { elidedPage, expandPage, searchView } from './tree/view-queries.js';

/** A view of a capture, as `tree/export` takes it. */
export interface LocalView extends RecordFilters, ViewFilter {
  readonly mode: SnapshotMode;
  readonly biggestAllocs: number;
  /** A range of memory snapshots (peak and leaks modes). */
  readonly range?: SnapshotRange;
  /** A range of times (ms since the capture started; undefined: open), mapped to snapshots as memray's plot does. */
  readonly timeRange?: { readonly fromMs?: number; readonly toMs?: number };
}

export interface LocalTree {
  readonly doc: TreeDocument;
  /** The traced program's sys.path (for source lines). */
  readonly searchPath: readonly string[];
  readonly warnings: readonly string[];
}

/** Reads the capture at `capturePath` and builds the document of `view`; throws the reader's errors and PatternError. */
export function localTree(capturePath: string, view: LocalView): LocalTree {
  const spec = treeSpec(view, view.biggestAllocs); // a bad expression fails before the capture is read
  const capture = loadCapture(capturePath, { temporaryThreshold: view.mode.kind === 'temporary' ? view.mode.threshold : undefined });
  const classifier = new FrameClassifier();
  const resolver = new CaptureResolver(capture, classifier);
  let data: ViewData;
  let range;
  try {
    let snap = snapshotFor(capture, view.mode);
    let ordinary = true;
    let r = view.range;
    if (view.timeRange !== undefined) r = timeRange(capture.memory, capture.header.startTime, view.timeRange.fromMs, view.timeRange.toMs);
    if (r !== undefined) {
      if (view.mode.kind === 'temporary') throw new TimeRangeError('time ranges apply to the peak and leaks modes, not to temporary allocations');
      if (capture.timeline === undefined) throw new CaptureError(capturePath, AGGREGATED_HAS_NO_HISTORY);
      ({ snapshot: snap, range, ordinary } = rangeSnapshot(capture, view.mode.kind, r.start, r.end));
    }
    data = { records: resolver.records(snap), paths: resolver.paths.trie(), frames: classifier.frames };
    // memray 1.19 and older's record order only when this view's tree depends on it (it reads
    // the capture again); the same stacks again, so the trie does not change.
    if (ordinary && capture.legacyOrder !== undefined && viewOrderSensitive(data, spec)) {
      data = { ...data, records: resolver.records(snap, memraySizeOrder(capture, view.mode.kind, snap)) };
    }
  } finally {
    resolver.close();
  }
  const built = buildViewTree(data, spec);
  const display = new ViewTree(built.tree).display(view);
  const doc: TreeDocument = {
    capture: captureInfo(capture, path.resolve(capturePath)),
    mode: view.mode,
    biggestAllocs: view.biggestAllocs,
    root: display.document(),
    elided: built.elided,
    view: documentView(view),
    ...(range === undefined ? {} : { range }),
  };
  return { doc, searchPath: capture.header.sysPath, warnings: capture.warnings };
}

/** Reads the capture at `capturePath` and returns its memory over time, as `capture/memory` does with `points`. */
export function localMemory(capturePath: string, points: number | undefined): { result: CaptureMemoryResult; warnings: readonly string[] } {
  const c = loadCapture(capturePath);
  return { result: memoryReport(c.memory, c.timeline?.data.hwm, c.header.startTime, c.header.endTime, points), warnings: c.warnings };
}
