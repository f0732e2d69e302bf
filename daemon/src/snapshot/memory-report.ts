/**
 * The `capture/memory` answer from a memory series: memray's snapshots, whole or in buckets
 * that keep each bucket's extremes (a chart of any width still shows the peak).
 */
import type { CaptureMemoryResult, MemoryBucket } from '../../../protocol/src/memory.js';
import { keptRecords, periodsOf, type MemorySeries } from './time-ranges.js';

/**
 * `hwm`: the high-water mark of each of our periods (ALL_ALLOCATIONS captures); without it the
 * peak is the snapshot with the highest heap (aggregated captures store only snapshots).
 */
export function memoryReport(m: MemorySeries, hwm: Float64Array | undefined, startTimeMs: number, endTimeMs: number, points?: number): CaptureMemoryResult {
  const kept = keptRecords(m.timeMs.length);
  const N = kept.length;
  let peak: CaptureMemoryResult['peak'];
  if (hwm !== undefined) {
    let best = -1;
    for (let J = 0; J <= N; J++) {
      const { lo, hi } = periodsOf(J, m.timeMs.length);
      for (let f = lo; f <= hi; f++) {
        if (hwm[f]! > best) {
          best = hwm[f]!;
          peak = { snapshot: J, bytes: best };
        }
      }
    }
  } else if (N > 0) {
    let best = 0;
    kept.forEach((r, J) => {
      if (J === 0 || m.heap[r]! > m.heap[kept[best]!]!) best = J;
    });
    peak = { snapshot: best, bytes: m.heap[kept[best]!]! };
  }
  const base = { startTimeMs, endTimeMs, count: N, peak };
  if (points === undefined || points >= N) {
    return { ...base, snapshots: kept.map((r) => [m.timeMs[r]!, m.rss[r]!, m.heap[r]!] as const) };
  }
  const buckets: MemoryBucket[] = [];
  const n = Math.max(1, Math.floor(points));
  for (let b = 0; b < n; b++) {
    const first = Math.floor((b * N) / n);
    const last = Math.floor(((b + 1) * N) / n) - 1;
    if (last < first) continue;
    let rMin = Infinity;
    let rMax = -Infinity;
    let hMin = Infinity;
    let hMax = -Infinity;
    for (let J = first; J <= last; J++) {
      const r = kept[J]!;
      rMin = Math.min(rMin, m.rss[r]!);
      rMax = Math.max(rMax, m.rss[r]!);
      hMin = Math.min(hMin, m.heap[r]!);
      hMax = Math.max(hMax, m.heap[r]!);
    }
    buckets.push({ first, last, fromMs: m.timeMs[kept[first]!]!, toMs: m.timeMs[kept[last]!]!, rss: [rMin, rMax], heap: [hMin, hMax] });
  }
  return { ...base, buckets };
}
