/**
 * Writing what one pass over a capture computed into its index: modes (records, stacks,
 * totals) and trees built from the in-memory snapshots. Native captures get their hybrid
 * stacks symbolized here, once, with the shared symbol cache.
 */
import * as path from 'node:path';
import type { LoadedCapture, Snapshot } from '../capture/load.js';
import type { WritableDB } from '../db/open.js';
import { hybridTreeResolver, nativeStackResolver } from '../native/hybrid-resolver.js';
import { Symbolizer } from '../native/symbolizer.js';
import { buildTree, pythonStackResolver, type Resolution } from '../tree/build-tree.js';
import type { TreeFrame } from '../tree/frame-classifier.js';
import { SqliteSymbolCache } from './symbol-store.js';
import { persistTree } from './tree-store.js';
import { StackWriter, writeMode, type ChainResolver, type ModeKey } from './write-index.js';

/** Tree frames carrying the index's location ids (written as needed). */
function indexedResolution(base: Resolution, stacks: StackWriter): Resolution {
  const frames: TreeFrame[] = [];
  const memo = new Map<TreeFrame, TreeFrame>();
  const map = (f: TreeFrame): TreeFrame => {
    let g = memo.get(f);
    if (g === undefined) {
      g = { ...f, location: stacks.location(f) };
      frames[g.location] = g;
      memo.set(f, g);
    }
    return g;
  };
  return { resolve: (stackId, nativeId, tid, generation) => base.resolve(stackId, nativeId, tid, generation).map(map), frames };
}

/** One loaded capture being written into one index database (inside the caller's transaction). */
export class CaptureIndexWriter {
  private readonly stacks: StackWriter;
  private readonly cache: SqliteSymbolCache | undefined;
  private readonly symbolizer: Symbolizer | undefined;
  private readonly chains: ChainResolver | undefined;
  private readonly resolution: Resolution;

  constructor(
    private readonly db: WritableDB,
    private readonly capture: LoadedCapture,
    indexFile: string,
  ) {
    this.stacks = new StackWriter(db, capture.state);
    if (capture.header.nativeTraces) {
      this.cache = new SqliteSymbolCache(path.dirname(indexFile));
      this.symbolizer = new Symbolizer({ cache: this.cache });
      this.chains = nativeStackResolver(capture, this.symbolizer);
    }
    const base = this.symbolizer === undefined ? pythonStackResolver(capture) : hybridTreeResolver(capture, this.symbolizer);
    this.resolution = indexedResolution(base, this.stacks);
  }

  /** Stores a mode's records (its biggest, by rank) and totals. */
  mode(key: ModeKey, snap: Snapshot): void {
    writeMode(this.db, this.stacks, key, snap, this.chains);
  }

  /** Builds the tree of (mode, biggest) from the snapshot in memory and stores it. */
  tree(key: ModeKey, snap: Snapshot, biggest: number): void {
    persistTree(this.db, key, biggest, buildTree(snap, biggest, this.resolution));
  }

  /** The snapshot of a mode key in this capture. */
  snapshot(key: ModeKey): Snapshot {
    if (key === 'peak') return this.capture.peak;
    if (key === 'leaks') return this.capture.leaks;
    return this.capture.temporary!;
  }

  /** Flushes newly resolved symbols to the shared cache. */
  close(): void {
    this.symbolizer?.close();
    this.cache?.close();
  }
}
