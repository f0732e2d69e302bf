/**
 * Memory over time, fed by the snapshot builder during its one pass (docs/views.md "Memory
 * over time", "Time ranges"): the memory series, and per group (stack + thread, the records of
 * the ordinary trees) what the time-range trees need.
 *
 * Memory records cut the capture into periods: period k lies between memory record k - 1 and
 * memory record k (period 0 before the first record, period n after the last). memray's
 * snapshot indices are these period numbers.
 *
 * - Peak of a range: the tree at the moment of the highest heap of one period. Each period
 *   keeps its high-water mark and, per group, what the group held at that moment, stored as
 *   runs (`from` period, bytes, count): a group's value changes only in periods it is touched.
 *   The moment of a period's maximum is only known when the period ends, so a group remembers
 *   its value at the current candidate moment (an epoch bumped at each new in-period maximum)
 *   when it is first touched after that moment, and settles completed periods lazily on its
 *   next touch (or at the end): O(1) per record, no per-allocation state.
 * - Leaks of a range: lifetimes (group, allocation period, free period or never) with counts
 *   and bytes. The allocation period of a freed entry comes from its sequence number (the live
 *   table keeps it) and the first record index of each period; entries freed in the period
 *   that allocated them never count and are skipped on the fast path.
 *
 * Everything is typed arrays; nothing is allocated per record. All counts and bytes are
 * deltas, so the split of an mmap'd range (count 1 - pieces) adds up like the live set does.
 */

function grow<T extends Float64Array | Int32Array>(a: T, min: number): T {
  let cap = a.length;
  while (cap < min) cap *= 2;
  const n = new (a.constructor as { new (n: number): T })(cap);
  n.set(a);
  return n;
}

/** Growable columns of equal length. */
class Columns {
  group = new Int32Array(1024);
  a = new Int32Array(1024);
  b = new Int32Array(1024);
  bytes = new Float64Array(1024);
  count = new Float64Array(1024);
  length = 0;

  push(group: number, a: number, b: number, bytes: number, count: number): number {
    const i = this.length++;
    if (i >= this.group.length) {
      this.group = grow(this.group, i + 1);
      this.a = grow(this.a, i + 1);
      this.b = grow(this.b, i + 1);
      this.bytes = grow(this.bytes, i + 1);
      this.count = grow(this.count, i + 1);
    }
    this.group[i] = group;
    this.a[i] = a;
    this.b[i] = b;
    this.bytes[i] = bytes;
    this.count[i] = count;
    return i;
  }

  trimmed(): TimelineRuns {
    const n = this.length;
    return {
      group: this.group.slice(0, n),
      a: this.a.slice(0, n),
      b: this.b.slice(0, n),
      bytes: this.bytes.slice(0, n),
      count: this.count.slice(0, n),
      length: n,
    };
  }
}

/** Rows of (group, a, b, bytes, count). */
export interface TimelineRuns {
  readonly group: Int32Array;
  readonly a: Int32Array;
  /** Peak runs: unused (0). Lifetimes: the free period, -1 for never freed. */
  readonly b: Int32Array;
  readonly bytes: Float64Array;
  readonly count: Float64Array;
  readonly length: number;
}

/** What the pass computed over time. */
export interface TimelineData {
  /** Memory records read (n); there are n + 1 periods. */
  readonly memoryRecords: number;
  /** Per memory record: time in ms since the epoch, RSS and heap (memray's running total) in bytes. */
  readonly timeMs: Float64Array;
  readonly rss: Float64Array;
  readonly heap: Float64Array;
  /** Per period: index of its first ALLOCATION record. */
  readonly periodStart: Float64Array;
  /** Per period: its high-water mark (the highest heap, the period's starting heap included). */
  readonly hwm: Float64Array;
  /** Per period: index of the ALLOCATION record after which the high-water mark was (last) reached; -1: the period's start. */
  readonly hwmRecord: Float64Array;
  /** Peak runs: group `group` held `bytes` / `count` at the high-water mark of periods `a` .. (its next run). */
  readonly peakRuns: TimelineRuns;
  /** Lifetimes: `count` allocations of `bytes` by `group`, made in period `a` and freed in period `b` (-1: never). */
  readonly lifetimes: TimelineRuns;
}

