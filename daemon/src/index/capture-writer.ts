/**
 * Writing what one pass over a capture computed into its index: modes (records, stacks,
 * totals) and trees built from the in-memory snapshots. Native captures get their hybrid
 * stacks symbolized here, once, with the shared symbol cache.
 */
import * as path from 'node:path';
import type { LoadedCapture, Snapshot } from '../capture/load.js';
import type { WritableDB } from '../db/open.js';
import { nativeStackResolver } from '../native/hybrid-resolver.js';
import { Symbolizer } from '../native/symbolizer.js';
import { buildTree, classifiedResolution, pythonStackResolver, sizeOrder, type FrameStackResolver, type Resolution } from '../tree/build-tree.js';
import { SqliteSymbolCache } from './symbol-store.js';
import { persistTree } from './tree-store.js';
import { StackWriter, writeMode, type ModeKey } from './write-index.js';

/** One loaded capture being written into one index database (inside the caller's transaction). */
export class CaptureIndexWriter {
  private readonly stacks: StackWriter;
  private readonly cache: SqliteSymbolCache | undefined;
  private readonly symbolizer: Symbolizer | undefined;
  private readonly chains: FrameStackResolver | undefined;
  private readonly resolution: Resolution;
  /** Size order of each snapshot, sorted once for its records and its trees. */
  private readonly orders = new WeakMap<Snapshot, Int32Array>();

  constructor(
    private readonly db: WritableDB,
    capture: LoadedCapture,
    indexFile: string,
  ) {
    this.stacks = new StackWriter(db, capture.state);
    if (capture.header.nativeTraces) {
      this.cache = new SqliteSymbolCache(path.dirname(indexFile));
      this.symbolizer = new Symbolizer({ cache: this.cache });
      this.chains = nativeStackResolver(capture, this.symbolizer);
    }
    // Tree frames numbered by the index's own location ids: stored trees refer to its rows.
    const classifier = this.stacks.classifier;
    this.resolution = this.chains === undefined ? pythonStackResolver(capture, classifier) : classifiedResolution(this.chains, classifier);
  }

  /** Stores a mode's records (its biggest, by rank) and totals. */
  mode(key: ModeKey, snap: Snapshot): void {
    writeMode(this.db, this.stacks, key, snap, this.orderOf(snap), this.chains);
  }

  /** Builds the tree of (mode, biggest) from the snapshot in memory and stores it. */
  tree(key: ModeKey, snap: Snapshot, biggest: number): void {
    persistTree(this.db, key, biggest, buildTree(snap, biggest, this.resolution, this.orderOf(snap)));
  }

  private orderOf(snap: Snapshot): Int32Array {
    let order = this.orders.get(snap);
    if (order === undefined) {
      order = sizeOrder(snap);
      this.orders.set(snap, order);
    }
    return order;
  }

  /** Flushes newly resolved symbols to the shared cache. */
  close(): void {
    this.symbolizer?.close();
    this.cache?.close();
  }
}
