/**
 * Turns PCs inside images into memray's frames, caching per (image identity, file address) in
 * memory and, optionally, in a persistent store shared across captures (the daemon's SQLite
 * index) — the same unchanged binary gives the same answer. Synchronous throughout: it runs in
 * a worker thread.
 */
import type { Frame } from '../capture/capture-state.js';
import { Image } from './image.js';

/** A persistent cache of resolved frames, keyed by an image identity (see `Image.key`). */
export interface SymbolCache {
  get(imageKey: string, fileAddress: number): readonly Frame[] | undefined;
  set(imageKey: string, fileAddress: number, frames: readonly Frame[]): void;
}

/** Where an image named in a capture is on this machine. */
export type PathMap = ReadonlyArray<readonly [from: string, to: string]> | ((path: string) => string);

/** Options of a Symbolizer. */
export interface SymbolizerOptions {
  /** Prefix replacements (first match wins) or a function, applied to every image path. */
  readonly pathMap?: PathMap;
  readonly cache?: SymbolCache;
  /** Replaces /usr/lib/debug in the debug-file search (tests). */
  readonly debugRoot?: string;
}

function mapper(m: PathMap | undefined): (p: string) => string {
  if (m === undefined) return (p) => p;
  if (typeof m === 'function') return m;
  return (p) => {
    for (const [from, to] of m) if (p.startsWith(from)) return to + p.slice(from.length);
    return p;
  };
}

/** Images opened once, frames cached per (image identity, file address); shareable across captures. */
export class Symbolizer {
  private readonly images = new Map<string, Image>();
  private readonly memo = new Map<string, Map<number, readonly Frame[]>>();
  private readonly mapPath: (p: string) => string;
  /** Lookups answered by the persistent cache / computed, for diagnostics and benchmarks. */
  readonly stats = { cacheHits: 0, resolved: 0 };

  constructor(private readonly opts: SymbolizerOptions = {}) {
    this.mapPath = mapper(opts.pathMap);
  }

  /** The image a capture calls `file`, opened once per symbolizer. */
  image(file: string): Image {
    let img = this.images.get(file);
    if (img === undefined) {
      img = Image.open(this.mapPath(file), { debugRoot: this.opts.debugRoot });
      this.images.set(file, img);
    }
    return img;
  }

  /** memray's frames for file address `pc` (`ip - 1 - load`) of the image a capture calls `file`. */
  framesAt(file: string, pc: number): readonly Frame[] {
    const img = this.image(file);
    let memo = this.memo.get(img.key);
    if (memo === undefined) {
      memo = new Map();
      this.memo.set(img.key, memo);
    }
    let frames = memo.get(pc);
    if (frames !== undefined) return frames;
    const persistent = img.status === 'ok' ? this.opts.cache : undefined;
    frames = persistent?.get(img.key, pc);
    if (frames !== undefined) this.stats.cacheHits++;
    else {
      frames = img.resolve(pc);
      this.stats.resolved++;
      persistent?.set(img.key, pc, frames);
    }
    memo.set(pc, frames);
    return frames;
  }

  /** Closes every image file. */
  close(): void {
    for (const img of this.images.values()) img.close();
    this.images.clear();
  }
}

/** A SymbolCache in memory (tests, benchmarks, one daemon session). */
export class MemorySymbolCache implements SymbolCache {
  private readonly map = new Map<string, readonly Frame[]>();

  get(imageKey: string, fileAddress: number): readonly Frame[] | undefined {
    return this.map.get(`${imageKey}\0${fileAddress}`);
  }

  set(imageKey: string, fileAddress: number, frames: readonly Frame[]): void {
    this.map.set(`${imageKey}\0${fileAddress}`, frames);
  }

  get size(): number {
    return this.map.size;
  }
}
