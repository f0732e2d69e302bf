/**
 * Writing what one pass over a capture computed into its index: each mode's records with the
 * stacks they use. Native captures get their hybrid stacks symbolized here, once, with the
 * shared symbol cache. Later passes (a temporary mode) continue the stored trie and locations.
 */
import * as path from 'node:path';
import type { LoadedCapture, Snapshot } from '../capture/load.js';
import type { WritableDB } from '../db/open.js';
import type { SnapshotRecords } from '../snapshot/snapshot-builder.js';
import { CaptureResolver } from '../tree/capture-views.js';
import { FrameClassifier } from '../tree/frame-classifier.js';
import { storedLocations, storedPaths } from './queries.js';
import { SqliteSymbolCache } from './symbol-store.js';
import { IndexWriteStatements, type ModeKey } from './write-index.js';

/** One loaded capture being written into one index database (inside the caller's transaction). */
export class CaptureIndexWriter {
  private readonly stmts: IndexWriteStatements;
  private readonly cache: SqliteSymbolCache | undefined;
  private readonly resolver: CaptureResolver;
  /** Trie ids already in the database. */
  private written: number;

  constructor(db: WritableDB, capture: LoadedCapture, indexFile: string) {
    const stmts = new IndexWriteStatements(db);
    this.stmts = stmts;
    // Rows of an earlier pass are read completely before the first insert.
    const existing = storedPaths(db);
    const classifier = new FrameClassifier((f) =>
      stmts.location.run(f.location, f.function, f.file, f.line, f.internal ? 1 : 0, f.importSystem ? 1 : 0, f.interesting ? 1 : 0),
    );
    for (const f of storedLocations(db)) if (f !== undefined) classifier.adopt(f);
    if (capture.header.nativeTraces) this.cache = new SqliteSymbolCache(path.dirname(indexFile));
    this.resolver = new CaptureResolver(capture, classifier, existing, { cache: this.cache });
    this.written = existing.size;
  }

  /** Stores a mode's records and totals, and the stacks they added. */
  mode(key: ModeKey, snap: Snapshot): void {
    this.stmts.writeMode(key, this.resolver.records(snap));
    const trie = this.resolver.paths.trie();
    this.stmts.appendPaths(trie, this.written);
    this.written = trie.size;
  }

  /** The path (trie id) of each record of `r`, in its own order: the time-range groups (timeline-store.ts). */
  groupPaths(r: SnapshotRecords): Int32Array {
    const identity = Int32Array.from({ length: r.length }, (_, i) => i);
    const paths = this.resolver.records({ records: r, threadNames: new Map() }, identity).path;
    const trie = this.resolver.paths.trie();
    this.stmts.appendPaths(trie, this.written);
    this.written = trie.size;
    return paths;
  }

  /** Flushes newly resolved symbols to the shared cache. */
  close(): void {
    this.resolver.close();
    this.cache?.close();
  }
}
