/**
 * Writes a capture's snapshots into its index database: locations, the stacks the records
 * use (renumbered densely), and each mode's records and thread names. Runs inside one
 * transaction together with the trees and the `complete` flag (see index-capture.ts).
 */
import type { CaptureState, Frame } from '../capture/capture-state.js';
import type { LoadedCapture, Snapshot } from '../capture/load.js';
import type { WritableDB } from '../db/open.js';
import { isCpythonInternal, isImportSystem, isInteresting } from '../tree/frame-filters.js';

/** Key of a mode in the index: 'peak', 'leaks' or 'temp:N'. */
export type ModeKey = string;

export function modeKey(mode: { kind: 'peak' } | { kind: 'leaks' } | { kind: 'temporary'; threshold: number }): ModeKey {
  return mode.kind === 'temporary' ? `temp:${mode.threshold}` : mode.kind;
}

/**
 * Interns locations and stacks into the database as records need them. Stack and location
 * ids already in the database (from an earlier pass) are loaded first so new modes reuse them.
 * Iterating a statement while writing through the same connection is not allowed, so the
 * existing rows are read completely before the first insert.
 */
export class StackWriter {
  private readonly stackIds = new Map<number, number>();
  /** "parent:location" -> stack id, for resolved chains. */
  private readonly chains = new Map<string, number>();
  private readonly locationIds = new Map<string, number>();
  private readonly insertLocation;
  private readonly insertStack;
  private nextStack: number;
  private nextLocation: number;

  constructor(
    db: WritableDB,
    private readonly state: CaptureState,
  ) {
    this.insertLocation = db.prepare(
      'INSERT INTO locations (id, function, file, line, internal, import_system, interesting) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.insertStack = db.prepare('INSERT INTO stacks (id, parent, location, source) VALUES (?, ?, ?, ?)');
    for (const row of db.prepare('SELECT id, function, file, line FROM locations').iterate() as Iterable<{
      id: number;
      function: string;
      file: string;
      line: number;
    }>) {
      this.locationIds.set(`${row.function}\0${row.file}\0${row.line}`, row.id);
    }
    // Stack ids are assigned in stream order, so every pass over a file gives the same ids.
    for (const row of db.prepare('SELECT id, parent, location, source FROM stacks').iterate() as Iterable<{
      id: number;
      parent: number;
      location: number;
      source: number;
    }>) {
      if (row.source >= 0) this.stackIds.set(row.source, row.id);
      else this.chains.set(`${row.parent}:${row.location}`, row.id);
    }
    this.nextStack = ((db.prepare('SELECT max(id) AS m FROM stacks').get() as { m: number | null }).m ?? 0) + 1;
    this.nextLocation = ((db.prepare('SELECT max(id) AS m FROM locations').get() as { m: number | null }).m ?? -1) + 1;
  }

  private location(frameId: number): number {
    return this.locationOf(this.state.frame(frameId));
  }

  private locationOf(f: Frame): number {
    const key = `${f.function}\0${f.file}\0${f.line}`;
    let id = this.locationIds.get(key);
    if (id === undefined) {
      id = this.nextLocation++;
      this.locationIds.set(key, id);
      const imp = isImportSystem(f.function, f.file);
      this.insertLocation.run(
        id,
        f.function,
        f.file,
        f.line,
        isCpythonInternal(f.function, f.file) ? 1 : 0,
        imp ? 1 : 0,
        !imp && isInteresting(f.function, f.file) ? 1 : 0,
      );
    }
    return id;
  }

  /**
   * The index stack id of an already resolved stack (innermost first), e.g. a native capture's
   * hybrid stack: interned as a chain of locations. Such rows get negative `source` ids, since
   * they are no capture stack.
   */
  chain(frames: readonly Frame[]): number {
    let parent = 0;
    for (let i = frames.length - 1; i >= 0; i--) {
      const loc = this.locationOf(frames[i]!);
      const key = `${parent}:${loc}`;
      let id = this.chains.get(key);
      if (id === undefined) {
        id = this.nextStack++;
        this.insertStack.run(id, parent, loc, -id);
        this.chains.set(key, id);
      }
      parent = id;
    }
    return parent;
  }

  /** The index stack id of capture stack `stackId` (0 = empty stack), writing missing ancestors. */
  stack(stackId: number): number {
    if (stackId === 0) return 0;
    const known = this.stackIds.get(stackId);
    if (known !== undefined) return known;
    // Collect the unwritten part of the chain, then write it outermost first so parents exist.
    const chain: number[] = [];
    let s = stackId;
    while (s !== 0 && !this.stackIds.has(s)) {
      chain.push(s);
      s = this.state.parentOf(s);
    }
    let parent = s === 0 ? 0 : this.stackIds.get(s)!;
    for (let i = chain.length - 1; i >= 0; i--) {
      const cs = chain[i]!;
      const id = this.nextStack++;
      this.insertStack.run(id, parent, this.location(this.state.frameOf(cs)), cs);
      this.stackIds.set(cs, id);
      parent = id;
    }
    return parent;
  }
}

/** A record's resolved stack (innermost first), for captures whose trees use more than Python frames. */
export type ChainResolver = (stackId: number, nativeId: number, tid: number, generation: number) => readonly Frame[];

/** Writes one mode's records and thread names (stacks resolved by `resolve` when given). */
export function writeMode(db: WritableDB, stacks: StackWriter, key: ModeKey, snap: Snapshot, resolve?: ChainResolver): void {
  const r = snap.records;
  db.prepare('INSERT INTO modes (mode, record_count) VALUES (?, ?)').run(key, r.length);
  const insert = db.prepare('INSERT INTO records (mode, seq, stack, native, tid, bytes, count) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const tids = new Set<number>();
  for (let i = 0; i < r.length; i++) {
    const stack =
      resolve === undefined
        ? stacks.stack(r.stackId[i]!)
        : stacks.chain(resolve(r.stackId[i]!, r.nativeId[i]!, r.tid[i]!, r.generation[i]!));
    insert.run(key, i, stack, r.nativeId[i]!, r.tid[i]!, r.bytes[i]!, r.count[i]!);
    tids.add(r.tid[i]!);
  }
  const insertThread = db.prepare('INSERT INTO threads (mode, tid, name) VALUES (?, ?, ?)');
  for (const tid of tids) {
    const name = snap.threadNames.get(tid);
    if (name !== undefined) insertThread.run(key, tid, name);
  }
}

/** Capture facts kept in `meta` (JSON values). */
export interface IndexMeta {
  readonly captureId: string;
  readonly path: string;
  readonly fingerprint: string;
  readonly info: unknown;
  readonly warnings: readonly string[];
  readonly searchPath: readonly string[];
  readonly mainTid: number;
  readonly skippedFramesOnMainTid: number;
  readonly nativeTraces: boolean;
  /** Stacks are stored resolved (hybrid, already trimmed): no main-thread trimming on read. */
  readonly stacksResolved: boolean;
  readonly aggregated: boolean;
  readonly indexMs: number;
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
  if (c.temporary !== undefined && temporaryThreshold !== undefined) out.push([`temp:${temporaryThreshold}`, c.temporary]);
  return out;
}
