/**
 * The order memray 1.19 and older (header versions 9-12) return snapshot records in
 * (docs/capture-versions.md section 5). memray's tree sorts records by size with a stable
 * sort, so this order decides which of several equal-sized records a `-b` cut keeps, which
 * thread labels a node shows and how equal-valued children are ordered.
 *
 * Those versions collect each snapshot into a `std::unordered_map<LocationKey, Allocation>`
 * (LocationKey = (frame-tree index, native frame id, thread id), hashed
 * `python_frame_id ^ (native_frame_id + 2147483647) ^ thread_id`) and return it in libstdc++'s
 * iteration order (stl-hash-order.ts). What is inserted, in what order:
 * - peak and leaks (SnapshotAllocationAggregator): the live allocations in the iteration order
 *   of `std::unordered_map<uintptr_t, Allocation>` keyed by address, which depends on every
 *   insert and erase before the snapshot (and its rehashes), then the mmap'd ranges in the order
 *   of memray's interval vector. `LegacyOrderSink` replays the ALLOCATION records to get it.
 * - temporary (TemporaryAllocationsAggregator): the matched allocations in the order of the
 *   deallocations that matched them (also replayed by `LegacyOrderSink`).
 * - AGGREGATED_ALLOCATIONS files (AggregatedCaptureReaggregator): the file's records in file
 *   order, i.e. the order our aggregated snapshot already has.
 * memray's frame-tree index is our Python stack id (both number (parent, frame) pairs in the
 * order FRAME_PUSH first reaches them, from 1), and its thread ids are the capture's.
 */
import { PairInterner } from '../capture/int-tables.js';
import { ALLOCATOR_KIND, KIND_RANGED_ALLOC, KIND_RANGED_FREE, KIND_SIMPLE_ALLOC, KIND_SIMPLE_FREE } from '../capture/allocators.js';
import { RecordError, type AllocationSink } from '../capture/records.js';
import type { SnapshotRecords } from './snapshot-builder.js';
import { StlHashOrder } from './stl-hash-order.js';

const TWO_32 = 4294967296;

/** The last header version whose memray returns snapshot records in hash order (memray 1.19). */
export const LAST_HASH_ORDERED_VERSION = 12;

/** memray's `index_thread_pair_hash` of (stack id, native id, tid) as 32-bit halves. */
export function locationHash(stackId: number, nativeId: number, tid: number): [number, number] {
  const h = BigInt.asUintN(64, BigInt(stackId) ^ (BigInt(nativeId) + 2147483647n) ^ BigInt(tid));
  return [Number(h >> 32n), Number(h & 0xffffffffn)];
}

/**
 * The iteration order of memray's LocationKey map after inserting the records `sequence`
 * (indices into `r`, each once, in insertion order): record indices in the order memray
 * returns them.
 */
export function locationOrder(r: SnapshotRecords, sequence: ArrayLike<number>): Int32Array {
  const map = new StlHashOrder();
  for (let i = 0; i < sequence.length; i++) {
    const k = sequence[i]!;
    const [hi, lo] = locationHash(r.stackId[k]!, r.nativeId[k]!, r.tid[k]!);
    if (map.find(k, hi, lo) < 0) map.insert(k, hi, lo);
  }
  const out = new Int32Array(map.size);
  let n = 0;
  map.forEach((k) => {
    out[n++] = k;
  });
  return out;
}

/** Whether two records have the same size (else any order gives memray's size-sorted order). */
export function hasTies(r: SnapshotRecords): boolean {
  const sizes = Float64Array.from(r.bytes).sort();
  for (let i = 1; i < sizes.length; i++) if (sizes[i] === sizes[i - 1]) return true;
  return false;
}

/** `r` with its records in the order `order` (a permutation of its indices). */
export function permuteRecords(r: SnapshotRecords, order: ArrayLike<number>): SnapshotRecords {
  const pick = <T extends Int32Array | Float64Array>(a: T, out: T): T => {
    for (let i = 0; i < order.length; i++) out[i] = a[order[i]!]!;
    return out;
  };
  const n = order.length;
  return {
    stackId: pick(r.stackId, new Int32Array(n)),
    nativeId: pick(r.nativeId, new Float64Array(n)),
    tid: pick(r.tid, new Float64Array(n)),
    generation: pick(r.generation, new Float64Array(n)),
    bytes: pick(r.bytes, new Float64Array(n)),
    count: pick(r.count, new Float64Array(n)),
    firstSeq: pick(r.firstSeq, new Float64Array(n)),
    length: n,
  };
}

