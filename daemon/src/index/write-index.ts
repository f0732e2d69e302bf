/**
 * Writes a capture's snapshots into its index database: each mode's biggest records (by
 * rank in memray's size order) with their stacks and locations, the mode's totals, and thread
 * names. Runs inside one transaction together with the trees and the `complete` flag.
 */
import type { CaptureInfo, SnapshotMode } from '../../../protocol/src/tree-document.js';
import type { CaptureState, Frame } from '../capture/capture-state.js';
import type { LoadedCapture, Snapshot } from '../capture/load.js';
import type { WritableDB } from '../db/open.js';
import type { FrameStackResolver } from '../tree/build-tree.js';
import { FrameClassifier } from '../tree/frame-classifier.js';
import { storedLocations } from './queries.js';

/** Key of a mode in the index: 'peak', 'leaks' or 'temp:N'. */
export type ModeKey = string;

/**
 * Records stored per mode: trees of up to this many records (`-b` up to it) come from the
 * index; bigger ones re-read the capture. Bounds the index for captures with millions of
 * distinct stacks, while typical captures (hundreds to thousands of records) are stored whole.
 */
export const STORED_RECORDS = Number(process.env.MEMTREE_TEST_STORED_RECORDS) || 100_000; // tests lower it

export function modeKey(mode: SnapshotMode): ModeKey {
  return mode.kind === 'temporary' ? `temp:${mode.threshold}` : mode.kind;
}

/**
 * Interns locations and stacks into the database as records need them. Rows already in the
 * database (from an earlier pass over the same capture) are read first so new modes reuse them;
 * they are read completely before the first insert (a write while a cursor is open fails).
 */
export class StackWriter {
  /** Numbers and classifies locations; a new one is written as it is numbered. */
  readonly classifier: FrameClassifier;
  /** Python stacks (capture stack ids) already written. */
  private readonly written = new Set<number>();
  /** "parent:location" -> id of resolved chains (negative ids). */
  private readonly chains = new Map<string, number>();
  private readonly insertStack;
  private nextChain: number;

  constructor(
    db: WritableDB,
    private readonly state: CaptureState,
  ) {
    const insertLocation = db.prepare(
      'INSERT INTO locations (id, function, file, line, internal, import_system, interesting) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.classifier = new FrameClassifier((f) =>
      insertLocation.run(f.location, f.function, f.file, f.line, f.internal ? 1 : 0, f.importSystem ? 1 : 0, f.interesting ? 1 : 0),
    );
    this.insertStack = db.prepare('INSERT INTO stacks (id, parent, location) VALUES (?, ?, ?)');
    for (const f of storedLocations(db)) if (f !== undefined) this.classifier.adopt(f);
    let minChain = 0;
    for (const [id, parent, location] of db.prepare('SELECT id, parent, location FROM stacks').raw().all() as [number, number, number][]) {
      if (id > 0) this.written.add(id);
      else {
        this.chains.set(`${parent}:${location}`, id);
        minChain = Math.min(minChain, id);
      }
    }
    this.nextChain = minChain - 1;
  }

  /** The location id of a frame, written if new. */
  location(f: Frame): number {
    return this.classifier.classify(f).location;
  }

  /** Writes capture stack `stackId` (0 = empty stack) and its unwritten ancestors; returns its id. */
  stack(stackId: number): number {
    for (let s = stackId; s !== 0 && !this.written.has(s); s = this.state.parentOf(s)) {
      this.insertStack.run(s, this.state.parentOf(s), this.location(this.state.frame(this.state.frameOf(s))));
      this.written.add(s);
    }
    return stackId;
  }

  /** Writes an already resolved stack (innermost first, e.g. a hybrid stack) as a chain; returns its id. */
  chain(frames: readonly Frame[]): number {
    let parent = 0;
    for (let i = frames.length - 1; i >= 0; i--) {
      const loc = this.location(frames[i]!);
      const key = `${parent}:${loc}`;
      let id = this.chains.get(key);
      if (id === undefined) {
        id = this.nextChain--;
        this.insertStack.run(id, parent, loc);
        this.chains.set(key, id);
      }
      parent = id;
    }
    return parent;
  }
}

/**
 * Writes one mode: its totals, its biggest STORED_RECORDS records by rank with their stacks
 * (resolved by `resolve` when given), and the thread names of the stored records.
 */
export function writeMode(db: WritableDB, stacks: StackWriter, key: ModeKey, snap: Snapshot, order: Int32Array, resolve?: FrameStackResolver): void {
  const r = snap.records;
  const stored = Math.min(order.length, STORED_RECORDS);
  let totalBytes = 0;
  let totalAllocations = 0;
  for (let i = 0; i < r.length; i++) {
    totalBytes += r.bytes[i]!;
    totalAllocations += r.count[i]!;
  }
  const modeId = Number(
    db
      .prepare('INSERT INTO modes (mode, record_count, stored_count, total_bytes, total_allocations) VALUES (?, ?, ?, ?, ?)')
      .run(key, r.length, stored, totalBytes, totalAllocations).lastInsertRowid,
  );
  const insert = db.prepare('INSERT INTO records (mode, rank, stack, native, tid, generation, bytes, count) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const tids = new Set<number>();
  for (let rank = 0; rank < stored; rank++) {
    const i = order[rank]!;
    const stack =
      resolve === undefined ? stacks.stack(r.stackId[i]!) : stacks.chain(resolve(r.stackId[i]!, r.nativeId[i]!, r.tid[i]!, r.generation[i]!));
    insert.run(modeId, rank, stack, r.nativeId[i]!, r.tid[i]!, r.generation[i]!, r.bytes[i]!, r.count[i]!);
    tids.add(r.tid[i]!);
  }
  const insertThread = db.prepare('INSERT INTO threads (mode, tid, name) VALUES (?, ?, ?)');
  for (const tid of tids) {
    const name = snap.threadNames.get(tid);
    if (name !== undefined) insertThread.run(modeId, tid, name);
  }
}

/** Capture facts kept in `meta` (JSON values). */
export interface IndexMeta {
  /** The capture's absolute path (tasks that read the capture again open it from here). */
  readonly path: string;
  readonly info: CaptureInfo;
  readonly warnings: readonly string[];
  readonly searchPath: readonly string[];
  /** memray's count of runner frames dropped from main-thread Python stacks. */
  readonly skippedFramesOnMainTid: number;
}

export function writeMeta(db: WritableDB, meta: IndexMeta): void {
  const put = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
  for (const [k, v] of Object.entries(meta)) put.run(k, JSON.stringify(v));
}

/** Marks the index complete; call last, inside the same transaction as everything else. */
export function markComplete(db: WritableDB): void {
  db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('complete', '1')").run();
}

/** The snapshots of a loaded capture by mode key. */
export function loadedModes(c: LoadedCapture, temporaryThreshold?: number): [ModeKey, Snapshot][] {
  const out: [ModeKey, Snapshot][] = [
    ['peak', c.peak],
    ['leaks', c.leaks],
  ];
  if (c.temporary !== undefined && temporaryThreshold !== undefined) out.push([modeKey({ kind: 'temporary', threshold: temporaryThreshold }), c.temporary]);
  return out;
}
