/**
 * The snapshot of a time range of a loaded capture (docs/views.md "Time ranges"): the peak of
 * the range (the moment of its highest high-water mark) or what the range leaked. These go
 * through the same tree builder as the ordinary snapshots.
 */
import type { LoadedCapture, Snapshot } from '../capture/load.js';
import { checkRange, lastRecordOf, leakRecordsIn, memoryStride, peakRecordsAt, rangePeak, snapshotCount, TimeRangeError } from './time-ranges.js';

/** memray's reason for refusing time ranges of an aggregated capture. */
export const AGGREGATED_HAS_NO_HISTORY = "Can't get allocation history using a pre-aggregated capture file.";

/** Which moment or interval a range tree shows. */
export interface RangeFacts {
  /** The range, memray snapshot indices, inclusive. */
  readonly start: number;
  readonly end: number;
  /** Peak ranges: the chosen snapshot (the first in the range with the highest high-water mark). */
  readonly snapshot?: number;
  /** Peak ranges: its high-water mark in bytes. */
  readonly bytes?: number;
  /** ms since the capture started of the memory snapshot before which the period of `snapshot` (or the range) begins; undefined: the capture's start. */
  readonly fromMs?: number;
  /** ms since the capture started of the memory snapshot that ends it; undefined: after the last memory snapshot. */
  readonly toMs?: number;
  /** The number of memory snapshots of the capture (the largest valid range end). */
  readonly snapshots: number;
}

/** The snapshot of `mode` over memray snapshots [start, end] of `c`. Throws TimeRangeError. */
export function rangeSnapshot(c: LoadedCapture, mode: 'peak' | 'leaks', start: number, end: number): { snapshot: Snapshot; range: RangeFacts } {
  const t = c.timeline;
  if (t === undefined) throw new TimeRangeError(AGGREGATED_HAS_NO_HISTORY);
  const n = t.data.memoryRecords;
  checkRange(start, end, n);
  const N = snapshotCount(n);
  const kept = (J: number): number | undefined => (J >= 0 && J < N ? c.memory.timeMs[periodsEnd(J, n)]! - c.header.startTime : undefined);
  if (mode === 'peak') {
    const p = rangePeak(t.data, start, end);
    const moment = t.data.hwmRecord[p.period]!;
    // At the ordinary peak's own moment the ordinary snapshot is that state, exactly.
    const records = moment === t.peakRecord ? c.peak.records : peakRecordsAt(t, p.period);
    return {
      snapshot: { records, threadNames: c.state.threadNamesAt(moment) },
      range: { start, end, snapshot: p.snapshot, bytes: p.bytes, fromMs: kept(p.snapshot - 1), toMs: kept(p.snapshot), snapshots: N },
    };
  }
  const whole = start === 0 && end === N;
  const records = whole ? c.leaks.records : leakRecordsIn(t, start, end);
  return {
    snapshot: { records, threadNames: whole ? c.leaks.threadNames : c.state.threadNamesAt(lastRecordOf(t, end)) },
    range: { start, end, fromMs: kept(start - 1), toMs: kept(end), snapshots: N },
  };
}

/** Our memory record index of memray snapshot J (J < N). */
function periodsEnd(J: number, n: number): number {
  return J * (memoryStride(n) || 1);
}
