/**
 * Peak (high-water mark), leaks and, optionally, temporary allocations in ONE pass over the
 * ALLOCATION records (docs/capture-format.md sections 10 and 11).
 *
 * memray finds the peak in a first pass and rebuilds the heap up to it in a second. We keep
 * the live set once and, for every entry that leaves it after the current peak candidate
 * (freed, replaced or shrunk by munmap), add what it held at the peak to a per-group
 * "departed" tally stamped with the candidate's epoch. A new peak bumps the epoch, which
 * empties every tally at once. At the end the peak snapshot is the live entries allocated at
 * or before the peak plus the departed tallies of the last epoch; the leaks snapshot is the
 * live set. Memory follows the live set and the number of distinct (stack, thread) groups.
 */
import {
  ALLOCATOR_KIND,
  KIND_RANGED_ALLOC,
  KIND_RANGED_FREE,
  KIND_SIMPLE_ALLOC,
  KIND_SIMPLE_FREE,
} from '../capture/allocators.js';
import { PairInterner } from '../capture/int-tables.js';
import { LiveTable } from './live-table.js';
import { RecordError, type AllocationSink } from '../capture/records.js';
import { GroupTally } from './group-tally.js';
import { RangeSet } from './range-set.js';
import { TemporaryTracker } from './temporary.js';
import { Timeline, type TimelineData } from './timeline.js';

/**
 * No real heap comes near 2^53 bytes (8 PiB); sizes and totals beyond it are damaged data, and
 * doubles (and SQLite's integers) would no longer hold them exactly.
 */
export const MAX_BYTES = Number.MAX_SAFE_INTEGER;

/** A snapshot's records: memray's AllocationRecords, in memray's output order. */
export interface SnapshotRecords {
  /** Python stack id of each record. */
  readonly stackId: Int32Array;
  /** Native stack id of each record (0 without native traces). */
  readonly nativeId: Float64Array;
  /** memray thread id of each record. */
  readonly tid: Float64Array;
  /**
   * Memory-map generation of each record (native captures; symbolization uses it). memray takes
   * an arbitrary member's; we take the generation of the group's first allocation.
   */
  readonly generation: Float64Array;
  /** Bytes of each record. */
  readonly bytes: Float64Array;
  /** Allocation count of each record. */
  readonly count: Float64Array;
  /** Index of the earliest ALLOCATION record in the group (memray's sort key). */
  readonly firstSeq: Float64Array;
  readonly length: number;
}

/** Zero-filled records for `n` snapshot records. */
export function newRecords(n: number): SnapshotRecords {
  return {
    stackId: new Int32Array(n),
    nativeId: new Float64Array(n),
    tid: new Float64Array(n),
    generation: new Float64Array(n),
    bytes: new Float64Array(n),
    count: new Float64Array(n),
    firstSeq: new Float64Array(n),
    length: n,
  };
}

/** What one pass computed. */
export interface SnapshotResult {
  /** ALLOCATION records processed (allocations and deallocations). */
  readonly records: number;
  /** The high-water mark in bytes, as memray reports it. */
  readonly peakBytes: number;
  /** 0-based index of the ALLOCATION record at which the peak was (last) reached. */
  readonly peakIndex: number;
  readonly peak: SnapshotRecords;
  readonly leaks: SnapshotRecords;
  /** Present when a temporary threshold was given. */
  readonly temporary?: SnapshotRecords;
  /** Memory over time and what the time-range trees need (timeline.ts). */
  readonly timeline: TimelineData;
  /** Every group (stack + thread) as a record with zero bytes; timeline rows refer to these by index. */
  readonly groups: SnapshotRecords;
}

export class SnapshotBuilder implements AllocationSink {
  private readonly live = new LiveTable();
  private readonly ranges = new RangeSet();
  /** (stackId, nativeId * 2^20 + thread index) -> group id. */
  private readonly groupKeys = new PairInterner(4096);
  private groupTid: number[] = [];
  private groupGeneration: number[] = [];
  private readonly departed = new GroupTally();
  private readonly temp: TemporaryTracker | undefined;
  /** Fed the same deltas as the snapshots; kept apart so the hot path here stays readable. */
  private readonly timeline = new Timeline();
  private readonly startTime: number;
  private readonly threadIndex = new Map<number, number>();
  private lastTid = -1;
  private lastTidIndex = 0;
  private lastGroupA = -1;
  private lastGroupB = -1;
  private lastGroup = -1;