/**
 * memray's hash order of `r`'s records, as indices into `r`, given the order in which memray
 * inserted their groups (`groups`, from LegacyOrderSink) and the group of each record
 * (`groupOf`). Records whose group memray did not insert (none, if the snapshots agree) keep
 * their order after the others.
 */
export function hashOrder(r: SnapshotRecords, groups: Int32Array, groupOf: (k: number) => number): Int32Array {
  const recordOfGroup = new Map<number, number>();
  for (let k = 0; k < r.length; k++) recordOfGroup.set(groupOf(k), k);
  const sequence: number[] = [];
  const placed = new Uint8Array(r.length);
  for (const g of groups) {
    const k = recordOfGroup.get(g);
    if (k === undefined || placed[k] === 1) continue;
    placed[k] = 1;
    sequence.push(k);
  }
  const order = new Int32Array(r.length);
  order.set(locationOrder(r, sequence));
  let n = sequence.length;
  for (let k = 0; k < r.length; k++) if (placed[k] === 0) order[n++] = k;
  return order;
}

interface Interval {
  begin: number;
  end: number;
  group: number;
}

/**
 * Replays a capture's ALLOCATION records as memray 1.19 and older aggregate them, only to learn
 * the order in which each snapshot's groups reach the LocationKey map: the peak (the first
 * `peakIndex + 1` records), the leaks (all records) and, with a threshold, the temporary
 * allocations.
 */
export class LegacyOrderSink implements AllocationSink {
  /** (stack id, native id * 2^20 + thread index) -> group. */
  private readonly groups = new PairInterner(1024);
  private readonly threads = new Map<number, number>();
  private readonly live = new StlHashOrder();
  private intervals: Interval[] = [];
  private records = 0;
  private peakGroups: Int32Array | undefined;
  /** Temporary: per thread the last N + 1 allocations, newest first (address, size, group). */
  private readonly windows = new Map<number, { addr: number[]; size: number[]; group: number[] }>();
  private readonly temporaryGroups: number[] = [];
  private readonly temporarySeen = new Set<number>();
  /** The last allocation's (stack, native, tid) and group: runs of one stack are common. */
  private lastStack = -1;
  private lastNative = -1;
  private lastTid = -1;
  private lastGroup = -1;

  /**
   * `peakIndex`: the record at the peak (memray reads `peakIndex + 1` records for it); `total`:
   * the records the snapshots count (reading stops there, as the first pass did, e.g. at a
   * size it refused); `temporaryWindow`: threshold + 1, or 0 for no temporary snapshot.
   */
  constructor(
    private readonly peakIndex: number,
    private readonly total: number,
    private readonly temporaryWindow = 0,
  ) {}

  /** The group memray would key (stack id, native id, tid) under. */
  groupOf(stackId: number, nativeId: number, tid: number): number {
    return this.groups.find(stackId, nativeId * 1048576 + this.thread(tid));
  }

  private thread(tid: number): number {
    let t = this.threads.get(tid);
    if (t === undefined) {
      t = this.threads.size;
      this.threads.set(tid, t);
    }
    return t;
  }

