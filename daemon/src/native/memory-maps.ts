/**
 * A capture's memory maps (one image list per generation) and the symbolization of its
 * instruction pointers, as memray's SymbolResolver does it: segments sorted by (start, end,
 * file); the segment is the first whose end is >= ip, and the ip must lie in [start, end)
 * (so an ip equal to the end of one segment and the start of the next is missed, like memray);
 * an ip in no segment gives no frame at all; otherwise the image resolves `ip - 1 - load`.
 */
import type { Frame, Segment } from '../capture/capture-state.js';
import type { Symbolizer } from './symbolizer.js';

/** A segment; the load address may be missing (segments built by hand in tests). */
export type MappedSegment = Omit<Segment, 'load'> & { readonly load?: number };

interface GenerationIndex {
  readonly start: Float64Array;
  readonly end: Float64Array;
  readonly file: string[];
  /** Load address per sorted segment, resolved on first use (NaN: not yet). */
  readonly load: Float64Array;
  /** Sorted position -> position in the capture's list (to recover load addresses). */
  readonly original: Int32Array;
}

const NONE: readonly Frame[] = Object.freeze([]);

/** Symbolizes the instruction pointers of one capture, per generation, with a per-(ip, generation) cache. */
export class CaptureSymbols {
  private readonly index: (GenerationIndex | undefined)[] = [];
  private readonly cache = new Map<number, Map<number, readonly Frame[]>>();

  constructor(
    private readonly generations: readonly (readonly MappedSegment[])[],
    private readonly symbolizer: Symbolizer,
  ) {}

  private generation(g: number): GenerationIndex | undefined {
    let gi = this.index[g];
    if (gi === undefined && g >= 1 && g < this.generations.length) {
      const segs = this.generations[g] ?? [];
      const order = segs.map((_, i) => i);
      order.sort((a, b) => {
        const x = segs[a]!;
        const y = segs[b]!;
        return x.start - y.start || x.end - y.end || (x.file < y.file ? -1 : x.file > y.file ? 1 : 0);
      });
      gi = {
        start: Float64Array.from(order, (i) => segs[i]!.start),
        end: Float64Array.from(order, (i) => segs[i]!.end),
        file: order.map((i) => segs[i]!.file),
        load: new Float64Array(order.length).fill(NaN),
        original: Int32Array.from(order),
      };
      this.index[g] = gi;
    }
    return gi;
  }

  /** Load address of sorted segment `k` of generation `g`. */
  private loadOf(g: number, gi: GenerationIndex, k: number): number {
    let load = gi.load[k]!;
    if (!Number.isNaN(load)) return load;
    const segs = this.generations[g]!;
    const i = gi.original[k]!;
    const seg = segs[i]!;
    if (seg.load !== undefined) load = seg.load;
    else {
      // The reader dropped SEGMENT_HEADER's load address: the image's segments were written
      // consecutively in PT_LOAD order, so match this one with its program header.
      let first = i;
      while (first > 0 && segs[first - 1]!.file === seg.file) first--;
      const loads = this.symbolizer.image(seg.file).loadSegments();
      const n = loads.length;
      load = n === 0 ? segs[first]!.start : seg.start - loads[(i - first) % n]!.vaddr;
    }
    gi.load[k] = load;
    return load;
  }

  /** Frames of one instruction pointer in generation `g` (empty when it is in no segment). */
  ipFrames(ip: number, g: number): readonly Frame[] {
    let byIp = this.cache.get(g);
    if (byIp === undefined) {
      byIp = new Map();
      this.cache.set(g, byIp);
    }
    let frames = byIp.get(ip);
    if (frames === undefined) {
      frames = this.resolve(ip, g);
      byIp.set(ip, frames);
    }
    return frames;
  }

  private resolve(ip: number, g: number): readonly Frame[] {
    const gi = this.generation(g);
    if (gi === undefined) return NONE;
    let l = 0;
    let h = gi.end.length;
    while (l < h) {
      const m = (l + h) >>> 1;
      if (gi.end[m]! < ip) l = m + 1;
      else h = m;
    }
    if (l >= gi.end.length || !(gi.start[l]! <= ip && ip < gi.end[l]!)) return NONE;
    return this.symbolizer.framesAt(gi.file[l]!, ip - 1 - this.loadOf(g, gi, l));
  }

  /** The symbolized native stack of `ips` (innermost first) in generation `g`. */
  nativeFrames(ips: readonly number[], g: number): Frame[] {
    const out: Frame[] = [];
    for (const ip of ips) for (const f of this.ipFrames(ip, g)) out.push(f);
    return out;
  }
}