  private index = 0;
  private current = 0;
  private peakBytes = 0;
  private peakIndex = 0;
  private epoch = 0;

  /**
   * memray 1.4-1.6 (header version 9) moved the peak only on allocations and on munmaps that
   * freed something, and summed an munmap's freed bytes in a C int; 1.7 and later (versions
   * 10+) check for a new peak after every record (docs/capture-versions.md).
   */
  private readonly peakOnEveryRecord: boolean;

  constructor(opts: { temporaryThreshold?: number; startTime?: number; headerVersion?: number } = {}) {
    this.startTime = opts.startTime ?? 0;
    this.peakOnEveryRecord = (opts.headerVersion ?? 13) >= 10;
    if (opts.temporaryThreshold !== undefined && opts.temporaryThreshold >= 0) {
      this.temp = new TemporaryTracker(opts.temporaryThreshold + 1);
    }
  }

  private group(tid: number, stackId: number, nativeId: number, generation: number): number {
    if (tid !== this.lastTid) {
      let idx = this.threadIndex.get(tid);
      if (idx === undefined) {
        idx = this.threadIndex.size;
        this.threadIndex.set(tid, idx);
      }
      this.lastTid = tid;
      this.lastTidIndex = idx;
    }
    const b = nativeId * 1048576 + this.lastTidIndex;
    if (stackId === this.lastGroupA && b === this.lastGroupB) return this.lastGroup;
    const g = this.groupKeys.intern(stackId, b);
    if (g === this.groupTid.length) {
      this.groupTid.push(tid);
      this.groupGeneration.push(generation);
    }
    this.lastGroupA = stackId;
    this.lastGroupB = b;
    this.lastGroup = g;
    return g;
  }

  allocation(
    tid: number,
    address: number,
    size: number,
    allocator: number,
    stackId: number,
    nativeId: number,
    generation: number,
  ): void {
    const kind = ALLOCATOR_KIND[allocator]!;
    // One comparison for every record (frees have size 0): damage stops reading before it.
    if (size > MAX_BYTES - this.current && (kind === KIND_SIMPLE_ALLOC || kind === KIND_RANGED_ALLOC || size > MAX_BYTES)) {
      throw this.tooBig(size);
    }
    const i = this.index++;
    const live = this.live;
    let peakCheck = true;
    if (kind === KIND_SIMPLE_ALLOC) {
      const g = this.group(tid, stackId, nativeId, generation);
      this.current += size;
      const slot = live.upsert(address);
      // An allocation at a still-live address replaces the earlier one silently, as in memray
      // (capture-format.md section 9): the earlier one's free was not recorded, which happens.
      if (!live.isNew) {
        if (live.seqAt(slot) <= this.peakIndex) {
          // The replaced allocation was live at the peak candidate: it leaves the live set now.
          this.departed.add(live.groupAt(slot), this.epoch, live.sizeAt(slot), 1, live.seqAt(slot));
        }
        this.timeline.free(live.groupAt(slot), 1, live.sizeAt(slot), live.seqAt(slot));
      }
      live.set(slot, size, i, g);
      this.timeline.alloc(g, size);
      if (this.temp !== undefined) this.temp.allocate(tid, address, size, g, i);
    } else if (kind === KIND_SIMPLE_FREE) {
      const slot = live.find(address);
      if (slot >= 0) {
        const seq = live.seqAt(slot);
        const bytes = live.sizeAt(slot);
        this.current -= bytes;
        if (seq <= this.peakIndex) this.departed.add(live.groupAt(slot), this.epoch, bytes, 1, seq);
        this.timeline.free(live.groupAt(slot), 1, bytes, seq);
        live.removeAt(slot);
      }
      if (this.temp !== undefined) this.temp.free(tid, address, size, false, i);
      peakCheck = this.peakOnEveryRecord;
    } else if (kind === KIND_RANGED_ALLOC) {
      const g = this.group(tid, stackId, nativeId, generation);
      if (size > 0) {
        this.ranges.add(address * 8, size, g, i);
        this.current += size;
        this.timeline.alloc(g, size);
      }
      if (this.temp !== undefined) this.temp.allocate(tid, address, size, g, i);
    } else if (kind === KIND_RANGED_FREE) {
      const removed = this.ranges.remove(address * 8, size, this.peakIndex, this.departed, this.epoch, this.timeline);
      if (this.temp !== undefined) this.temp.free(tid, address, size, true, i);
      if (!this.peakOnEveryRecord) {
        peakCheck = removed !== 0;
        this.current -= removed | 0; // std::accumulate(..., 0, ...) sums in an int
      } else {
        this.current -= removed;
      }
    }
    if (peakCheck && this.current >= this.peakBytes) {
      this.peakBytes = this.current;
      this.peakIndex = i;
      this.epoch++;
    }
    if (this.current >= this.timeline.max) this.timeline.newMax(this.current, i);
  }

