/**
 * Builds the tree of a (mode, -b) pair and stores it as nodes with their displayed parents and
 * child counts under each filter combination.
 */
import type { ViewFilter } from '../../../protocol/src/display.js';
import type { CaptureInfo } from '../../../protocol/src/tree-document.js';
import type { Snapshot } from '../capture/load.js';
import type { ReadableDB, WritableDB } from '../db/open.js';
import { newRecords } from '../snapshot/snapshot-builder.js';
import { buildTree, keptCount, type BuiltTree, type ElidedSummary, type Resolution, type StackResolver } from '../tree/build-tree.js';
import type { TreeFrame } from '../tree/frame-classifier.js';
import { metaValue, storedLocations } from './queries.js';
import type { ModeKey } from './write-index.js';

/** Filter combination index: bit 1 = hide import system, bit 0 = hide uninteresting. */
export function filterIndex(f: ViewFilter): number {
  return (f.hideImportSystem ? 2 : 0) | (f.hideUninteresting ? 1 : 0);
}

export interface ModeRow {
  id: number;
  record_count: number;
  stored_count: number;
  total_bytes: number;
  total_allocations: number;
}

export function modeRow(db: ReadableDB, mode: ModeKey): ModeRow {
  const m = db.prepare('SELECT id, record_count, stored_count, total_bytes, total_allocations FROM modes WHERE mode = ?').get(mode) as
    | ModeRow
    | undefined;
  if (m === undefined) throw new Error(`index has no mode ${mode}`);
  return m;
}

/** Whether the tree of `biggest` needs more records than the index stores (then the capture is read again). */
export function needsCapture(db: ReadableDB, mode: ModeKey, biggest: number): boolean {
  const m = modeRow(db, mode);
  return keptCount(biggest, m.record_count) > m.stored_count;
}

/** A resolver over the stored stacks: rows are read as records need them, each row once. */
function storedResolution(db: ReadableDB): Resolution {
  const frames = storedLocations(db);
  const row = db.prepare('SELECT parent, location FROM stacks WHERE id = ?').raw();
  const parentOf = new Map<number, number>();
  const locationOf = new Map<number, number>();
  const info = metaValue<CaptureInfo>(db, 'info')!;
  const mainTid = info.mainThreadId;
  // Native captures store resolved (hybrid) stacks, trimmed by memray's hybrid rules already.
  const skipped = info.nativeTraces ? 0 : metaValue<number>(db, 'skippedFramesOnMainTid')!;
  const resolve: StackResolver = (stackId, _nativeId, tid) => {
    const out: TreeFrame[] = [];
    for (let s = stackId; s !== 0; ) {
      let loc = locationOf.get(s);
      if (loc === undefined) {
        const [parent, location] = row.get(s) as [number, number];
        parentOf.set(s, parent);
        locationOf.set(s, location);
        loc = location;
      }
      out.push(frames[loc]!);
      s = parentOf.get(s)!;
    }
    // memray's stack_trace() drops the outermost frames of the main thread (its own runner).
    if (tid === mainTid) out.length = Math.max(out.length - skipped, 0);
    return out;
  };
  return { resolve, frames };
}

/**
 * The records a tree of `biggest` uses (the first `kept` by rank), a resolver for their stacks,
 * and what the rest of the mode adds up to. Only for trees within the stored records.
 */
export function storedTreeInput(db: ReadableDB, mode: ModeKey, biggest: number): { snap: Snapshot; resolution: Resolution; elided: (t: BuiltTree) => ElidedSummary } {
  const m = modeRow(db, mode);
  const kept = keptCount(biggest, m.record_count);
  const rows = db
    .prepare('SELECT stack, native, tid, generation, bytes, count FROM records WHERE mode = ? AND rank < ? ORDER BY rank')
    .raw()
    .all(m.id, kept) as [number, number, number, number, number, number][];
  const n = rows.length;
  const records = newRecords(n);
  rows.forEach(([stack, native, tid, generation, bytes, count], i) => {
    records.stackId[i] = stack;
    records.nativeId[i] = native;
    records.tid[i] = tid;
    records.generation[i] = generation;
    records.bytes[i] = bytes;
    records.count[i] = count;
    records.firstSeq[i] = i;
  });
  const threadNames = new Map<number, string>();
  for (const [tid, name] of db.prepare('SELECT tid, name FROM threads WHERE mode = ?').raw().all(m.id) as [number, string][]) {
    threadNames.set(tid, name);
  }
  return {
    snap: { records, threadNames },
    resolution: storedResolution(db),
    // The tree holds the kept records; the elided ones are the mode's totals minus them.
    elided: (t) => ({ locations: m.record_count - n, allocations: m.total_allocations - t.allocations[0]!, bytes: m.total_bytes - t.bytes[0]! }),
  };
}

