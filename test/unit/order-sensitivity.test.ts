/**
 * The order-sensitivity test (daemon/src/tree/order-sensitivity.ts) against brute force: small
 * random snapshots, every order of their records (memray's stable size sort applied to each),
 * the view built from each by the real view engine. Where the test says "insensitive", every
 * order must give the same tree (and, for extent 'all', the same list of left-out records);
 * its verdict must be the literal rule (a tie among the first min(K + 1, n) sorted sizes of
 * the selected records); and some sensitive cases must really differ, or the brute force
 * proves nothing.
 */
import { describe, expect, it } from 'vitest';
import type { TreeFrame } from '../../daemon/src/tree/frame-classifier.js';
import type { BuiltTree } from '../../daemon/src/tree/build-tree.js';
import { orderSensitive, viewOrderSensitive } from '../../daemon/src/tree/order-sensitivity.js';
import { threadLabel } from '../../daemon/src/tree/thread-label.js';
import type { ModeRecords, PathTrie, ViewData } from '../../daemon/src/tree/view-data.js';
import { buildViewTree, elidedRecords, type TreeSpec } from '../../daemon/src/tree/view-engine.js';

const FRAMES: TreeFrame[] = ['main', 'load', 'parse', 'alloc'].map((name, location) => ({
  function: name,
  file: `${name}.py`,
  line: 1,
  location,
  internal: false,
  importSystem: false,
  interesting: true,
}));
// Stacks as location ids, outermost first, interned into one trie: stack k is path STACK_PATH[k].
const STACKS = [[0], [0, 1], [0, 2], [0, 1, 3], [2], [0, 2, 3]];
const { PATHS, STACK_PATH } = (() => {
  const parent = [0];
  const location = [-1];
  const idOf = new Map<string, number>([['', 0]]);
  for (const s of STACKS) {
    for (let d = 1; d <= s.length; d++) {
      const key = s.slice(0, d).join(',');
      if (idOf.has(key)) continue;
      idOf.set(key, parent.length);
      parent.push(idOf.get(s.slice(0, d - 1).join(','))!);
      location.push(s[d - 1]!);
    }
  }
  const trie: PathTrie = { size: parent.length, parent: Int32Array.from(parent), location: Int32Array.from(location) };
  return { PATHS: trie, STACK_PATH: STACKS.map((s) => idOf.get(s.join(','))!) };
})();

interface Rec {
  stack: number;
  tid: number;
  bytes: number;
  count: number;
}

/** A small deterministic PRNG (mulberry32). */
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  const out: T[][] = [];
  xs.forEach((x, i) => {
    for (const rest of permutations([...xs.slice(0, i), ...xs.slice(i + 1)])) out.push([x, ...rest]);
  });
  return out;
}

const NAMES = new Map<number, string>([[2, 'worker']]);

/** memray's records for one input order: sorted by size, descending, stable (Python's sorted). */
function viewData(order: Rec[]): ViewData {
  const sorted = [...order].sort((a, b) => b.bytes - a.bytes);
  const records: ModeRecords = {
    length: sorted.length,
    path: Int32Array.from(sorted, (r) => STACK_PATH[r.stack]!),
    tid: Float64Array.from(sorted, (r) => r.tid),
    bytes: Float64Array.from(sorted, (r) => r.bytes),
    count: Float64Array.from(sorted, (r) => r.count),
    threadNames: NAMES,
  };
  return { paths: PATHS, frames: FRAMES, records };
}

function treeText(t: BuiltTree, node = 0): unknown {
  return [t.location[node], t.bytes[node], t.allocations[node], t.thread[node]! < 0 ? '' : t.labels[t.thread[node]!], t.children(node).map((c) => treeText(t, c))];
}

function answer(data: ViewData, spec: TreeSpec): { tree: string; elided: string } {
  const built = buildViewTree(data, spec);
  const left = elidedRecords(data, spec, 0, 1000).records.map((e) => [data.records.bytes[e.index], data.records.count[e.index], e.thread, e.frame?.location, e.depth]);
  return { tree: JSON.stringify([treeText(built.tree), built.elided]), elided: JSON.stringify(left) };
}