  /** A MEMORY_RECORD: a point of the memory series and the end of a period (timeline.ts). */
  memory(rss: number, msSinceStart: number): void {
    this.timeline.memory(this.startTime + msSinceStart, rss, this.current, this.index);
  }

  /** The error for a record whose size, or the heap it makes, is beyond MAX_BYTES. */
  private tooBig(size: number): RecordError {
    const n = `allocation record ${this.index}`;
    if (size > MAX_BYTES) return new RecordError(`${n} has a size of ${BigInt(size)} bytes, beyond 2^53 (a damaged size field)`);
    return new RecordError(`${n} of ${size} bytes would take the heap beyond 2^53 bytes (a damaged size field)`);
  }

  /** Index of the allocation record at which the temporary allocations' total would pass 2^53 bytes (-1: never). */
  get temporaryOverflow(): number {
    return this.temp === undefined ? -1 : this.temp.overflowAt;
  }

  /** Builds the snapshots from the state after the last record. */
  finish(): SnapshotResult {
    const groups = this.groupKeys.size;
    const peak = new GroupTally(groups);
    const leaks = new GroupTally(groups);
    const P = this.peakIndex;
    const live = this.live;
    live.forEach((size, seq, g) => {
      leaks.add(g, 0, size, 1, seq);
      if (seq <= P) peak.add(g, 0, size, 1, seq);
    });
    this.ranges.forEach((g, bytes, seq) => {
      leaks.add(g, 0, bytes, 1, seq);
      if (seq <= P) peak.add(g, 0, bytes, 1, seq);
    });
    if (this.index > 0) peak.merge(this.departed, this.epoch);
    const timeline = this.timeline.finish(this.index, (visit) => {
      live.forEach((size, seq, g) => visit(g, size, 1, seq));
      this.ranges.forEach((g, bytes, seq) => visit(g, bytes, 1, seq));
    });
    const all = new GroupTally(groups);
    for (let g = 0; g < groups; g++) all.add(g, 0, 0, 1, g);
    return {
      records: this.index,
      peakBytes: this.peakBytes,
      peakIndex: P,
      peak: this.records(peak),
      leaks: this.records(leaks),
      temporary: this.temp === undefined ? undefined : this.records(this.temp.tally),
      timeline,
      groups: this.records(all),
    };
  }

  private records(t: GroupTally): SnapshotRecords {
    const ids = t.present();
    const n = ids.length;
    const out = newRecords(n);
    for (let k = 0; k < n; k++) {
      const g = ids[k]!;
      out.stackId[k] = this.groupKeys.a(g);
      out.nativeId[k] = Math.floor(this.groupKeys.b(g) / 1048576);
      out.tid[k] = this.groupTid[g]!;
      out.generation[k] = this.groupGeneration[g]!;
      out.bytes[k] = t.bytes[g]!;
      out.count[k] = t.count[g]!;
      out.firstSeq[k] = t.minSeq[g]!;
    }
    return out;
  }
}