/**
 * Stores `built` as tree (mode, biggest); returns its id. Node ids are preorder positions in
 * the display-sorted tree, which makes every filter's displayed order a sort by id: a spliced
 * node's children take its place among its siblings, exactly as preorder visits them.
 */
export function persistTree(db: WritableDB, mode: ModeKey, biggest: number, built: BuiltTree, elided: ElidedSummary = built.elided): number {
  const m = modeRow(db, mode);
  const treeId = Number(
    db
      .prepare('INSERT INTO trees (mode, biggest, node_count, elided_locations, elided_allocations, elided_bytes) VALUES (?, ?, ?, ?, ?, ?)')
      .run(m.id, biggest, built.size, elided.locations, elided.allocations, elided.bytes).lastInsertRowid,
  );
  const insert = db.prepare(
    `INSERT INTO nodes (tree, id, parent, location, bytes, allocations, thread, dp0, dp1, dp2, dp3, cc0, cc1, cc2, cc3)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const REMOVED = -1;
  const size = built.size;
  // Per preorder id: the built node, its parent id, and per filter its displayed parent and the anchor
  // its children attach to (itself if displayed, the parent's anchor if spliced, REMOVED if removed).
  const nodeOf = new Int32Array(size);
  const parentId = new Int32Array(size);
  const dp = new Int32Array(size * 4);
  const anchor = new Int32Array(size * 4);
  const cc = new Int32Array(size * 4);
  let next = 0;
  const stack: [node: number, parentPre: number][] = [[0, -1]];
  while (stack.length > 0) {
    const [node, pp] = stack.pop()!;
    const id = next++;
    nodeOf[id] = node;
    parentId[id] = pp;
    const loc = built.location[node]!;
    const f = loc < 0 ? undefined : built.frames[loc]!;
    for (let k = 0; k < 4; k++) {
      dp[id * 4 + k] = -1;
      anchor[id * 4 + k] = id;
      if (pp < 0) continue;
      const pa = anchor[pp * 4 + k]!;
      if (pa === REMOVED || ((k & 2) !== 0 && f!.importSystem)) {
        anchor[id * 4 + k] = REMOVED; // `i` removes import-system frames with their subtrees
      } else if ((k & 1) !== 0 && !f!.interesting) {
        anchor[id * 4 + k] = pa; // `u` splices uninteresting frames: children attach to the anchor
      } else {
        dp[id * 4 + k] = pa;
        cc[pa * 4 + k]!++;
      }
    }
    const kids = built.children(node);
    for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i]!, id]);
  }
  for (let id = 0; id < size; id++) {
    const node = nodeOf[id]!;
    const t = built.thread[node]!;
    const d = (k: number): number | null => (dp[id * 4 + k] === -1 ? null : dp[id * 4 + k]!);
    insert.run(
      treeId,
      id,
      parentId[id] === -1 ? null : parentId[id],
      built.location[node]! < 0 ? null : built.location[node],
      built.bytes[node]!,
      built.allocations[node]!,
      t < 0 ? '' : built.labels[t]!,
      d(0),
      d(1),
      d(2),
      d(3),
      cc[id * 4]!,
      cc[id * 4 + 1]!,
      cc[id * 4 + 2]!,
      cc[id * 4 + 3]!,
    );
  }
  return treeId;
}

/** Builds and stores the tree of (mode, biggest) from the stored records (see needsCapture). */
export function buildAndPersistTree(db: WritableDB, mode: ModeKey, biggest: number): number {
  const { snap, resolution, elided } = storedTreeInput(db, mode, biggest);
  const order = new Int32Array(snap.records.length).map((_, i) => i); // already in rank order
  const built = buildTree(snap, snap.records.length, resolution, order);
  return persistTree(db, mode, biggest, built, elided(built));
}