export class Timeline {
  // The memory series.
  private timeMs = new Float64Array(256);
  private rss = new Float64Array(256);
  private heap = new Float64Array(256);
  // Per period (index = period).
  private periodStart = new Float64Array(256);
  private hwm = new Float64Array(256);
  private hwmRecord = new Float64Array(256);
  private finalEpoch = new Float64Array(256);
  private period = 0;
  /** The current period's high-water mark so far. */
  max = 0;
  private maxRecord = -1;
  private epoch = 0;
  /** Record index of the next ALLOCATION record (kept by the builder's calls). */
  private nextRecord = 0;

  // Per group.
  private gPeriod = new Int32Array(1024);
  private gEpoch = new Float64Array(1024);
  private gCurB = new Float64Array(1024);
  private gCurC = new Float64Array(1024);
  private gAtB = new Float64Array(1024);
  private gAtC = new Float64Array(1024);
  private gLastB = new Float64Array(1024);
  private gLastC = new Float64Array(1024);
  private groups = 0;

  private readonly runs = new Columns();
  private readonly lives = new Columns();
  /**
   * (group, allocation period) -> lifetime row, for the rows of entries freed in the current
   * period: open addressing over row numbers. The rows of the current period are exactly those
   * from `periodRow` on, so a slot holding an older row is free and a new period empties the
   * table at once (a boxed Map cost a hash and an allocation per entry on the hot path).
   */
  private freedRows = new Int32Array(1024).fill(-1);
  private periodRow = 0;
  /**
   * The last free's allocation period and lifetime row: frees come in runs of one group's
   * entries of one period (a structure torn down), which then skip the search and the table.
   */
  private lastA = 0;
  private lastRow = -1;

  /** One past the highest group id seen. */
  get groupCount(): number {
    return this.groups;
  }

  /** A MEMORY_RECORD: absolute time in ms, RSS; `heap` is the builder's running heap total. */
  memory(timeMs: number, rss: number, heap: number, nextRecord: number): void {
    const n = this.period;
    if (n + 1 >= this.hwm.length) this.growPeriods(n + 2);
    this.timeMs[n] = timeMs;
    this.rss[n] = rss;
    this.heap[n] = heap;
    this.hwm[n] = this.max;
    this.hwmRecord[n] = this.maxRecord;
    this.finalEpoch[n] = this.epoch;
    this.period = n + 1;
    this.periodStart[n + 1] = nextRecord;
    // The start of a period is its first candidate moment.
    this.max = heap;
    this.maxRecord = nextRecord - 1;
    this.epoch++;
    this.periodRow = this.lives.length;
  }

  /** The heap reached a new high for this period after ALLOCATION record `i` (call when heap >= max). */
  newMax(heap: number, i: number): void {
    this.max = heap;
    this.maxRecord = i;
    this.epoch++;
  }

  private touch(g: number): void {
    if (g >= this.groups) {
      if (g >= this.gPeriod.length) this.growGroups(g + 1);
      for (let k = this.groups; k <= g; k++) this.gPeriod[k] = this.period;
      this.groups = g + 1;
    }
    if (this.gPeriod[g] !== this.period) this.settle(g, this.period);
    if (this.gEpoch[g] !== this.epoch) {
      this.gAtB[g] = this.gCurB[g]!;
      this.gAtC[g] = this.gCurC[g]!;
      this.gEpoch[g] = this.epoch;
    }
  }

  /** Records group g's values for its completed periods up to (not including) `upTo`. */
  private settle(g: number, upTo: number): void {
    const L = this.gPeriod[g]!;
    const atMax = this.gEpoch[g] === this.finalEpoch[L];
    this.emit(g, L, atMax ? this.gAtB[g]! : this.gCurB[g]!, atMax ? this.gAtC[g]! : this.gCurC[g]!);
    if (L + 1 < upTo) this.emit(g, L + 1, this.gCurB[g]!, this.gCurC[g]!);
    this.gPeriod[g] = upTo;
  }

  private emit(g: number, from: number, bytes: number, count: number): void {
    if (bytes === this.gLastB[g] && count === this.gLastC[g]) return;
    this.runs.push(g, from, 0, bytes, count);
    this.gLastB[g] = bytes;
    this.gLastC[g] = count;
  }

  /** Group `g` gained an allocation of `size` bytes. */
  alloc(g: number, size: number): void {
    this.touch(g);
    this.gCurB[g] += size;
    this.gCurC[g]++;
  }

