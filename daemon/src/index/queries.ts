/**
 * Read queries on an index, with statements prepared once per connection.
 */
import type { ElidedInfo, NodeFacts, TreeDocumentNode } from '../../../protocol/src/tree-document.js';
import type { ViewNode } from '../../../protocol/src/tree.js';
import type { ReadableDB } from '../db/open.js';
import type { TreeFrame } from '../tree/frame-classifier.js';

const NODE_COLUMNS = `n.id, n.bytes, n.allocations, n.thread, n.cc0, n.cc1, n.cc2, n.cc3,
  coalesce(l.function, '<ROOT>') AS function, coalesce(l.file, '') AS file, coalesce(l.line, 0) AS line,
  coalesce(l.interesting, 1) AS interesting, coalesce(l.import_system, 0) AS import_system`;

export interface NodeRow {
  id: number;
  bytes: number;
  allocations: number;
  thread: string;
  cc0: number;
  cc1: number;
  cc2: number;
  cc3: number;
  function: string;
  file: string;
  line: number;
  interesting: number;
  import_system: number;
}

function prepare(db: ReadableDB) {
  const children = [0, 1, 2, 3].map((f) =>
    // The column name comes from this fixed list, never from a request. Without statistics
    // SQLite prefers scanning the whole tree by primary key; the (tree, dpN, id) index makes
    // this a range scan of the children alone, whatever the tree's size.
    db.prepare(
      `SELECT ${NODE_COLUMNS} FROM nodes n INDEXED BY nodes_dp${f} LEFT JOIN locations l ON l.id = n.location
       WHERE n.tree = ? AND n.dp${f} = ? AND n.dp${f} IS NOT NULL ORDER BY n.id LIMIT ? OFFSET ?`,
    ),
  );
  return {
    children,
    node: db.prepare(`SELECT ${NODE_COLUMNS}, n.parent FROM nodes n LEFT JOIN locations l ON l.id = n.location WHERE n.tree = ? AND n.id = ?`),
    allNodes: db.prepare(`SELECT ${NODE_COLUMNS}, n.parent FROM nodes n LEFT JOIN locations l ON l.id = n.location WHERE n.tree = ? ORDER BY n.id`),
    tree: db.prepare(
      'SELECT t.id, t.elided_locations, t.elided_allocations, t.elided_bytes FROM trees t JOIN modes m ON m.id = t.mode WHERE m.mode = ? AND t.biggest = ?',
    ),
    mode: db.prepare('SELECT record_count FROM modes WHERE mode = ?'),
    meta: db.prepare('SELECT value FROM meta WHERE key = ?'),
    locations: db.prepare('SELECT id, function, file, line, internal, import_system, interesting FROM locations').raw(),
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

function facts(r: NodeRow): NodeFacts {
  return {
    function: r.function,
    file: r.file,
    line: r.line,
    bytes: r.bytes,
    allocations: r.allocations,
    thread: r.thread,
    interesting: r.interesting === 1,
    importSystem: r.import_system === 1,
  };
}

export function viewNode(r: NodeRow, filter: number): ViewNode {
  return { id: r.id, ...facts(r), childCount: [r.cc0, r.cc1, r.cc2, r.cc3][filter]! };
}

/** The index's locations as tree frames, by location id. Read completely: callers may write next. */
export function storedLocations(db: ReadableDB): TreeFrame[] {
  const frames: TreeFrame[] = [];
  for (const [id, fn, file, line, internal, imp, interesting] of stmts(db).locations.all() as [number, string, string, number, number, number, number][]) {
    frames[id] = { function: fn, file, line, location: id, internal: internal === 1, importSystem: imp === 1, interesting: interesting === 1 };
  }
  return frames;
}

export function metaValue<T>(db: ReadableDB, key: string): T | undefined {
  const row = stmts(db).meta.get(key) as { value: string } | undefined;
  return row === undefined ? undefined : (JSON.parse(row.value) as T);
}

export function hasMode(db: ReadableDB, mode: string): boolean {
  return stmts(db).mode.get(mode) !== undefined;
}

export function findTree(db: ReadableDB, mode: string, biggest: number): { id: number; elided: ElidedInfo } | undefined {
  const t = stmts(db).tree.get(mode, biggest) as
    | { id: number; elided_locations: number; elided_allocations: number; elided_bytes: number }
    | undefined;
  if (t === undefined) return undefined;
  return { id: t.id, elided: { locations: t.elided_locations, allocations: t.elided_allocations, bytes: t.elided_bytes } };
}

export function nodeRow(db: ReadableDB, tree: number, id: number): (NodeRow & { parent: number | null }) | undefined {
  return stmts(db).node.get(tree, id) as (NodeRow & { parent: number | null }) | undefined;
}

export function childRows(db: ReadableDB, tree: number, filter: number, parent: number, limit: number, offset: number): NodeRow[] {
  return stmts(db).children[filter]!.all(tree, parent, limit, offset) as NodeRow[];
}

/** The whole tree as document nodes (children in display order = id order). */
export function documentTree(db: ReadableDB, tree: number): TreeDocumentNode {
  const rows = stmts(db).allNodes.all(tree) as (NodeRow & { parent: number | null })[];
  type Mutable = Omit<TreeDocumentNode, 'children'> & { children: Mutable[] };
  const nodes: Mutable[] = rows.map((r) => ({ ...facts(r), children: [] }));
  rows.forEach((r, i) => {
    if (r.parent !== null) nodes[r.parent]!.children.push(nodes[i]!);
  });
  return nodes[0]!;
}
