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
import { LiveTable, SPLIT, type GroupColumns } from './live-table.js';
import { RecordError, type AllocationSink } from '../capture/records.js';
import { GroupIndex, type GroupSums } from './group-index.js';
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
  /** See SnapshotBuilder.temporaryOverflow. */
  readonly temporaryOverflow: number;
}

/** What the live-table side computed: SnapshotResult with the snapshots as group sums (GroupIndex.records resolves them). */
export interface BuilderSums {
  readonly records: number;
  readonly peakBytes: number;
  readonly peakIndex: number;
  readonly peak: GroupSums;
  readonly leaks: GroupSums;
  readonly temporary?: GroupSums;
  readonly timeline: TimelineData;
  /** See SnapshotBuilder.temporaryOverflow. */
  readonly temporaryOverflow: number;
}

/** The peak and leaks snapshots of the records processed so far, as group sums (SnapshotBuilder.provisionalSums). */
export interface ProvisionalSums {
  /** ALLOCATION records processed so far. */
  readonly records: number;
  /** The highest heap so far in bytes. */
  readonly peakBytes: number;
  /** 0-based index of the ALLOCATION record at which that peak was (last) reached. */
  readonly peakIndex: number;
  /** The snapshot at the highest peak so far. */
  readonly peak: GroupSums;
  /** The live set so far. */
  readonly leaks: GroupSums;
  /** Milliseconds the live-table side spent on these sums (a walk over the live set). */
  readonly costMs: number;
}

export interface BuilderOptions {
  readonly temporaryThreshold?: number;
  readonly startTime?: number;
  readonly headerVersion?: number;
}

/**
 * The live-table side of the pass: counts per group id (`record`). As an AllocationSink it
 * also numbers the groups itself (the one-thread path); the two-thread pipeline numbers them
 * on the decoding thread and calls `record` here (snapshot-pipeline.ts).
 */
export class SnapshotBuilder implements AllocationSink {
  private readonly live = new LiveTable();
  private readonly ranges = new RangeSet();
  readonly groups = new GroupIndex();
  private readonly departed = new GroupTally();
  private readonly temp: TemporaryTracker | undefined;
  /** Fed the same deltas as the snapshots; kept apart so the hot path here stays readable. */
  private readonly timeline = new Timeline();
  private readonly startTime: number;

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

  constructor(opts: BuilderOptions = {}) {
    this.startTime = opts.startTime ?? 0;
    this.peakOnEveryRecord = (opts.headerVersion ?? 13) >= 10;
    if (opts.temporaryThreshold !== undefined && opts.temporaryThreshold >= 0) {
      this.temp = new TemporaryTracker(opts.temporaryThreshold + 1);
    }
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
    let g = -1;
    if (kind === KIND_SIMPLE_ALLOC || kind === KIND_RANGED_ALLOC) g = this.groups.group(tid, stackId, nativeId, generation);
    else this.groups.thread(tid);
    const hi = Math.floor(address / SPLIT);
    this.record(g, this.groups.lastTidIndex, hi, address - hi * SPLIT, size, allocator);
  }

