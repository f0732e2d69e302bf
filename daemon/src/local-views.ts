/**
 * Every view of one capture in this process (`memtree tree --no-daemon`'s interactive view): the
 * capture read once (again once per temporary threshold), each mode's records resolved once,
 * built views kept (least recently used out), and the reads the daemon's tree handlers answer
 * (root, pages, search, threads, the locations -b left out, the memory series), over the same
 * view engine.
 */
import * as path from 'node:path';
import type { ThreadTotals } from '../../protocol/src/threads.js';
import type { CaptureMemoryResult } from '../../protocol/src/memory.js';
import type { CaptureInfo, RangeInfo } from '../../protocol/src/tree-document.js';
import type { SnapshotRange, ViewOptions } from '../../protocol/src/tree.js';
import type { LoadedCapture } from './capture/load.js';
import { loadCapture } from './capture/load.js';
import { CaptureError } from './capture/errors.js';
import { AGGREGATED_HAS_NO_HISTORY, rangeSnapshot } from './snapshot/range-snapshot.js';
import { memoryReport } from './snapshot/memory-report.js';
import { timeRange } from './snapshot/time-ranges.js';
import { CaptureResolver, memraySizeOrder } from './tree/capture-views.js';
import { viewOrderSensitive } from './tree/order-sensitivity.js';
import { FrameClassifier } from './tree/frame-classifier.js';
import { captureInfo, snapshotFor } from './tree/tree-document.js';
import type { ViewData } from './tree/view-data.js';
import type { Display } from './tree/view-display.js';
import { ViewTree } from './tree/view-display.js';
import { buildViewTree, threadTotals, type TreeSpec } from './tree/view-engine.js';
import { treeKey, treeSpec } from './tree/view-spec.js';

/** Built views kept (each a few typed arrays per node). */
const KEPT_VIEWS = 8;

/** A view ready to read: its tree, what -b cut, its display under the view's toggles. */
export interface LocalView {
  readonly data: ViewData;
  readonly spec: TreeSpec;
  readonly tree: ViewTree;
  readonly elided: { locations: number; allocations: number; bytes: number };
  readonly display: Display;
  /** A view of a range of memory snapshots: the range and the moment it shows. */
  readonly range?: RangeInfo;
}

/** A view's snapshot records resolved, whether they have memray 1.19 and older's order to take, and a range's facts. */
interface ViewRecords {
  readonly data: ViewData;
  readonly orderable: boolean;
  readonly range?: RangeInfo;
}

export class LocalViews {
  readonly info: CaptureInfo;
  readonly searchPath: readonly string[];
  readonly warnings: readonly string[];
  private readonly captures = new Map<number, LoadedCapture>();
  private readonly data = new Map<string, ViewRecords>();
  private readonly views = new Map<string, { tree: ViewTree; elided: LocalView['elided'] }>();
  /** Whether a view (and extent) depends on memray 1.19 and older's order, once decided. */
  private readonly sensitive = new Map<string, boolean>();

  /** Reads the capture (with temporary allocations of `temporaryThreshold` when given); throws the reader's errors. */
  constructor(
    private readonly capturePath: string,
    temporaryThreshold?: number,
  ) {
    const first = this.capture(temporaryThreshold ?? -1);
    this.info = captureInfo(first, path.resolve(capturePath));
    this.searchPath = first.header.sysPath;
    this.warnings = first.warnings;
  }

  /** The capture as read for a temporary threshold (-1: without temporary allocations, or any read). */
  private capture(threshold: number): LoadedCapture {
    let c = this.captures.get(threshold) ?? (threshold < 0 ? this.captures.values().next().value : undefined);
    if (c === undefined) {
      c = loadCapture(this.capturePath, threshold < 0 ? {} : { temporaryThreshold: threshold });
      this.captures.set(threshold, c);
    }
    return c;
  }

