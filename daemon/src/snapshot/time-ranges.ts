/**
 * Memory snapshots and time ranges as memray numbers them (docs/views.md "Memory over time",
 * "Time ranges"), over what the pass recorded (timeline.ts) per memory record.
 *
 * memray keeps at most 10,000 memory records: past that every k-th (k = ceil(n / 10,000), the
 * first included), and its snapshot indices count only those. memray snapshot J (0 <= J <= N,
 * N = kept records) is the period before kept record J; it spans our periods lo(J) .. hi(J).
 */
import { snapshotRangeOfTimes } from '../../../protocol/src/memory.js';
import type { SnapshotRecords } from './snapshot-builder.js';
import { newRecords } from './snapshot-builder.js';
import type { TimelineData } from './timeline.js';

/** memray's FileReader default. */
export const MAX_MEMORY_RECORDS = 10_000;

/** The memory series of a capture, one entry per memory record (or stored snapshot). */
export interface MemorySeries {
  readonly timeMs: Float64Array;
  readonly rss: Float64Array;
  readonly heap: Float64Array;
}

/** What the time-range trees need besides the memory series (ALL_ALLOCATIONS captures only). */
export interface CaptureTimeline {
  readonly data: TimelineData;
  /** Every group as a record (index = group id). */
  readonly groups: SnapshotRecords;
  /** The ALLOCATION record of the ordinary peak, and the number of ALLOCATION records. */
  readonly peakRecord: number;
  readonly records: number;
}

/** memray's stride over memory records: 0 when all are kept. */
export function memoryStride(n: number, max = MAX_MEMORY_RECORDS): number {
  return n > max ? Math.ceil(n / max) : 0;
}

/** Indices of the memory records memray keeps. */
export function keptRecords(n: number, max = MAX_MEMORY_RECORDS): number[] {
  const k = memoryStride(n, max) || 1;
  const out: number[] = [];
  for (let i = 0; i < n; i += k) out.push(i);
  return out;
}

/** `[[timeMs, rssBytes, heapBytes], ...]` as memray's `get_memory_snapshots()` gives them. */
export function memorySnapshots(m: MemorySeries, max = MAX_MEMORY_RECORDS): [number, number, number][] {
  return keptRecords(m.timeMs.length, max).map((i) => [m.timeMs[i]!, m.rss[i]!, m.heap[i]!]);
}

/** Our periods spanned by memray snapshot J, for n memory records. */
export function periodsOf(J: number, n: number, max = MAX_MEMORY_RECORDS): { lo: number; hi: number } {
  const k = memoryStride(n, max) || 1;
  return { lo: J === 0 ? 0 : (J - 1) * k + 1, hi: Math.min(J * k, n) };
}

/** The number of memray snapshots (N): the last valid range end. */
export function snapshotCount(n: number, max = MAX_MEMORY_RECORDS): number {
  return keptRecords(n, max).length;
}

export class TimeRangeError extends Error {
  override name = 'TimeRangeError';
}

/** Checks 0 <= start <= end <= N. */
export function checkRange(start: number, end: number, n: number, max = MAX_MEMORY_RECORDS): void {
  const N = snapshotCount(n, max);
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > N) {
    throw new TimeRangeError(`snapshot range ${start}:${end} is not within 0:${N} (the capture has ${N} memory snapshots)`);
  }
}

/** The moment a peak range chose. */
export interface RangePeak {
  /** memray's snapshot index s: the first in the range with the highest high-water mark. */
  readonly snapshot: number;
  /** That high-water mark in bytes. */
  readonly bytes: number;
  /** Our period holding it (the last of memray's period's sub-periods reaching it, as memray's >= keeps the last). */
  readonly period: number;
}

