/**
 * Memory over time and time ranges against memray 1.20's own temporal readers
 * (memory.json, temporal-peak.json, temporal-leaks.json; docs/views.md), read in-process.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCapture, type LoadedCapture } from '../../daemon/src/capture/load.js';
import { rangeSnapshot } from '../../daemon/src/snapshot/range-snapshot.js';
import { keptRecords, memorySnapshots, periodsOf, rangePeak, snapshotCount, timeRange } from '../../daemon/src/snapshot/time-ranges.js';
import { AGGREGATED_HAS_NO_HISTORY } from '../../daemon/src/snapshot/range-snapshot.js';
import { nativeSkipReason } from '../helpers/native-env.js';
import { buildTree, pythonStackResolver } from '../../daemon/src/tree/build-tree.js';
import { documentNode } from '../../daemon/src/tree/tree-document.js';
import { hybridTreeResolver } from '../../daemon/src/native/hybrid-resolver.js';
import { Symbolizer } from '../../daemon/src/native/symbolizer.js';
import type { Snapshot } from '../../daemon/src/capture/load.js';
import { EXPECTED, CAPTURES, sharedCapture } from '../helpers/paths.js';
import { fromDocument, fromMemray, readExpected, type Comparable, type MemrayTemporalRange } from '../helpers/expected.js';

interface TemporalFile {
  n_snapshots: number;
  high_water_mark_by_snapshot?: number[];
  ranges: MemrayTemporalRange[];
}

function captureFile(name: string): string | undefined {
  const local = path.join(CAPTURES, `${name}.bin`);
  return fs.existsSync(local) ? local : sharedCapture(`${name}.bin`);
}

function expectedFile<T>(name: string, file: string): T | undefined {
  if (fs.existsSync(path.join(EXPECTED, name, `${file}.gz`))) return readExpected<T>(name, file);
  const shared = path.resolve(EXPECTED, '../../../../shared/captures/expected', name, file);
  return fs.existsSync(shared) ? (JSON.parse(fs.readFileSync(shared, 'utf8')) as T) : undefined;
}

const NAMES = ['simple', 'simple_nocompress', 'simple_py39', 'simple_py310', 'simple_py312', 'simple_py313', 'threads', 'unicode', 'imports',
  'deep_recursion', 'peak_then_free', 'python_allocators', 'temporary', 'crashed_a', 'native_sqlite', 'aggregated_simple', 'aggregated_threads', 'large_9m'];

function tree(c: LoadedCapture, snap: Snapshot): Comparable {
  const sym = c.header.nativeTraces ? new Symbolizer() : undefined;
  try {
    const res = sym === undefined ? pythonStackResolver(c) : hybridTreeResolver(c, sym);
    return fromDocument(documentNode(buildTree(snap, 1_000_000, res)));
  } finally {
    sym?.close();
  }
}

/** Nodes (by their path of locations), bytes and allocations; sibling order and thread labels aside. */
function loose(root: Comparable): Map<string, string> {
  const out = new Map<string, string>();
  const stack: [Comparable, string][] = [[root, '']];
  while (stack.length > 0) {
    const [n, parent] = stack.pop()!;
    const key = `${parent}\u0001${n.function}\u0000${n.file}\u0000${n.line}`;
    out.set(key, `${n.bytes}/${n.allocations}`);
    for (const ch of n.children) stack.push([ch, key]);
  }
  return out;
}

const NATIVE_SKIP = nativeSkipReason();