  /**
   * One ALLOCATION record: group `g` (allocations; -1 for deallocations), the thread's dense
   * index (GroupIndex.thread), the address >> 3, size and allocator id.
   */
  record(g: number, thread: number, addressHi: number, addressLo: number, size: number, allocator: number): void {
    const kind = ALLOCATOR_KIND[allocator]!;
    // One comparison for every record (frees have size 0): damage stops reading before it.
    if (size > MAX_BYTES - this.current && (kind === KIND_SIMPLE_ALLOC || kind === KIND_RANGED_ALLOC || size > MAX_BYTES)) {
      throw this.tooBig(size);
    }
    const i = this.index++;
    const live = this.live;
    let peakCheck = true;
    if (kind === KIND_SIMPLE_ALLOC) {
      this.current += size;
      const slot = live.upsertSplit(addressHi, addressLo);
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
      if (this.temp !== undefined) this.temp.allocate(thread, addressHi * SPLIT + addressLo, size, g, i);
    } else if (kind === KIND_SIMPLE_FREE) {
      const slot = live.findSplit(addressHi, addressLo);
      if (slot >= 0) {
        const seq = live.seqAt(slot);
        const bytes = live.sizeAt(slot);
        this.current -= bytes;
        if (seq <= this.peakIndex) this.departed.add(live.groupAt(slot), this.epoch, bytes, 1, seq);
        this.timeline.free(live.groupAt(slot), 1, bytes, seq);
        live.removeAt(slot);
      }
      if (this.temp !== undefined) this.temp.free(thread, addressHi * SPLIT + addressLo, size, false, i);
      peakCheck = this.peakOnEveryRecord;
    } else if (kind === KIND_RANGED_ALLOC) {
      const address = addressHi * SPLIT + addressLo;
      if (size > 0) {
        this.ranges.add(address * 8, size, g, i);
        this.current += size;
        this.timeline.alloc(g, size);
      }
      if (this.temp !== undefined) this.temp.allocate(thread, address, size, g, i);
    } else if (kind === KIND_RANGED_FREE) {
      const address = addressHi * SPLIT + addressLo;
      const removed = this.ranges.remove(address * 8, size, this.peakIndex, this.departed, this.epoch, this.timeline);
      if (this.temp !== undefined) this.temp.free(thread, address, size, true, i);
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

  /**
   * The snapshots as of the records processed so far, for provisional trees while a capture is
   * still being read: the peak so far (the live entries allocated up to the current peak
   * candidate plus the current epoch's departed tallies: what finishSums() would give if the
   * capture ended here) and the live set so far. Leaves the builder unchanged; costs a walk
   * over the live set, so call it every second or so, never per record.
   */
  provisionalSums(): ProvisionalSums {
    const t0 = performance.now();
    const { peak, leaks } = this.tallyLive();
    const sums = { peak: peak.sums(), leaks: leaks.sums() };
    return { records: this.index, peakBytes: this.peakBytes, peakIndex: this.peakIndex, ...sums, costMs: performance.now() - t0 };
  }

  /** The live set (`leaks`), and its part allocated up to the peak candidate plus the departed tallies (`peak`). */
  private tallyLive(): { peak: GroupTally; leaks: GroupTally } {
    const P = this.peakIndex;
    // Every live entry's group went through timeline.alloc, so the timeline knows them all.
    const n = Math.max(16, this.timeline.groupCount);
    const columns = (): GroupColumns => ({ bytes: new Float64Array(n), count: new Float64Array(n), minSeq: new Float64Array(n).fill(Infinity) });
    const l = columns();
    const p = columns();
    this.live.sumByGroup(P, l, p);
    const leaks = GroupTally.fromColumns(l.bytes, l.count, l.minSeq);
    const peak = GroupTally.fromColumns(p.bytes, p.count, p.minSeq);
    this.ranges.forEach((g, bytes, seq) => {
      leaks.add(g, 0, bytes, 1, seq);
      if (seq <= P) peak.add(g, 0, bytes, 1, seq);
    });
    if (this.index > 0) peak.merge(this.departed, this.epoch);
    return { peak, leaks };
  }

  /** Builds the snapshots from the state after the last record, as group sums. */
  finishSums(): BuilderSums {
    const P = this.peakIndex;
    const live = this.live;
    const { peak, leaks } = this.tallyLive();
    const timeline = this.timeline.finish(this.index, (visit) => {
      live.forEach((size, seq, g) => visit(g, size, 1, seq));
      this.ranges.forEach((g, bytes, seq) => visit(g, bytes, 1, seq));
    });
    return {
      records: this.index,
      peakBytes: this.peakBytes,
      peakIndex: P,
      peak: peak.sums(),
      leaks: leaks.sums(),
      temporary: this.temp?.tally.sums(),
      timeline,
      temporaryOverflow: this.temporaryOverflow,
    };
  }

  /** Builds the snapshots from the state after the last record (groups numbered by this builder). */
  finish(): SnapshotResult {
    return resolveSums(this.finishSums(), this.groups);
  }
}

/** The snapshots of `s` as memray's records, with the groups of `groups`. */
export function resolveSums(s: BuilderSums, groups: GroupIndex): SnapshotResult {
  return {
    records: s.records,
    peakBytes: s.peakBytes,
    peakIndex: s.peakIndex,
    peak: groups.records(s.peak),
    leaks: groups.records(s.leaks),
    temporary: s.temporary === undefined ? undefined : groups.records(s.temporary),
    timeline: s.timeline,
    groups: groups.all(),
    temporaryOverflow: s.temporaryOverflow,
  };
}