  allocation(tid: number, address: number, size: number, allocator: number, stackId: number, nativeId: number): void {
    if (this.records >= this.total) throw new RecordError('past the records the snapshots count');
    // The reader hands address >> 3; memray keys and hashes the whole (8-aligned) address.
    const addr = address * 8;
    const hi = Math.floor(addr / TWO_32);
    const lo = addr - hi * TWO_32;
    const kind = ALLOCATOR_KIND[allocator]!;
    if (kind === KIND_SIMPLE_ALLOC || kind === KIND_RANGED_ALLOC) {
      if (stackId !== this.lastStack || nativeId !== this.lastNative || tid !== this.lastTid) {
        this.lastGroup = this.groups.intern(stackId, nativeId * 1048576 + this.thread(tid));
        this.lastStack = stackId;
        this.lastNative = nativeId;
        this.lastTid = tid;
      }
      const group = this.lastGroup;
      if (kind === KIND_SIMPLE_ALLOC) {
        // d_ptr_to_allocation[address] = allocation: a live address keeps its node.
        let node = this.live.find(addr, hi, lo);
        if (node < 0) node = this.live.insert(addr, hi, lo);
        this.live.setValue(node, group);
      } else if (size > 0) {
        this.intervals.push({ begin: addr, end: addr + size, group });
      }
      if (this.temporaryWindow > 0) this.remember(tid, addr, size, group);
    } else if (kind === KIND_SIMPLE_FREE) {
      this.live.erase(addr, hi, lo);
      if (this.temporaryWindow > 0) this.matchTemporary(tid, addr, size, false);
    } else if (kind === KIND_RANGED_FREE) {
      if (size > 0) this.removeInterval(addr, addr + size);
      if (this.temporaryWindow > 0) this.matchTemporary(tid, addr, size, true);
    }
    if (this.records++ === this.peakIndex) this.peakGroups = this.snapshotGroups();
  }

  /** The order the peak snapshot's groups reached the LocationKey map. */
  peak(): Int32Array {
    return this.peakGroups ?? this.snapshotGroups();
  }

  /** The order the leaks snapshot's groups reached the LocationKey map. */
  leaks(): Int32Array {
    return this.snapshotGroups();
  }

  /** The order the temporary snapshot's groups reached the LocationKey map. */
  temporary(): Int32Array {
    return Int32Array.from(this.temporaryGroups);
  }

  /** Groups in first-seen order over the address map's iteration, then the interval vector. */
  private snapshotGroups(): Int32Array {
    const seen = new Uint8Array(this.groups.size);
    const out: number[] = [];
    const note = (g: number): void => {
      if (seen[g] === 0) {
        seen[g] = 1;
        out.push(g);
      }
    };
    this.live.forEach((_addr, g) => note(g));
    for (const iv of this.intervals) note(iv.group);
    return Int32Array.from(out);
  }

  /** IntervalTree::removeInterval: survivors keep their place, a split leaves two in place. */
  private removeInterval(begin: number, end: number): void {
    const out: Interval[] = [];
    for (const iv of this.intervals) {
      const lo = Math.max(iv.begin, begin);
      const hi = Math.min(iv.end, end);
      if (hi <= lo) {
        out.push(iv);
        continue;
      }
      if (lo === iv.begin && hi === iv.end) continue;
      if (lo === iv.begin) out.push({ begin: hi, end: iv.end, group: iv.group });
      else if (hi === iv.end) out.push({ begin: iv.begin, end: lo, group: iv.group });
      else {
        out.push({ begin: iv.begin, end: lo, group: iv.group });
        out.push({ begin: hi, end: iv.end, group: iv.group });
      }
    }
    this.intervals = out;
  }

  private remember(tid: number, addr: number, size: number, group: number): void {
    let w = this.windows.get(tid);
    if (w === undefined) {
      w = { addr: [], size: [], group: [] };
      this.windows.set(tid, w);
    }
    w.addr.unshift(addr);
    w.size.unshift(size);
    w.group.unshift(group);
    if (w.addr.length > this.temporaryWindow) {
      w.addr.pop();
      w.size.pop();
      w.group.pop();
    }
  }

  /** A deallocation matching one of its thread's window (newest first) adds that allocation. */
  private matchTemporary(tid: number, addr: number, size: number, ranged: boolean): void {
    const w = this.windows.get(tid);
    if (w === undefined) return;
    for (let j = 0; j < w.addr.length; j++) {
      if (w.addr[j] === addr && (!ranged || w.size[j] === size)) {
        const g = w.group[j]!;
        if (!this.temporarySeen.has(g)) {
          this.temporarySeen.add(g);
          this.temporaryGroups.push(g);
        }
        return;
      }
    }
  }
}
