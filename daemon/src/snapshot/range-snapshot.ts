/**
 * The snapshot of a time range of a loaded capture (docs/views.md "Time ranges"): the peak of
 * the range (the moment of its highest high-water mark) or what the range leaked. These go
 * through the same tree builder as the ordinary snapshots.
 */
import type { RangeInfo } from '../../../protocol/src/tree-document.js';
import type { LoadedCapture, Snapshot } from '../capture/load.js';
import { checkRange, lastRecordOf, leakRecordsIn, memoryStride, peakRecordsAt, rangePeak, snapshotCount, TimeRangeError } from './time-ranges.js';

/** memray's reason for refusing time ranges of an aggregated capture. */
export const AGGREGATED_HAS_NO_HISTORY = "Can't get allocation history using a pre-aggregated capture file.";

/**
 * The snapshot of `mode` over memray snapshots [start, end] of `c`; `ordinary` when its records
 * are the mode's own snapshot (at the capture's peak moment, or all of it for leaks), so they
 * take that snapshot's record order. Throws TimeRangeError.
 */
export function rangeSnapshot(c: LoadedCapture, mode: 'peak' | 'leaks', start: number, end: number): { snapshot: Snapshot; range: RangeInfo; ordinary: boolean } {
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
    const ordinary = moment === t.peakRecord;
    const records = ordinary ? c.peak.records : peakRecordsAt(t, p.period);
    return {
      ordinary,
      snapshot: { records, threadNames: c.state.threadNamesAt(moment) },
      range: { start, end, snapshot: p.snapshot, bytes: p.bytes, ...times(kept(p.snapshot - 1), kept(p.snapshot)), snapshots: N },
    };
  }
  const whole = start === 0 && end === N;
  const records = whole ? c.leaks.records : leakRecordsIn(t, start, end);
  return {
    ordinary: whole,
    snapshot: { records, threadNames: whole ? c.leaks.threadNames : c.state.threadNamesAt(lastRecordOf(t, end)) },
    range: { start, end, ...times(kept(start - 1), kept(end)), snapshots: N },
  };
}

/** fromMs / toMs, each only when defined (JSON documents carry no undefined). */
function times(fromMs: number | undefined, toMs: number | undefined): { fromMs?: number; toMs?: number } {
  return { ...(fromMs === undefined ? {} : { fromMs }), ...(toMs === undefined ? {} : { toMs }) };
}

/** Our memory record index of memray snapshot J (J < N). */
function periodsEnd(J: number, n: number): number {
  return J * (memoryStride(n) || 1);
}
