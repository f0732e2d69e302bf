/**
 * Temporary allocations (docs/capture-format.md section 11): an allocation is temporary if
 * the thread that frees it made it and made at most N other allocations in between. Each
 * thread keeps its last N + 1 allocations, newest first; a deallocation on that thread that
 * matches one (by address, and for munmap also by exact size) counts it. Matched entries stay
 * in the window, exactly as in memray.
 */
import { GroupTally } from './group-tally.js';

/** Bytes the temporary allocations may add up to (see MAX_BYTES in snapshot-builder.ts). */
const MAX_TOTAL = Number.MAX_SAFE_INTEGER;

class Window {
  addr: Float64Array;
  size: Float64Array;
  seq: Float64Array;
  group: Int32Array;
  /** Index of the newest entry. */
  head = 0;
  len = 0;

  constructor(
    capacity: number,
    readonly max: number,
  ) {
    this.addr = new Float64Array(capacity);
    this.size = new Float64Array(capacity);
    this.seq = new Float64Array(capacity);
    this.group = new Int32Array(capacity);
  }

  get capacity(): number {
    return this.addr.length;
  }

  /** Grows the ring (entries stay newest-first from index 0). */
  grow(): void {
    // The old capacity, read once: `capacity` follows `addr`, which is replaced first.
    const old = this.capacity;
    const cap = Math.min(this.max, old * 2);
    const take = <T extends Float64Array | Int32Array>(a: T, n: T): T => {
      for (let k = 0; k < this.len; k++) n[k] = a[(this.head + k) % old]!;
      return n;
    };
    this.addr = take(this.addr, new Float64Array(cap));
    this.size = take(this.size, new Float64Array(cap));
    this.seq = take(this.seq, new Float64Array(cap));
    this.group = take(this.group, new Int32Array(cap));
    this.head = 0;
  }
}

export class TemporaryTracker {
  readonly tally = new GroupTally(1024);
  private readonly windows = new Map<number, Window>();
  private total = 0;
  /**
   * The allocation record at which the total would have passed 2^53 bytes (damaged sizes), or
   * -1. From there on nothing more is counted: the tally stays exact.
   */
  overflowAt = -1;

  /** `windowSize` = threshold + 1. */
  constructor(private readonly windowSize: number) {}

  allocate(tid: number, address: number, size: number, group: number, seq: number): void {
    let w = this.windows.get(tid);
    if (w === undefined) {
      w = new Window(Math.min(this.windowSize, 16), this.windowSize);
      this.windows.set(tid, w);
    }
    if (w.len === w.capacity && w.capacity < w.max) w.grow();
    const cap = w.capacity;
    w.head = w.head === 0 ? cap - 1 : w.head - 1;
    w.addr[w.head] = address;
    w.size[w.head] = size;
    w.seq[w.head] = seq;
    w.group[w.head] = group;
    if (w.len < cap) w.len++;
  }

  /** A deallocation (record `record`) on thread `tid`. */
  free(tid: number, address: number, size: number, ranged: boolean, record: number): void {
    const w = this.windows.get(tid);
    if (w === undefined || this.overflowAt >= 0) return;
    const cap = w.capacity;
    for (let k = 0; k < w.len; k++) {
      let j = w.head + k;
      if (j >= cap) j -= cap;
      if (w.addr[j] === address && (!ranged || w.size[j] === size)) {
        const bytes = w.size[j]!;
        if (bytes > MAX_TOTAL - this.total) {
          this.overflowAt = record;
          return;
        }
        this.total += bytes;
        this.tally.add(w.group[j]!, 0, bytes, 1, w.seq[j]!);
        return;
      }
    }
  }
}
