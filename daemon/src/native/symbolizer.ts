/**
 * Turns PCs inside images into memray's frames, caching per (image identity, file address) in
 * a SymbolCache: in memory, or a persistent store shared across captures (the daemon's SQLite
 * index, which keeps what it read and resolved in memory too) — the same unchanged binary
 * gives the same answer. Synchronous throughout: it runs in a worker thread.
 */
import type { Frame } from '../capture/capture-state.js';
import { Image } from './image.js';

/**
 * A cache of resolved frames keyed by an image identity (see `Image.key`); the symbolizer's
 * only memo, so `get` must be cheap for entries this process has `set` or read before.
 */
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
  /** Where frames are cached (default: a MemorySymbolCache of this symbolizer). */
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
  private readonly cache: SymbolCache;
  private readonly mapPath: (p: string) => string;
  /**
   * Lookups of images that could be read: answered by the cache (earlier answers of this
   * symbolizer, or a persistent cache's), and computed from the binaries.
   */
  readonly stats = { cacheHits: 0, resolved: 0 };

  constructor(private readonly opts: SymbolizerOptions = {}) {
    this.mapPath = mapper(opts.pathMap);
    this.cache = opts.cache ?? new MemorySymbolCache();
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
    // Missing or broken images answer at once, the same for every PC: not worth caching.
    if (img.status !== 'ok') return img.resolve(pc);
    let frames = this.cache.get(img.key, pc);
    if (frames !== undefined) this.stats.cacheHits++;
    else {
      frames = img.resolve(pc);
      this.stats.resolved++;
      this.cache.set(img.key, pc, frames);
    }
    return frames;
  }

  /** Closes every image file still open. */
  close(): void {
    for (const img of this.images.values()) img.close();
    this.images.clear();
  }
}

/** A SymbolCache in memory (tests, benchmarks, one daemon session). */
export class MemorySymbolCache implements SymbolCache {
  private readonly byImage = new Map<string, Map<number, readonly Frame[]>>();
  private entries = 0;

  get(imageKey: string, fileAddress: number): readonly Frame[] | undefined {
    return this.byImage.get(imageKey)?.get(fileAddress);
  }

  set(imageKey: string, fileAddress: number, frames: readonly Frame[]): void {
    let m = this.byImage.get(imageKey);
    if (m === undefined) {
      m = new Map();
      this.byImage.set(imageKey, m);
    }
    if (!m.has(fileAddress)) this.entries++;
    m.set(fileAddress, frames);
  }

  get size(): number {
    return this.entries;
  }
}
