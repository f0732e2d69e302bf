/**
 * Per-group sums (bytes, allocation count, earliest sequence number) on growable typed
 * arrays. Each group's sums carry an epoch stamp: adding under a newer epoch first resets
 * them, which lets the snapshot builder empty every tally in O(1) when a new peak is reached.
 */
import type { GroupSums } from './group-index.js';

export class GroupTally {
  bytes: Float64Array;
  count: Float64Array;
  minSeq: Float64Array;
  private epochs: Float64Array;
  /** One past the highest group id touched. */
  private top = 0;

  constructor(capacity = 1024) {
    const cap = Math.max(16, capacity);
    this.bytes = new Float64Array(cap);
    this.count = new Float64Array(cap);
    this.minSeq = new Float64Array(cap);
    this.epochs = new Float64Array(cap).fill(-1);
  }

  /**
   * A tally (epoch 0) of columns indexed by group id, as LiveTable.sumByGroup fills them; the
   * groups with no allocation stay untouched. Takes the arrays.
   */
  static fromColumns(bytes: Float64Array, count: Float64Array, minSeq: Float64Array): GroupTally {
    const t = new GroupTally(0);
    const n = bytes.length;
    const epochs = new Float64Array(n);
    for (let g = 0; g < n; g++) if (count[g] === 0) epochs[g] = -1;
    t.bytes = bytes;
    t.count = count;
    t.minSeq = minSeq;
    t.epochs = epochs;
    t.top = n;
    return t;
  }

  /** Adds to group `g` under `epoch`, discarding sums of an older epoch. */
  add(g: number, epoch: number, bytes: number, count: number, seq: number): void {
    if (g >= this.bytes.length) this.grow(g + 1);
    if (g >= this.top) this.top = g + 1;
    if (this.epochs[g] !== epoch) {
      this.epochs[g] = epoch;
      this.bytes[g] = bytes;
      this.count[g] = count;
      this.minSeq[g] = seq;
      return;
    }
    this.bytes[g] += bytes;
    this.count[g] += count;
    if (seq < this.minSeq[g]!) this.minSeq[g] = seq;
  }

  /** Adds every group of `other` stamped with `epoch` into this tally (under epoch 0). */
  merge(other: GroupTally, epoch: number): void {
    for (let g = 0; g < other.top; g++) {
      if (other.epochs[g] === epoch) this.add(g, 0, other.bytes[g]!, other.count[g]!, other.minSeq[g]!);
    }
  }

  /** Group ids with at least one allocation, in order of their earliest allocation. */
  present(): number[] {
    const ids: number[] = [];
    for (let g = 0; g < this.top; g++) if (this.epochs[g] !== -1 && this.count[g]! > 0) ids.push(g);
    ids.sort((x, y) => this.minSeq[x]! - this.minSeq[y]!);
    return ids;
  }

  /** The groups of `present()` with their sums, as arrays (what crosses threads). */
  sums(): GroupSums {
    const present = this.present();
    const n = present.length;
    const out = { ids: Int32Array.from(present), bytes: new Float64Array(n), count: new Float64Array(n), minSeq: new Float64Array(n) };
    for (let k = 0; k < n; k++) {
      const g = present[k]!;
      out.bytes[k] = this.bytes[g]!;
      out.count[k] = this.count[g]!;
      out.minSeq[k] = this.minSeq[g]!;
    }
    return out;
  }

  private grow(min: number): void {
    let cap = this.bytes.length;
    while (cap < min) cap *= 2;
    const grow = (a: Float64Array, fill: number): Float64Array => {
      const n = new Float64Array(cap).fill(fill);
      n.set(a);
      return n;
    };
    this.bytes = grow(this.bytes, 0);
    this.count = grow(this.count, 0);
    this.minSeq = grow(this.minSeq, 0);
    this.epochs = grow(this.epochs, -1);
  }
}
