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
