/**
 * native_sqlite.bin (`memray run --native`, sqlite3 + zlib from C) against memray 1.20's own
 * results: every snapshot record's native and hybrid stack, and the peak/leaks trees for
 * B = 10, 200, 1000000 built with our symbolizer. memray symbolized at read time from the
 * binaries of its machine, so this only holds where the same binaries (same build ids, same
 * debug files) are installed: elsewhere the test is skipped and says which library differs.
 */
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Frame } from '../../daemon/src/capture/capture-state.js';
import { loadCapture } from '../../daemon/src/capture/load.js';
import { hybridTreeResolver, nativeStackResolver, nativeTraceResolver } from '../../daemon/src/native/hybrid-resolver.js';
import { MemorySymbolCache, Symbolizer } from '../../daemon/src/native/symbolizer.js';
import { buildTree } from '../../daemon/src/tree/build-tree.js';
import { documentNode } from '../../daemon/src/tree/tree-document.js';
import { fromMemray, readExpected, type MemrayTreeFile } from '../helpers/expected.js';
import { CAPTURES } from '../helpers/paths.js';
import { nativeSkipReason } from '../helpers/native-env.js';

const why = nativeSkipReason();
const reason = why;
if (why !== undefined) console.warn(`native_sqlite: skipped: ${why}`);

type Tuple = [string, string, number];
interface RecordsFile {
  records: { native_stack_trace: Tuple[]; hybrid_stack_trace: Tuple[]; stack_trace: Tuple[]; size: number }[];
}

const tuples = (frames: readonly Frame[]): Tuple[] => frames.map((f) => [f.function, f.file, f.line]);

describe.skipIf(reason !== undefined)('native_sqlite.bin symbolized like memray 1.20', () => {
  const capture = loadCapture(path.join(CAPTURES, 'native_sqlite.bin'));
  const symbolizer = new Symbolizer();
  afterAll(() => symbolizer.close());

  for (const mode of ['peak', 'leaks'] as const) {
    it(`${mode}: native and hybrid stack of every record`, () => {
      const expected = readExpected<RecordsFile>('native_sqlite', `${mode}-records.json`).records;
      const r = capture[mode].records;
      expect(r.length).toBe(expected.length);
      const native = nativeTraceResolver(capture, symbolizer);
      const hybrid = nativeStackResolver(capture, symbolizer);
      for (let i = 0; i < r.length; i++) {
        const e = expected[i]!;
        expect(r.bytes[i], `record ${i} size`).toBe(e.size);
        expect(tuples(native(r.nativeId[i]!, r.generation[i]!)), `record ${i} native`).toEqual(e.native_stack_trace);
        expect(tuples(hybrid(r.stackId[i]!, r.nativeId[i]!, r.tid[i]!, r.generation[i]!)), `record ${i} hybrid`).toEqual(e.hybrid_stack_trace);
      }
    });

    for (const b of [10, 200, 1000000]) {
      it(`${mode} tree -b ${b}`, () => {
        const expected = readExpected<MemrayTreeFile>('native_sqlite', `${mode}-b${b}.json`);
        const snap = capture[mode];
        const tree = buildTree(snap, b, hybridTreeResolver(capture, symbolizer));
        expect(documentNode(tree)).toEqual(fromMemray(expected));
        const e = expected.elided_locations;
        expect(tree.elided).toEqual({ locations: e.n_locations, allocations: e.n_allocations, bytes: e.n_bytes });
      });
    }
  }

  it('symbolizes every record of both snapshots cold, then the same from a shared cache alone', () => {
    // Speed is measured by test/bench/native-bench.ts; here only the answers count.
    const stacks = (s: Symbolizer): Tuple[][] => {
      const hybrid = nativeStackResolver(capture, s);
      const out: Tuple[][] = [];
      for (const snap of [capture.peak, capture.leaks]) {
        const r = snap.records;
        for (let i = 0; i < r.length; i++) out.push(tuples(hybrid(r.stackId[i]!, r.nativeId[i]!, r.tid[i]!, r.generation[i]!)));
      }
      return out;
    };
    const cache = new MemorySymbolCache();
    const cold = new Symbolizer({ cache });
    const first = stacks(cold);
    cold.close();
    expect(cold.stats.resolved).toBe(cache.size);
    const warm = new Symbolizer({ cache });
    expect(stacks(warm)).toEqual(first);
    warm.close();
    expect(warm.stats.resolved).toBe(0);
    expect(warm.stats.cacheHits).toBeGreaterThanOrEqual(cache.size);
  });
});

if (reason !== undefined) {
  describe('native_sqlite.bin', () => {
    it.skip(`skipped: ${why}`, () => {});
  });
}
