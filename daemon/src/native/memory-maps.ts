/**
 * A capture's memory maps (one image list per generation) and the symbolization of its
 * instruction pointers, as memray's SymbolResolver does it: segments sorted by (start, end,
 * file); the segment is the first whose end is >= ip, and the ip must lie in [start, end)
 * (so an ip equal to the end of one segment and the start of the next is missed, like memray);
 * an ip in no segment gives no frame at all; otherwise the image resolves `ip - 1 - load`.
 */
import type { Frame, Segment } from '../capture/capture-state.js';
import type { Symbolizer } from './symbolizer.js';

interface GenerationIndex {
  readonly start: Float64Array;
  readonly end: Float64Array;
  readonly load: Float64Array;
  readonly file: string[];
}

const NONE: readonly Frame[] = Object.freeze([]);

/** Symbolizes the instruction pointers of one capture, per generation, with a per-(ip, generation) cache. */
export class CaptureSymbols {
  private readonly index: (GenerationIndex | undefined)[] = [];
  private readonly cache = new Map<number, Map<number, readonly Frame[]>>();

  constructor(
    private readonly generations: readonly (readonly Segment[])[],
    private readonly symbolizer: Symbolizer,
  ) {}

  private generation(g: number): GenerationIndex | undefined {
    let gi = this.index[g];
    if (gi === undefined && g >= 1 && g < this.generations.length) {
      const segs = [...(this.generations[g] ?? [])];
      segs.sort((x, y) => x.start - y.start || x.end - y.end || (x.file < y.file ? -1 : x.file > y.file ? 1 : 0));
      gi = {
        start: Float64Array.from(segs, (s) => s.start),
        end: Float64Array.from(segs, (s) => s.end),
        load: Float64Array.from(segs, (s) => s.load),
        file: segs.map((s) => s.file),
      };
      this.index[g] = gi;
    }
    return gi;
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
    return this.symbolizer.framesAt(gi.file[l]!, ip - 1 - gi.load[l]!);
  }

  /** The symbolized native stack of `ips` (innermost first) in generation `g`. */
  nativeFrames(ips: readonly number[], g: number): Frame[] {
    const out: Frame[] = [];
    for (const ip of ips) for (const f of this.ipFrames(ip, g)) out.push(f);
    return out;
  }
}