  /**
   * The records of a view's snapshot (mode and range), resolved once, and the range's facts;
   * `legacy`: over memray 1.19 and older's record order (read again once per capture) instead
   * of the reading pass's. `orderable`: whether the capture has such an order for these records.
   */
  private viewData(v: ViewOptions, legacy = false): ViewRecords {
    const key = JSON.stringify([v.mode, v.range ?? null, legacy]);
    let d = this.data.get(key);
    if (d === undefined) {
      const c = this.capture(v.mode.kind === 'temporary' ? v.mode.threshold : -1);
      let snap = snapshotFor(c, v.mode);
      let range: RangeInfo | undefined;
      let ordinary = true;
      if (v.range !== undefined && v.mode.kind !== 'temporary') {
        if (c.timeline === undefined) throw new CaptureError(this.capturePath, AGGREGATED_HAS_NO_HISTORY);
        ({ snapshot: snap, range, ordinary } = rangeSnapshot(c, v.mode.kind, v.range.start, v.range.end));
      }
      const classifier = new FrameClassifier();
      const resolver = new CaptureResolver(c, classifier);
      try {
        const records = resolver.records(snap, legacy ? memraySizeOrder(c, v.mode.kind, snap) : undefined);
        d = {
          data: { records, paths: resolver.paths.trie(), frames: classifier.frames },
          orderable: ordinary && c.legacyOrder !== undefined,
          ...(range === undefined ? {} : { range }),
        };
      } finally {
        resolver.close();
      }
      this.data.set(key, d);
    }
    return d;
  }

  /**
   * The built view of `v`; throws PatternError for a bad expression, CaptureError for a mode the
   * capture lacks. `extent` 'all': the view's list of left-out records is read too (its order
   * counts beyond -b: order-sensitivity.ts).
   */
  view(v: ViewOptions, extent: 'tree' | 'all' = 'tree'): LocalView {
    const spec = treeSpec(v, v.biggestAllocs);
    let d = this.viewData(v);
    // memray 1.19 and older's order only for views whose answer depends on it (decided once per
    // view: every page and detail of the view asks again).
    let legacy = false;
    if (d.orderable) {
      const which = JSON.stringify([v.mode, v.range ?? null, treeKey(spec), extent]);
      legacy = this.sensitive.get(which) ?? viewOrderSensitive(d.data, spec, extent);
      this.sensitive.set(which, legacy);
      if (legacy) d = this.viewData(v, true);
    }
    const { data, range } = d;
    const key = JSON.stringify([v.mode, v.range ?? null, treeKey(spec), legacy]);
    let built = this.views.get(key);
    if (built !== undefined) this.views.delete(key);
    else {
      const b = buildViewTree(data, spec);
      built = { tree: new ViewTree(b.tree), elided: b.elided };
      while (this.views.size >= KEPT_VIEWS) this.views.delete(this.views.keys().next().value!);
    }
    this.views.set(key, built);
    return { data, spec, ...built, display: built.tree.display(v), ...(range === undefined ? {} : { range }) };
  }

  /** A range of times (ms since the capture started) as memory snapshots, mapped as memray's plot does. */
  rangeOfTimes(t: { readonly fromMs?: number; readonly toMs?: number }): SnapshotRange {
    const c = this.capture(-1);
    if (c.timeline === undefined) throw new CaptureError(this.capturePath, AGGREGATED_HAS_NO_HISTORY);
    return timeRange(c.memory, c.header.startTime, t.fromMs, t.toMs);
  }

  /** The threads of a mode's snapshot with their totals, most bytes first (capture/threads). */
  threads(v: ViewOptions): ThreadTotals[] {
    return threadTotals(this.viewData({ ...v, range: undefined }).data);
  }

  /** The memory series in at most `points` buckets (capture/memory). */
  memory(points?: number): CaptureMemoryResult {
    const c = this.capture(-1);
    return memoryReport(c.memory, c.timeline?.data.hwm, c.header.startTime, c.header.endTime, points);
  }
}