for (const name of NAMES) {
  const file = captureFile(name);
  const memory = expectedFile<{ snapshots: number[][] }>(name, 'memory.json');
  // memray symbolized native frames with its machine's libraries: same binaries needed here.
  const skip = file === undefined || memory === undefined || (name === 'native_sqlite' && NATIVE_SKIP !== undefined);
  // large_9m comes from ../shared when present; describe bodies run even when skipped.
  if (skip) continue;
  describe(`time: ${name}`, () => {
    const c = loadCapture(file!);
    it("memory snapshots equal memray's get_memory_snapshots()", () => {
      expect(memorySnapshots(c.memory)).toEqual(memory!.snapshots);
    });
    for (const kind of ['peak', 'leaks'] as const) {
      const ref = expectedFile<TemporalFile>(name, `temporal-${kind}.json`);
      if (c.header.fileFormat === 1) {
        it(`${kind}: memray's error for a pre-aggregated capture`, () => {
          // The shared corpus has memray's exception (temporal-<kind>-error.json).
          const error = expectedFile<{ message: string }>(name, `temporal-${kind}-error.json`);
          if (error !== undefined) expect(error.message).toBe(AGGREGATED_HAS_NO_HISTORY);
          expect(() => rangeSnapshot(c, kind, 0, 0)).toThrow(AGGREGATED_HAS_NO_HISTORY);
        });
      }
      if (ref === undefined) continue;
      for (const r of ref.ranges) {
        it(`${kind} ${r.name} ${r.range.join(':')}: memray's nodes, bytes and allocations`, () => {
          const { snapshot, range } = rangeSnapshot(c, kind, r.range[0], r.range[1]);
          if (kind === 'peak') {
            expect(range.snapshot).toBe(r.hwm_snapshot);
            expect(range.bytes).toBe(r.hwm_bytes);
          }
          const want = fromMemray({ tree: r.tree, elided_locations: { n_bytes: 0, n_allocations: 0 } } as never);
          expect(loose(tree(c, snapshot))).toEqual(loose(want));
        });
      }
      it(`${kind}: the whole range is the ordinary ${kind} tree, exactly`, () => {
        const { snapshot } = rangeSnapshot(c, kind, 0, ref.n_snapshots);
        expect(tree(c, snapshot)).toEqual(tree(c, kind === 'peak' ? c.peak : c.leaks));
      });
    }
  });
}

describe("memray's 10,000-snapshot cap (a stride past it)", () => {
  const series = (n: number) => ({ timeMs: Float64Array.from({ length: n }, (_, i) => 1000 + 10 * i), rss: new Float64Array(n), heap: new Float64Array(n) });
  it('keeps every k-th record from the first, k = ceil(n / max)', () => {
    expect(keptRecords(25, 10)).toEqual([0, 3, 6, 9, 12, 15, 18, 21, 24]);
    expect(keptRecords(20, 10)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(keptRecords(10, 10)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(memorySnapshots(series(25), 10).map((s) => s[0])).toEqual([1000, 1030, 1060, 1090, 1120, 1150, 1180, 1210, 1240]);
    expect(snapshotCount(25, 10)).toBe(9);
  });
  it("maps memray's snapshot J to the periods between its kept records", () => {
    // k = 3: snapshot 0 is before record 0; snapshot 1 between records 0 and 3; the last after record 24.
    expect(periodsOf(0, 25, 10)).toEqual({ lo: 0, hi: 0 });
    expect(periodsOf(1, 25, 10)).toEqual({ lo: 1, hi: 3 });
    expect(periodsOf(8, 25, 10)).toEqual({ lo: 22, hi: 24 });
    expect(periodsOf(9, 25, 10)).toEqual({ lo: 25, hi: 25 });
  });
  it('takes the highest high-water mark of the periods a snapshot spans (the first snapshot with the highest)', () => {
    const hwm = new Float64Array(26);
    hwm[5] = 50;
    hwm[17] = 50;
    hwm[25] = 10;
    expect(rangePeak({ hwm, memoryRecords: 25 }, 0, 9, 10)).toEqual({ snapshot: 2, bytes: 50, period: 5 });
    expect(rangePeak({ hwm, memoryRecords: 25 }, 3, 9, 10)).toEqual({ snapshot: 6, bytes: 50, period: 17 });
    expect(rangePeak({ hwm, memoryRecords: 25 }, 9, 9, 10)).toEqual({ snapshot: 9, bytes: 10, period: 25 });
  });
  it("maps times as memray's plot does, at the boundaries", () => {
    const m = series(25); // kept records at 0, 30, ..., 240 ms after a start at 1000
    expect(timeRange(m, 1000, undefined, undefined, 10)).toEqual({ start: 0, end: 9 });
    // Start: the first kept record at or after T1; end: the first kept record after T2.
    expect(timeRange(m, 1000, 30, 60, 10)).toEqual({ start: 1, end: 3 });
    expect(timeRange(m, 1000, 31, 59, 10)).toEqual({ start: 2, end: 2 });
    expect(timeRange(m, 1000, 0, 0, 10)).toEqual({ start: 0, end: 1 });
    expect(timeRange(m, 1000, 240, undefined, 10)).toEqual({ start: 8, end: 9 });
    expect(timeRange(m, 1000, 241, undefined, 10)).toEqual({ start: 9, end: 9 });
    expect(timeRange(m, 1000, undefined, 1e9, 10)).toEqual({ start: 0, end: 9 });
  });
});
