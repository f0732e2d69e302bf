/**
 * The one entry through which the client uses the reader and the view engine in its own
 * process (`memtree tree --no-daemon`, `memtree memory --no-daemon`): the same engine the daemon runs over its index, here
 * over a capture read in memory.
 */
import type { ViewFilter } from '../../protocol/src/display.js';
import type { CaptureMemoryResult } from '../../protocol/src/memory.js';
import type { SnapshotMode, TreeDocument } from '../../protocol/src/tree-document.js';
import type { RecordFilters, SnapshotRange, ViewOptions } from '../../protocol/src/tree.js';
import { LocalViews } from './local-views.js';
import { TimeRangeError } from './snapshot/time-ranges.js';
import { loadCapture } from './capture/load.js';
import { memoryReport } from './snapshot/memory-report.js';
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

/**
 * Reads the capture at `capturePath` and builds the document of `view` (through LocalViews, as
 * the --no-daemon view does); throws the reader's errors and PatternError.
 */
export function localTree(capturePath: string, view: LocalView): LocalTree {
  treeSpec(view, view.biggestAllocs); // a bad expression fails before the capture is read
  const views = new LocalViews(capturePath, view.mode.kind === 'temporary' ? view.mode.threshold : undefined);
  const { timeRange: times, ...rest } = view;
  let v: ViewOptions = rest;
  if (times !== undefined || v.range !== undefined) {
    if (v.mode.kind === 'temporary') throw new TimeRangeError('time ranges apply to the peak and leaks modes, not to temporary allocations');
    if (times !== undefined) v = { ...v, range: views.rangeOfTimes(times) };
  }
  const built = views.view(v);
  const doc: TreeDocument = {
    capture: views.info,
    mode: view.mode,
    biggestAllocs: view.biggestAllocs,
    root: built.display.document(),
    elided: built.elided,
    view: documentView(view),
    ...(built.range === undefined ? {} : { range: built.range }),
  };
  return { doc, searchPath: views.searchPath, warnings: views.warnings };
}

/** Reads the capture at `capturePath` and returns its memory over time, as `capture/memory` does with `points`. */
export function localMemory(capturePath: string, points: number | undefined): { result: CaptureMemoryResult; warnings: readonly string[] } {
  const c = loadCapture(capturePath);
  return { result: memoryReport(c.memory, c.timeline?.data.hwm, c.header.startTime, c.header.endTime, points), warnings: c.warnings };
}
