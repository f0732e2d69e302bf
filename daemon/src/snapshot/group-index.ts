/**
 * Snapshot groups: one per (Python stack, native stack, thread), numbered densely in the order
 * first seen. The snapshot builder counts per group id; this table turns group ids back into
 * memray's records. It lives on the decoding side of the reading pipeline (snapshot-pipeline.ts),
 * so the live-table side only ever sees group ids.
 */
import { PairInterner } from '../capture/int-tables.js';
import { newRecords, type SnapshotRecords } from './snapshot-builder.js';

/** A tally's groups in memray's order (earliest allocation first) with their sums. */
export interface GroupSums {
  readonly ids: Int32Array;
  readonly bytes: Float64Array;
  readonly count: Float64Array;
  readonly minSeq: Float64Array;
}

export class GroupIndex {
  /** (stackId, nativeId * 2^20 + thread index) -> group id. */
  private readonly keys = new PairInterner(4096);
  private groupTid: number[] = [];
  private groupGeneration: number[] = [];
  private readonly threadIndex = new Map<number, number>();
  private lastTid = -1;
  /** Thread index of the tid of the last `thread` or `group` call. */
  lastTidIndex = 0;
  private lastGroupA = -1;
  private lastGroupB = -1;
  private lastGroup = -1;

  /** Groups so far. */
  get size(): number {
    return this.keys.size;
  }

  /** A dense index for memray thread id `tid` (temporary allocations keep one window per thread). */
  thread(tid: number): number {
    if (tid !== this.lastTid) {
      let idx = this.threadIndex.get(tid);
      if (idx === undefined) {
        idx = this.threadIndex.size;
        this.threadIndex.set(tid, idx);
      }
      this.lastTid = tid;
      this.lastTidIndex = idx;
    }
    return this.lastTidIndex;
  }

  /** The group of an allocation (the generation of the group's first allocation is kept). */
  group(tid: number, stackId: number, nativeId: number, generation: number): number {
    const b = nativeId * 1048576 + this.thread(tid);
    if (stackId === this.lastGroupA && b === this.lastGroupB) return this.lastGroup;
    const g = this.keys.intern(stackId, b);
    if (g === this.groupTid.length) {
      this.groupTid.push(tid);
      this.groupGeneration.push(generation);
    }
    this.lastGroupA = stackId;
    this.lastGroupB = b;
    this.lastGroup = g;
    return g;
  }

  /** memray's records for the groups of `s`, in its order. */
  records(s: GroupSums): SnapshotRecords {
    const n = s.ids.length;
    const out = newRecords(n);
    for (let k = 0; k < n; k++) {
      const g = s.ids[k]!;
      out.stackId[k] = this.keys.a(g);
      out.nativeId[k] = Math.floor(this.keys.b(g) / 1048576);
      out.tid[k] = this.groupTid[g]!;
      out.generation[k] = this.groupGeneration[g]!;
      out.bytes[k] = s.bytes[k]!;
      out.count[k] = s.count[k]!;
      out.firstSeq[k] = s.minSeq[k]!;
    }
    return out;
  }

  /** Every group as a record of zero bytes and count 1, in id order (timeline rows refer to these). */
  all(): SnapshotRecords {
    const n = this.size;
    const ids = new Int32Array(n);
    const minSeq = new Float64Array(n);
    for (let g = 0; g < n; g++) {
      ids[g] = g;
      minSeq[g] = g;
    }
    return this.records({ ids, bytes: new Float64Array(n), count: new Float64Array(n).fill(1), minSeq });
  }
}
