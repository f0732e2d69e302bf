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
 * Whether the capture was written and read by memray 1.19 or older (header versions 9-12, files
 * named `*_v9` ... `*_v12`), whose snapshot records come in a C++ hash map's order, which
 * memtree reproduces (daemon/src/snapshot/legacy-order.ts, test/integration/legacy-order.test.ts).
 */
export function hashOrdered(capture: string): boolean {
  return /_v(9|10|11|12)$/.test(capture);
}

export type Comparable = Omit<TreeDocumentNode, 'children'> & { children: Comparable[] };

/** memray's tree in our document's shape (children sorted by value, stable over memray's insertion order). */
export function fromMemray(t: MemrayTreeFile): Comparable {
  const conv = (f: MemrayFrame, root: boolean): Comparable => ({
    function: f.location[0],
    file: f.location[1],
    line: f.location[2],
    bytes: root ? f.value - t.elided_locations.n_bytes : f.value,
    allocations: root ? f.n_allocations - t.elided_locations.n_allocations : f.n_allocations,
    thread: f.thread_id,
    interesting: f.interesting,
    importSystem: f.import_system,
    children: f.children.map((c) => conv(c, false)).sort((a, b) => b.bytes - a.bytes),
  });
  return conv(t.tree, true);
}

/** Our document node as a Comparable. */
export function fromDocument(n: TreeDocumentNode): Comparable {
  return n as Comparable;
}

/** CLI flags selecting an expected-file mode. */
export function modeFlags(mode: string): string[] {
  if (mode === 'peak') return [];
  if (mode === 'leaks') return ['--leaks'];
  return ['--temporary-allocation-threshold', mode.slice(4)];
}

/** One range of memray's temporal references (`temporal-peak.json`, `temporal-leaks.json`). */
export interface MemrayTemporalRange {
  readonly name: string;
  readonly range: [number, number];
  readonly hwm_snapshot?: number;
  readonly hwm_bytes?: number;
  readonly tree: MemrayFrame;
}

/** A snapshot record of memray's `<mode>-records.json`. */
export interface MemrayRecord {
  size: number;
  tid: number;
  n_allocations: number;
  thread_name: string;
  stack_trace: [string, string, number][];
}
