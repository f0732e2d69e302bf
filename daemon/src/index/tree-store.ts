/**
 * Builds the tree of a (mode, -b) pair from an index's records and stores it as nodes with
 * their displayed parents and child counts under each filter combination.
 */
import type { Snapshot } from '../capture/load.js';
import type { ReadableDB, WritableDB } from '../db/open.js';
import type { SnapshotRecords } from '../snapshot/snapshot-builder.js';
import { buildTree, type BuiltTree, type StackResolver, type TreeFrame, type TreeNode } from '../tree/build-tree.js';
import type { ModeKey } from './write-index.js';

/** Filter combination index: bit 1 = hide import system, bit 0 = hide uninteresting. */
export function filterIndex(f: { hideImportSystem: boolean; hideUninteresting: boolean }): number {
  return (f.hideImportSystem ? 2 : 0) | (f.hideUninteresting ? 1 : 0);
}

function metaValue<T>(db: ReadableDB, key: string): T {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  if (row === undefined) throw new Error(`index has no ${key}`);
  return JSON.parse(row.value) as T;
}

/** A mode's snapshot and a stack resolver, read back from the index. */
export function loadTreeInput(db: ReadableDB, mode: ModeKey): { snap: Snapshot; resolve: StackResolver } {
  const rows = db
    .prepare('SELECT stack, native, tid, bytes, count FROM records WHERE mode = ? ORDER BY seq')
    .all(mode) as { stack: number; native: number; tid: number; bytes: number; count: number }[];
  const n = rows.length;
  const records: SnapshotRecords = {
    stackId: new Int32Array(n),
    nativeId: new Float64Array(n),
    tid: new Float64Array(n),
    generation: new Float64Array(n),
    bytes: new Float64Array(n),
    count: new Float64Array(n),
    firstSeq: new Float64Array(n),
    length: n,
  };
  rows.forEach((r, i) => {
    records.stackId[i] = r.stack;
    records.nativeId[i] = r.native;
    records.tid[i] = r.tid;
    records.bytes[i] = r.bytes;
    records.count[i] = r.count;
    records.firstSeq[i] = i;
  });
  const threadNames = new Map<number, string>();
  for (const t of db.prepare('SELECT tid, name FROM threads WHERE mode = ?').all(mode) as { tid: number; name: string }[]) {
    threadNames.set(t.tid, t.name);
  }

  const maxStack = (db.prepare('SELECT max(id) AS m FROM stacks').get() as { m: number | null }).m ?? 0;
  const parent = new Int32Array(maxStack + 1);
  const location = new Int32Array(maxStack + 1);
  for (const s of db.prepare('SELECT id, parent, location FROM stacks').all() as { id: number; parent: number; location: number }[]) {
    parent[s.id] = s.parent;
    location[s.id] = s.location;
  }
  const frames: TreeFrame[] = [];
  for (const l of db.prepare('SELECT * FROM locations').all() as {
    id: number;
    function: string;
    file: string;
    line: number;
    internal: number;
    import_system: number;
    interesting: number;
  }[]) {
    frames[l.id] = {
      function: l.function,
      file: l.file,
      line: l.line,
      location: l.id,
      internal: l.internal === 1,
      importSystem: l.import_system === 1,
      interesting: l.interesting === 1,
    };
  }
  const mainTid = metaValue<number>(db, 'mainTid');
  // Resolved (hybrid) stacks were trimmed by memray's hybrid rules when they were stored.
  const skipped = metaValue<boolean>(db, 'stacksResolved') ? 0 : metaValue<number>(db, 'skippedFramesOnMainTid');
  const resolve: StackResolver = (stackId, _nativeId, tid) => {
    const out: TreeFrame[] = [];
    for (let s = stackId; s !== 0; s = parent[s]!) out.push(frames[location[s]!]!);
    // memray's stack_trace() drops the outermost frames of the main thread (its own runner).
    if (tid === mainTid) out.length = Math.max(out.length - skipped, 0);
    return out;
  };
  return { snap: { records, threadNames }, resolve };
}

/** Children sorted largest first, stable over insertion order (memray's display order). */
function sortedChildren(n: TreeNode): TreeNode[] {
  return n.children.slice().sort((a, b) => b.bytes - a.bytes);
}

/**
 * Stores `built` as tree (mode, biggest); returns its id. Node ids are preorder positions in
 * the sorted tree, which makes every filter's displayed order a sort by id: a spliced node's
 * children take its place among its siblings, exactly as preorder visits them.
 */
export function persistTree(db: WritableDB, mode: ModeKey, biggest: number, built: BuiltTree): number {
  const e = built.elided;
  const treeId = Number(
    db
      .prepare(
        'INSERT INTO trees (mode, biggest, node_count, elided_locations, elided_allocations, elided_bytes) VALUES (?, ?, 0, ?, ?, ?)',
      )
      .run(mode, biggest, e.locations, e.allocations, e.bytes).lastInsertRowid,
  );
  const insert = db.prepare(
    `INSERT INTO nodes (tree, id, parent, location, bytes, allocations, thread, dp0, dp1, dp2, dp3, cc0, cc1, cc2, cc3)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const REMOVED = -1;
  interface Row {
    node: TreeNode;
    id: number;
    parent: number | null;
    dp: (number | null)[];
    anchor: number[];
  }
  const rows: Row[] = [];
  const cc: number[][] = [];
  // Iterative preorder walk: trees can be 400+ levels deep and millions of nodes wide.
  const stack: { node: TreeNode; parent: Row | null }[] = [{ node: built.root, parent: null }];
  while (stack.length > 0) {
    const { node, parent } = stack.pop()!;
    const id = rows.length;
    const dp: (number | null)[] = [null, null, null, null];
    const anchor = [id, id, id, id];
    if (parent !== null) {
      for (let f = 0; f < 4; f++) {
        const pa = parent.anchor[f]!;
        if (pa === REMOVED || ((f & 2) !== 0 && node.importSystem)) {
          anchor[f] = REMOVED; // `i` removes import-system frames with their subtrees
        } else if ((f & 1) !== 0 && !node.interesting) {
          anchor[f] = pa; // `u` splices uninteresting frames: children attach to the anchor
        } else {
          dp[f] = pa;
          cc[pa]![f]!++;
        }
      }
    }
    const row: Row = { node, id, parent: parent === null ? null : parent.id, dp, anchor };
    rows.push(row);
    cc.push([0, 0, 0, 0]);
    const kids = sortedChildren(node);
    for (let k = kids.length - 1; k >= 0; k--) stack.push({ node: kids[k]!, parent: row });
  }
  for (const r of rows) {
    const c = cc[r.id]!;
    insert.run(
      treeId,
      r.id,
      r.parent,
      r.node.location < 0 ? null : r.node.location,
      r.node.bytes,
      r.node.allocations,
      r.node.thread,
      r.dp[0],
      r.dp[1],
      r.dp[2],
      r.dp[3],
      c[0],
      c[1],
      c[2],
      c[3],
    );
  }
  db.prepare('UPDATE trees SET node_count = ? WHERE id = ?').run(rows.length, treeId);
  return treeId;
}

/** Builds and stores the tree of (mode, biggest) from the index's records. */
export function buildAndPersistTree(db: WritableDB, mode: ModeKey, biggest: number): number {
  const { snap, resolve } = loadTreeInput(db, mode);
  const built = buildTree(snap, biggest, resolve);
  return persistTree(db, mode, biggest, built);
}
