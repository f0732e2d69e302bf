/**
 * memray 1.20's ground truth (vendored gzipped from shared/captures/expected) and its
 * conversion to our document's shape: children sorted as memray's view sorts them (by value,
 * stable over insertion order) and the root without the elided bytes (docs/json-output.md).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { TreeDocumentNode } from '../../protocol/src/tree-document.js';
import { EXPECTED } from './paths.js';

export interface MemrayFrame {
  location: [string, string, number];
  value: number;
  n_allocations: number;
  thread_id: string;
  interesting: boolean;
  import_system: boolean;
  children: MemrayFrame[];
}

export interface MemrayTreeFile {
  mode: string;
  biggest_allocs: number;
  meta: { peak_memory: number; total_allocations: number; file_format: string };
  elided_locations: { cutoff: number; n_locations: number; n_allocations: number; n_bytes: number };
  tree: MemrayFrame;
}

export function readExpected<T>(capture: string, file: string): T {
  return JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(EXPECTED, capture, `${file}.gz`))).toString('utf8')) as T;
}

/** Expected (capture, mode) pairs that have tree files, e.g. ['threads', 'temp1']. */
export function expectedTreeModes(): [string, string][] {
  const out: [string, string][] = [];
  for (const capture of fs.readdirSync(EXPECTED).sort()) {
    const modes = new Set(
      fs
        .readdirSync(path.join(EXPECTED, capture))
        // Mode trees only: query-* and inverted-* are view references (views-reference.test.ts).
        .filter((f) => /-b\d+\.json\.gz$/.test(f) && !/^(query|inverted)-/.test(f))
        .map((f) => f.split('-b')[0]!),
    );
    for (const m of [...modes].sort()) out.push([capture, m]);
  }
  return out;
}

/**
 * Whether the capture's expected records come in hash order: memray 1.19 and older (header
 * versions 9-12, files named `*_v9` ... `*_v12`) yield snapshot records in the order of a C++
 * hash map, so equal-sized records (and so equal-valued children) have no meaningful order.
 */
export function hashOrdered(capture: string): boolean {
  return /_v(9|10|11|12)$/.test(capture);
}

export type Comparable = Omit<TreeDocumentNode, 'children'> & { children: Comparable[] };

/** memray's tree in our document's shape. `tieSort` also orders equal values by name (for 1.19's hash order). */
export function fromMemray(t: MemrayTreeFile, tieSort = false): Comparable {
  const conv = (f: MemrayFrame, root: boolean): Comparable => ({
    function: f.location[0],
    file: f.location[1],
    line: f.location[2],
    bytes: root ? f.value - t.elided_locations.n_bytes : f.value,
    allocations: root ? f.n_allocations - t.elided_locations.n_allocations : f.n_allocations,
    thread: f.thread_id,
    interesting: f.interesting,
    importSystem: f.import_system,
    children: sortKids(f.children.map((c) => conv(c, false)), tieSort),
  });
  return conv(t.tree, true);
}

function sortKids(kids: Comparable[], tieSort: boolean): Comparable[] {
  return kids.sort((a, b) => b.bytes - a.bytes || (tieSort ? key(a).localeCompare(key(b)) : 0));
}

function key(n: Comparable): string {
  return `${n.function}\0${n.file}\0${n.line}`;
}

/** Our document node as a Comparable (optionally re-sorting ties by name). */
export function fromDocument(n: TreeDocumentNode, tieSort = false): Comparable {
  const conv = (x: TreeDocumentNode): Comparable => ({ ...x, children: sortKids(x.children.map(conv), tieSort) });
  return tieSort ? conv(n) : (n as Comparable);
}

/** CLI flags selecting an expected-file mode. */
export function modeFlags(mode: string): string[] {
  if (mode === 'peak') return [];
  if (mode === 'leaks') return ['--leaks'];
  return ['--temporary-allocation-threshold', mode.slice(4)];
}

/** A snapshot record of memray's `<mode>-records.json`. */
export interface MemrayRecord {
  size: number;
  tid: number;
  n_allocations: number;
  thread_name: string;
  stack_trace: [string, string, number][];
}

/** A record's thread label as the tree shows it (memray 1.10 and older already give "0x1 (name)" as the name). */
function threadLabel(r: MemrayRecord): string {
  const hex = `0x${r.tid.toString(16)}`;
  if (r.thread_name === '' || r.thread_name === hex) return hex;
  return r.thread_name.startsWith(`${hex} (`) ? r.thread_name : `${hex} (${r.thread_name})`;
}

/**
 * For hash-ordered ground truth (see `hashOrdered`): a node's thread label is that of the LAST
 * record through it in size order, i.e. of one of its smallest records, and which one of several
 * equal-sized records is last is memray's hash order. So wherever several threads tie, both trees
 * get the same stand-in label listing them (a label outside the set still fails the comparison).
 * Records are placed by walking their stacks outermost first through the nodes of `expected`
 * (frames memray does not show have no node and are passed over). Only for trees whose -b cut
 * does not fall on a tie.
 */
export function canonicalThreads(expected: Comparable, ours: Comparable, records: MemrayRecord[], b: number): [Comparable, Comparable] {
  const kept = [...records].sort((x, y) => y.size - x.size).slice(0, b);
  const minSize = new Map<string, number>();
  const labels = new Map<string, Set<string>>();
  const note = (k: string, r: MemrayRecord): void => {
    const m = minSize.get(k);
    if (m === undefined || r.size < m) {
      minSize.set(k, r.size);
      labels.set(k, new Set([threadLabel(r)]));
    } else if (r.size === m) labels.get(k)!.add(threadLabel(r));
  };
  for (const r of kept) {
    let node = expected;
    let path = '';
    for (let i = r.stack_trace.length - 1; i >= 0; i--) {
      const [fn, file, line] = r.stack_trace[i]!;
      const child = node.children.find((c) => c.function === fn && c.file === file && c.line === line);
      if (child === undefined) continue;
      node = child;
      path += `\u0001${key(child)}`;
      note(path, r);
    }
  }
  const canon = (n: Comparable, path: string): Comparable => {
    const set = labels.get(path);
    const thread = set !== undefined && set.size > 1 && set.has(n.thread) ? [...set].sort().join(' | ') : n.thread;
    return { ...n, thread, children: n.children.map((c) => canon(c, `${path}\u0001${key(c)}`)) };
  };
  return [canon(expected, ''), canon(ours, '')];
}