/** memray's JS rule: the first snapshot in [start, end] with the largest high-water mark. */
export function rangePeak(d: Pick<TimelineData, 'hwm' | 'memoryRecords'>, start: number, end: number, max = MAX_MEMORY_RECORDS): RangePeak {
  const n = d.memoryRecords;
  let best: RangePeak | undefined;
  for (let J = start; J <= end; J++) {
    const { lo, hi } = periodsOf(J, n, max);
    let bytes = -1;
    let period = lo;
    for (let f = lo; f <= hi; f++) {
      if (d.hwm[f]! >= bytes) {
        bytes = d.hwm[f]!;
        period = f;
      }
    }
    if (best === undefined || bytes > best.bytes) best = { snapshot: J, bytes, period };
  }
  return best!;
}

function toRecords(groups: SnapshotRecords, bytes: Float64Array, count: Float64Array): SnapshotRecords {
  const ids: number[] = [];
  for (let g = 0; g < groups.length; g++) if (count[g]! > 0) ids.push(g);
  const out = newRecords(ids.length);
  ids.forEach((g, k) => {
    out.stackId[k] = groups.stackId[g]!;
    out.nativeId[k] = groups.nativeId[g]!;
    out.tid[k] = groups.tid[g]!;
    out.generation[k] = groups.generation[g]!;
    out.bytes[k] = bytes[g]!;
    out.count[k] = count[g]!;
    // Groups are numbered in order of their first allocation: memray's tie order for the
    // ordinary snapshots, close enough for ranges (memray orders those by location key).
    out.firstSeq[k] = g;
  });
  return out;
}

/** The records held at the high-water mark of our period `period`. */
export function peakRecordsAt(t: CaptureTimeline, period: number): SnapshotRecords {
  const r = t.data.peakRuns;
  const n = t.groups.length;
  const bytes = new Float64Array(n);
  const count = new Float64Array(n);
  // Each group's runs are in increasing period order: the last one starting by `period` wins.
  for (let i = 0; i < r.length; i++) {
    if (r.a[i]! <= period) {
      bytes[r.group[i]!] = r.bytes[i]!;
      count[r.group[i]!] = r.count[i]!;
    }
  }
  return toRecords(t.groups, bytes, count);
}

/** What memray snapshots [start, end] allocated and had not freed by the end of `end`. */
export function leakRecordsIn(t: CaptureTimeline, start: number, end: number, max = MAX_MEMORY_RECORDS): SnapshotRecords {
  const n = t.data.memoryRecords;
  const lo = periodsOf(start, n, max).lo;
  const hi = periodsOf(end, n, max).hi;
  const r = t.data.lifetimes;
  const bytes = new Float64Array(t.groups.length);
  const count = new Float64Array(t.groups.length);
  for (let i = 0; i < r.length; i++) {
    const a = r.a[i]!;
    const f = r.b[i]!;
    if (a >= lo && a <= hi && (f === -1 || f > hi)) {
      bytes[r.group[i]!] += r.bytes[i]!;
      count[r.group[i]!] += r.count[i]!;
    }
  }
  return toRecords(t.groups, bytes, count);
}

/** The last ALLOCATION record before the end of memray snapshot `end` (for thread names). */
export function lastRecordOf(t: CaptureTimeline, end: number, max = MAX_MEMORY_RECORDS): number {
  const n = t.data.memoryRecords;
  const hi = periodsOf(end, n, max).hi;
  return hi === n ? t.records - 1 : t.data.periodStart[hi + 1]! - 1;
}

/**
 * Times (ms since the capture started; undefined = open end) to memray snapshot indices, as
 * memray's plot does: the start is the first kept record at or after T1, the end the first
 * kept record after T2 (none: N). A start after the last record gives N (memray's page would
 * fall back to 0, the whole capture).
 */
export function timeRange(m: MemorySeries, startTime: number, t1: number | undefined, t2: number | undefined, max = MAX_MEMORY_RECORDS): { start: number; end: number } {
  return snapshotRangeOfTimes(keptRecords(m.timeMs.length, max).map((r) => m.timeMs[r]!), startTime, t1, t2);
}
