/**
 * The time side of the interactive view as a pure model: whether the chart strip shows, the
 * capture's memory series, and a range cursor over its memory snapshots (docs/views.md, "Time
 * ranges"). `[` / `]` move the cursor one chart column (a bucket of snapshots; one snapshot
 * when the series fits; the last column is the period after the last snapshot), `{` / `}`
 * (Shift) move its head only, so the range grows or shrinks as
 * a shifted selection does in an editor. Enter shows the tree of the range's peak, `L` its
 * leaks, Esc cancels a moved cursor or goes back to the whole capture.
 */
import type { CaptureMemoryResult, MemoryBucket } from '../../../protocol/src/memory.js';
import type { SnapshotMode } from '../../../protocol/src/tree-document.js';
import type { SnapshotRange, ViewOptions } from '../../../protocol/src/tree.js';
import { bucketsOf } from '../print/memory-chart.js';

/** What a key asks of the time model. */
export type RangeKey = 'chart' | 'prev' | 'next' | 'extendPrev' | 'extendNext' | 'peak' | 'leaks' | 'back';

/** The keys of the time model (neo-blessed's `key.full`: Shift+L is 'S-l'). */
export const RANGE_KEYS: Readonly<Record<string, RangeKey>> = {
  g: 'chart',
  '[': 'prev',
  ']': 'next',
  '{': 'extendPrev',
  '}': 'extendNext',
  enter: 'peak',
  'S-l': 'leaks',
  escape: 'back',
};

/** The time model's state. */
export interface RangeState {
  /** The chart strip is on screen. */
  readonly shown: boolean;
  /** The memory series (in chart buckets), once loaded. */
  readonly memory: CaptureMemoryResult | null;
  /** Why the series could not be loaded. */
  readonly error: string | null;
  /** The tree is provisional (the capture still being indexed): the series comes with the final tree. */
  readonly waiting: boolean;
  /** The cursor: the snapshots its two ends are on (each stands for its chart bucket); null until the series came. */
  readonly cursor: { readonly anchor: number; readonly head: number } | null;
  /** The cursor was moved since the tree last followed it: Enter applies it (else Enter is the tree's). */
  readonly moved: boolean;
  /** The mode before a range was chosen here, for Esc (null: the view's own); the other view options stay as they are then. */
  readonly baseMode: SnapshotMode | null;
}

/** Start: the chart shown when the view starts on a range (--snapshot-range, --time-range). */
export function initialRangeState(view: ViewOptions): RangeState {
  return { shown: view.range !== undefined, memory: null, error: null, waiting: false, cursor: null, moved: false, baseMode: null };
}

/** The bucket holding snapshot `s` (the last bucket for s >= N). */
export function bucketIndex(buckets: readonly MemoryBucket[], s: number): number {
  let lo = 0;
  let hi = buckets.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (buckets[mid]!.first <= s) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Cursor positions: the chart's buckets (0 .. B-1), then B, the period after the last memory
 * snapshot (memray's index N: a capture that ends while its heap still grows has its peak
 * there). The position of snapshot `s`:
 */
export function positionOf(m: CaptureMemoryResult, buckets: readonly MemoryBucket[], s: number): number {
  return s >= m.count ? buckets.length : bucketIndex(buckets, s);
}

/** The positions the cursor covers, first and last (B: the period after the last snapshot). */
export function cursorPositions(s: RangeState): { lo: number; hi: number } | null {
  if (s.memory === null || s.cursor === null) return null;
  const b = bucketsOf(s.memory);
  if (b.length === 0) return null;
  const a = positionOf(s.memory, b, s.cursor.anchor);
  const h = positionOf(s.memory, b, s.cursor.head);
  return { lo: Math.min(a, h), hi: Math.max(a, h) };
}

/** The snapshot range under the cursor (memray's indices, inclusive, up to N). */
export function cursorRange(s: RangeState): SnapshotRange | null {
  const c = cursorPositions(s);
  if (c === null) return null;
  const b = bucketsOf(s.memory!);
  const n = s.memory!.count;
  return { start: c.lo >= b.length ? n : b[c.lo]!.first, end: c.hi >= b.length ? n : b[c.hi]!.last };
}

/** The series arrived (again, for another chart width): the cursor goes where the tree is, else to the peak. */
export function memoryLoaded(s: RangeState, memory: CaptureMemoryResult, view: ViewOptions): RangeState {
  if (memory.count === 0) return { ...s, memory, error: null, cursor: null };
  let cursor = s.cursor;
  if (cursor === null) {
    const at = memory.peak?.snapshot ?? 0;
    cursor = view.range === undefined ? { anchor: at, head: at } : { anchor: view.range.start, head: view.range.end };
  }
  return { ...s, memory, error: null, cursor };
}

/** The series could not be loaded. */
export function memoryFailed(s: RangeState, message: string): RangeState {
  return { ...s, error: message };
}

/** The result of a key: the next state, the view the tree must show now (if it changes), or null when the key is not the time model's. */
export interface RangeResult {
  readonly state: RangeState;
  readonly view?: ViewOptions;
}

function move(s: RangeState, step: -1 | 1, extend: boolean): RangeState {
  const shown = { ...s, shown: true };
  if (s.memory === null || s.cursor === null) return shown; // the series is on its way
  const b = bucketsOf(s.memory);
  const h = Math.max(0, Math.min(b.length, positionOf(s.memory, b, s.cursor.head) + step));
  const head = h === b.length ? s.memory.count : b[h]!.first;
  return { ...shown, cursor: { anchor: extend ? s.cursor.anchor : head, head }, moved: true };
}

function sameRange(a: SnapshotRange | undefined, b: SnapshotRange): boolean {
  return a !== undefined && a.start === b.start && a.end === b.end;
}

/** The tree of the cursor's range: its peak or its leaks. */
function apply(s: RangeState, view: ViewOptions, kind: 'peak' | 'leaks'): RangeResult {
  const range = cursorRange(s);
  if (range === null) return { state: { ...s, shown: true } }; // the series is on its way
  const state = { ...s, moved: false, baseMode: s.baseMode ?? (view.range === undefined ? view.mode : null) };
  if (view.mode.kind === kind && sameRange(view.range, range)) return { state };
  return { state, view: { ...view, mode: { kind }, range } };
}

/** A key of RANGE_KEYS against the tree's current view. */
export function rangeKey(s: RangeState, key: RangeKey, view: ViewOptions): RangeResult | null {
  switch (key) {
    case 'chart':
      return { state: { ...s, shown: !s.shown } };
    case 'prev':
      return { state: move(s, -1, false) };
    case 'next':
      return { state: move(s, 1, false) };
    case 'extendPrev':
      return { state: move(s, -1, true) };
    case 'extendNext':
      return { state: move(s, 1, true) };
    case 'peak':
      // Enter stays the tree's (expand / collapse) unless the cursor was moved to a new range.
      return s.moved ? apply(s, view, 'peak') : null;
    case 'leaks':
      return apply(s, view, 'leaks');
    case 'back': {
      // A moved cursor goes back to the range the tree shows (or the peak).
      if (s.moved) return { state: s.memory === null ? { ...s, moved: false } : memoryLoaded({ ...s, cursor: null, moved: false }, s.memory, view) };
      if (view.range === undefined) return null;
      const { range: _, ...whole } = view;
      return { state: { ...s, baseMode: null }, view: { ...whole, mode: s.baseMode ?? view.mode } };
    }
  }
}