  /** Group `g` lost `bytes` and `count` allocations of an entry allocated at record `seq`. */
  free(g: number, count: number, bytes: number, seq: number): void {
    this.touch(g);
    this.gCurB[g] -= bytes;
    this.gCurC[g] -= count;
    const p = this.period;
    if (seq >= this.periodStart[p]!) return; // allocated and freed in this period
    const starts = this.periodStart;
    let a = this.lastA;
    // a < p here, so periodStart[a + 1] is set.
    if (seq < starts[a]! || seq >= starts[a + 1]!) a = this.lastA = this.periodOf(seq);
    const lives = this.lives;
    const first = this.periodRow;
    const last = this.lastRow;
    if (last >= first && lives.group[last] === g && lives.a[last] === a) {
      lives.bytes[last] += bytes;
      lives.count[last] += count;
      return;
    }
    let rows = this.freedRows;
    let mask = rows.length - 1;
    let h = Math.imul(g, 0x9e3779b1) ^ Math.imul(a + 1, 0x85ebca77);
    for (h = (h ^ (h >>> 15)) & mask; ; h = (h + 1) & mask) {
      const row = rows[h]!;
      if (row < first) break;
      if (lives.group[row] === g && lives.a[row] === a) {
        lives.bytes[row] += bytes;
        lives.count[row] += count;
        this.lastRow = row;
        return;
      }
    }
    rows[h] = this.lastRow = lives.push(g, a, p, bytes, count);
    if ((lives.length - first) * 2 > rows.length) {
      // Rehash the current period's rows into a table twice the size.
      rows = this.freedRows = new Int32Array(rows.length * 2).fill(-1);
      mask = rows.length - 1;
      for (let r = first; r < lives.length; r++) {
        let k = Math.imul(lives.group[r]!, 0x9e3779b1) ^ Math.imul(lives.a[r]! + 1, 0x85ebca77);
        for (k = (k ^ (k >>> 15)) & mask; rows[k]! >= first; k = (k + 1) & mask);
        rows[k] = r;
      }
    }
  }

  /** The period of ALLOCATION record `seq` (the last period starting at or before it). */
  private periodOf(seq: number): number {
    const starts = this.periodStart;
    let lo = 0;
    let hi = this.period;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid]! <= seq) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Ends the pass. `forEachLive` visits what is still allocated: (group, bytes, count, seq). */
  finish(records: number, forEachLive: (visit: (g: number, bytes: number, count: number, seq: number) => void) => void): TimelineData {
    const P = this.period;
    this.hwm[P] = this.max;
    this.hwmRecord[P] = this.maxRecord;
    this.finalEpoch[P] = this.epoch;
    for (let g = 0; g < this.groups; g++) this.settle(g, P + 1);
    const never = new Map<number, number>();
    forEachLive((g, bytes, count, seq) => {
      const a = this.periodOf(seq);
      const key = g * 67108864 + a;
      const row = never.get(key);
      if (row === undefined) never.set(key, this.lives.push(g, a, -1, bytes, count));
      else {
        this.lives.bytes[row] += bytes;
        this.lives.count[row] += count;
      }
    });
    void records;
    return {
      memoryRecords: P,
      timeMs: this.timeMs.slice(0, P),
      rss: this.rss.slice(0, P),
      heap: this.heap.slice(0, P),
      periodStart: this.periodStart.slice(0, P + 1),
      hwm: this.hwm.slice(0, P + 1),
      hwmRecord: this.hwmRecord.slice(0, P + 1),
      peakRuns: this.runs.trimmed(),
      lifetimes: this.lives.trimmed(),
    };
  }

  private growPeriods(min: number): void {
    this.timeMs = grow(this.timeMs, min);
    this.rss = grow(this.rss, min);
    this.heap = grow(this.heap, min);
    this.periodStart = grow(this.periodStart, min);
    this.hwm = grow(this.hwm, min);
    this.hwmRecord = grow(this.hwmRecord, min);
    this.finalEpoch = grow(this.finalEpoch, min);
  }

  private growGroups(min: number): void {
    this.gPeriod = grow(this.gPeriod, min);
    this.gEpoch = grow(this.gEpoch, min);
    this.gCurB = grow(this.gCurB, min);
    this.gCurC = grow(this.gCurC, min);
    this.gAtB = grow(this.gAtB, min);
    this.gAtC = grow(this.gAtC, min);
    this.gLastB = grow(this.gLastB, min);
    this.gLastC = grow(this.gLastC, min);
  }
}
