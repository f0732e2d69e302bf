/**
 * Snapshots of an AGGREGATED_ALLOCATIONS capture (docs/capture-format.md 12.5): memray keeps
 * the pre-aggregated records with a non-zero count, merges those sharing (stack, native stack,
 * thread) — adding 1 to the count per extra member, a memray quirk we keep for parity — and
 * returns them in file order of their first member.
 */
import type { AggregatedAllocation } from '../capture/aggregated-records.js';
import type { SnapshotRecords } from './snapshot-builder.js';

export function aggregatedSnapshot(allocs: readonly AggregatedAllocation[], which: 'peak' | 'leaks'): SnapshotRecords {
  const index = new Map<string, number>();
  const stackId: number[] = [];
  const nativeId: number[] = [];
  const tid: number[] = [];
  const generation: number[] = [];
  const bytes: number[] = [];
  const count: number[] = [];
  const firstSeq: number[] = [];
  let seq = 0;
  for (const a of allocs) {
    const n = which === 'peak' ? a.peakCount : a.leakedCount;
    const b = which === 'peak' ? a.peakBytes : a.leakedBytes;
    if (n === 0) continue;
    const key = `${a.stackId}:${a.nativeId}:${a.tid}`;
    const k = index.get(key);
    if (k === undefined) {
      index.set(key, stackId.length);
      stackId.push(a.stackId);
      nativeId.push(a.nativeId);
      tid.push(a.tid);
      generation.push(a.generation);
      bytes.push(b);
      count.push(n);
      firstSeq.push(seq);
    } else {
      bytes[k] += b;
      count[k] += 1;
    }
    seq++;
  }
  return {
    stackId: Int32Array.from(stackId),
    nativeId: Float64Array.from(nativeId),
    tid: Float64Array.from(tid),
    generation: Float64Array.from(generation),
    bytes: Float64Array.from(bytes),
    count: Float64Array.from(count),
    firstSeq: Float64Array.from(firstSeq),
    length: stackId.length,
  };
}