/** The literal rule, from the records themselves: a tie among the first min(K + 1, n) selected sizes. */
function literal(recs: Rec[], spec: TreeSpec, extent: 'tree' | 'all'): boolean {
  const selected = recs.filter((r) => {
    if (spec.threads.length > 0 && !spec.threads.includes(threadLabel(r.tid, NAMES.get(r.tid)))) return false;
    if (spec.focus !== undefined && !STACKS[r.stack]!.some((l) => spec.focus!.test(FRAMES[l]!.function))) return false;
    return true;
  });
  const sizes = selected.map((r) => r.bytes).sort((a, b) => b - a);
  const n = sizes.length;
  const b = spec.biggestAllocs;
  const kept = extent === 'all' ? n : b >= 0 ? Math.min(b, n) : Math.max(n + b, 0);
  const head = sizes.slice(0, Math.min(kept + 1, n));
  return new Set(head).size !== head.length;
}

describe('order sensitivity of a view, against every order of its records', () => {
  it('an insensitive view gives the same answer for every order; the verdict is the literal rule; sensitive views do differ', () => {
    const rnd = prng(12);
    const seen = { insensitive: 0, sensitive: 0, differing: 0, elidedDiffering: 0 };
    for (let c = 0; c < 400; c++) {
      const n = 2 + rnd(4);
      const recs: Rec[] = Array.from({ length: n }, () => ({ stack: rnd(STACKS.length), tid: 1 + rnd(2), bytes: 10 * (1 + rnd(3)), count: 1 + rnd(3) }));
      const spec: TreeSpec = {
        threads: rnd(4) === 0 ? ['0x2 (worker)'] : [],
        focus: rnd(4) === 0 ? /load/ : undefined,
        inverted: rnd(2) === 0,
        cutImports: false,
        biggestAllocs: [0, 1, 2, 3, n, -1][rnd(6)]!,
      };
      const base = viewData(recs);
      for (const extent of ['tree', 'all'] as const) {
        const verdict = viewOrderSensitive(base, spec, extent);
        expect(verdict, JSON.stringify({ recs, spec, extent })).toBe(literal(recs, spec, extent));
        const answers = new Set(permutations(recs).map((p) => {
          const a = answer(viewData(p), spec);
          return extent === 'tree' ? a.tree : `${a.tree}\n${a.elided}`;
        }));
        if (!verdict) {
          seen.insensitive++;
          expect(answers.size, JSON.stringify({ recs, spec, extent })).toBe(1);
        } else {
          seen.sensitive++;
          if (answers.size > 1) seen[extent === 'tree' ? 'differing' : 'elidedDiffering']++;
        }
      }
    }
    // Both verdicts occur often, and many sensitive views really change with the order.
    expect(seen.insensitive).toBeGreaterThan(100);
    expect(seen.sensitive).toBeGreaterThan(100);
    expect(seen.differing).toBeGreaterThan(30);
    expect(seen.elidedDiffering).toBeGreaterThan(30);
  });

  it('orderSensitive looks at the first min(K + 1, n) sizes only', () => {
    const sizes = [50, 40, 30, 30, 20, 20];
    expect(orderSensitive(sizes, 6, 0)).toBe(false);
    expect(orderSensitive(sizes, 6, 2)).toBe(false); // 50, 40 kept; 30 first cut: no tie
    expect(orderSensitive(sizes, 6, 3)).toBe(true); // which 30 is kept
    expect(orderSensitive(sizes, 6, 4)).toBe(true);
    expect(orderSensitive([50, 40, 30, 20, 10, 10], 6, 4)).toBe(false); // the tie is past the first cut record
    expect(orderSensitive([50, 40, 30, 20, 10, 10], 6, 5)).toBe(true);
    expect(orderSensitive([7, 7], 2, 1)).toBe(true);
    expect(orderSensitive([7], 1, 1)).toBe(false);
    // Positions through `at` (the records a filter selected).
    expect(orderSensitive([9, 5, 9, 5], 2, 2, (k) => [1, 3][k]!)).toBe(true);
    expect(orderSensitive([9, 5, 8, 4], 2, 2, (k) => [1, 3][k]!)).toBe(false);
  });
});
