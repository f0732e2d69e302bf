/**
 * Read queries on an index, with statements prepared once per connection: the view data
 * (stack trie, locations, a mode's records) and the capture facts.
 */
import type { ReadableDB } from '../db/open.js';
import type { TreeFrame } from '../tree/frame-classifier.js';
import type { ModeRecords, PathTrie } from '../tree/view-data.js';

function prepare(db: ReadableDB) {
  return {
    mode: db.prepare('SELECT id, record_count FROM modes WHERE mode = ?'),
    meta: db.prepare('SELECT value FROM meta WHERE key = ?'),
    locations: db.prepare('SELECT id, function, file, line, internal, import_system, interesting FROM locations').raw(),
    locationCount: db.prepare('SELECT count(*) FROM locations').pluck(),
    // Changes whenever another connection (an index job's worker) commits to this database.
    dataVersion: db.prepare('PRAGMA data_version').pluck(),
    paths: db.prepare('SELECT first, parent, location FROM paths ORDER BY first').raw(),
    pathCount: db.prepare('SELECT coalesce(max(first + length(location) / 4), 1) FROM paths').pluck(),
    records: db.prepare('SELECT path, tid, bytes, count FROM records WHERE mode = ? ORDER BY chunk').raw(),
    threads: db.prepare('SELECT tid, name FROM threads WHERE mode = ?').raw(),
    orderPending: db.prepare('SELECT 1 FROM order_pending WHERE mode = ?').pluck(),
    pendingModes: db.prepare('SELECT mode FROM order_pending ORDER BY mode').pluck(),
  };
}

type Statements = ReturnType<typeof prepare>;
const cache = new WeakMap<ReadableDB, Statements>();

function stmts(db: ReadableDB): Statements {
  let s = cache.get(db);
  if (s === undefined) {
    s = prepare(db);
    cache.set(db, s);
  }
  return s;
}

/** The index's locations as tree frames, by location id. Read completely: callers may write next. */
export function storedLocations(db: ReadableDB): TreeFrame[] {
  const frames: TreeFrame[] = [];
  for (const [id, fn, file, line, internal, imp, interesting] of stmts(db).locations.all() as [number, string, string, number, number, number, number][]) {
    frames[id] = { function: fn, file, line, location: id, internal: internal === 1, importSystem: imp === 1, interesting: interesting === 1 };
  }
  return frames;
}

/** A number that changes when another connection has committed to the index since it was last read. */
export function dataVersion(db: ReadableDB): number {
  return stmts(db).dataVersion.get() as number;
}

/** Number of stored locations and trie ids: they only grow (a later pass appends), so they tell whether a cached copy is current. */
export function storedSizes(db: ReadableDB): { locations: number; paths: number } {
  const s = stmts(db);
  return { locations: s.locationCount.get() as number, paths: s.pathCount.get() as number };
}

/** Copies a blob into a fresh (aligned) typed array. */
function int32s(b: Buffer): Int32Array {
  const out = new Int32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

function float64s(b: Buffer): Float64Array {
  const out = new Float64Array(b.byteLength / 8);
  new Uint8Array(out.buffer).set(b);
  return out;
}

/** The stored stack trie. */
export function storedPaths(db: ReadableDB): PathTrie {
  const segments = stmts(db).paths.all() as [number, Buffer, Buffer][];
  let size = 1;
  for (const [first, , loc] of segments) size = Math.max(size, first + loc.byteLength / 4);
  const parent = new Int32Array(size);
  const location = new Int32Array(size);
  location[0] = -1;
  for (const [first, p, l] of segments) {
    parent.set(int32s(p), first);
    location.set(int32s(l), first);
  }
  return { size, parent, location };
}

/** Every record of a mode, in memray's size order; undefined if the index lacks the mode. */
export function storedRecords(db: ReadableDB, mode: string): ModeRecords | undefined {
  const s = stmts(db);
  const m = s.mode.get(mode) as { id: number; record_count: number } | undefined;
  if (m === undefined) return undefined;
  const n = m.record_count;
  const out = { length: n, path: new Int32Array(n), tid: new Float64Array(n), bytes: new Float64Array(n), count: new Float64Array(n) };
  let at = 0;
  for (const [path, tid, bytes, count] of s.records.iterate(m.id) as IterableIterator<[Buffer, Buffer, Buffer, Buffer]>) {
    out.path.set(int32s(path), at);
    out.tid.set(float64s(tid), at);
    out.bytes.set(float64s(bytes), at);
    out.count.set(float64s(count), at);
    at += path.byteLength / 4;
  }
  const threadNames = new Map<number, string>();
  for (const [tid, name] of s.threads.all(m.id) as [number, string][]) threadNames.set(tid, name);
  return { ...out, threadNames };
}

export function metaValue<T>(db: ReadableDB, key: string): T | undefined {
  const row = stmts(db).meta.get(key) as { value: string } | undefined;
  return row === undefined ? undefined : (JSON.parse(row.value) as T);
}

export function hasMode(db: ReadableDB, mode: string): boolean {
  return stmts(db).mode.get(mode) !== undefined;
}

/** Whether mode `mode`'s stored records are still in the reading pass's order: memray 1.19 and older's order is pending (memray-order.ts). */
export function orderPending(db: ReadableDB, mode: string): boolean {
  return stmts(db).orderPending.get(mode) !== undefined;
}

/** The modes whose memray 1.19 and older's order is pending. */
export function pendingModes(db: ReadableDB): string[] {
  return stmts(db).pendingModes.all() as string[];
}
