/**
 * Live mmap'd ranges (MMAP / MUNMAP), with memray's semantics (docs/capture-format.md 10.4):
 * ranges are never merged, an munmap trims or splits every range it overlaps, and each
 * surviving fragment counts as one allocation. Real captures hold few live mappings, so a
 * flat list in insertion order (as memray keeps it) is both simplest and fast enough.
 */
import type { GroupTally } from './group-tally.js';
import type { Timeline } from './timeline.js';

export class RangeSet {
  private begin: number[] = [];
  private end: number[] = [];
  private group: number[] = [];
  private seq: number[] = [];

  /** Number of live fragments. */
  get size(): number {
    return this.begin.length;
  }

  add(start: number, size: number, group: number, seq: number): void {
    this.begin.push(start);
    this.end.push(start + size);
    this.group.push(group);
    this.seq.push(seq);
  }

  /**
   * Removes [start, start + size) from every range and returns the bytes removed. Fragments
   * allocated at or before `peakIndex` report what they lose (bytes, and fragments lost minus
   * fragments gained) to `departed` under `epoch`, so the peak snapshot can be rebuilt, and
   * every fragment's loss to `timeline`.
   */
  remove(start: number, size: number, peakIndex: number, departed: GroupTally, epoch: number, timeline?: Timeline): number {
    if (size <= 0) return 0;
    const stop = start + size;
    let freed = 0;
    let touched = false;
    for (let i = 0; i < this.begin.length; i++) {
      if (this.end[i]! > start && this.begin[i]! < stop) {
        touched = true;
        break;
      }
    }
    if (!touched) return 0;
    const nb: number[] = [];
    const ne: number[] = [];
    const ng: number[] = [];
    const ns: number[] = [];
    for (let i = 0; i < this.begin.length; i++) {
      const b = this.begin[i]!;
      const e = this.end[i]!;
      const g = this.group[i]!;
      const s = this.seq[i]!;
      const lo = Math.max(b, start);
      const hi = Math.min(e, stop);
      if (hi <= lo) {
        nb.push(b), ne.push(e), ng.push(g), ns.push(s);
        continue;
      }
      freed += hi - lo;
      let pieces = 0;
      if (b < start) {
        nb.push(b), ne.push(start), ng.push(g), ns.push(s);
        pieces++;
      }
      if (stop < e) {
        nb.push(stop), ne.push(e), ng.push(g), ns.push(s);
        pieces++;
      }
      if (s <= peakIndex) departed.add(g, epoch, hi - lo, 1 - pieces, s);
      timeline?.free(g, 1 - pieces, hi - lo, s);
    }
    this.begin = nb;
    this.end = ne;
    this.group = ng;
    this.seq = ns;
    return freed;
  }

  /** Calls `fn(group, bytes, seq)` for each live fragment. */
  forEach(fn: (group: number, bytes: number, seq: number) => void): void {
    for (let i = 0; i < this.begin.length; i++) fn(this.group[i]!, this.end[i]! - this.begin[i]!, this.seq[i]!);
  }
}
