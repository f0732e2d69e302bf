// Property test of temporary allocations (capture-format.md section 11) over thresholds 0 to
// 1,000 against a literal model: each thread keeps a plain array of its last N + 1 allocations,
// newest first; a deallocation on that thread takes the newest entry with its address (and, for
// munmap, its exact size). The reader's per-thread ring grows from 16 entries up to N + 1, so
// long streams (more allocations per thread than the threshold) exercise every growth step.
//
// Seeded: the default seed makes every run check the same cases; hunt with other seeds:
//   FC_SEED=<seed> FC_TEMP_RUNS=<runs> npx vitest run test/unit/temporary-window.test.ts
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LoadedCapture } from '../../daemon/src/capture/load.js';
import { Allocator, writeCapture, type CaptureEvent } from '../helpers/capture-writer.js';
import { loadBytes } from '../helpers/load-bytes.js';

const SEED = process.env.FC_SEED === undefined ? 20261206 : Number(process.env.FC_SEED);
const RUNS = Number(process.env.FC_TEMP_RUNS ?? 60);
const TIDS = [1, 2, 9];
const HEAP = 0x7f0000000000;
const MAPS = 0x7e0000000000;

/** One step of a program: allocate, free the k-th newest live block of a thread, map or unmap. */
const stepArb = fc.oneof(
  { weight: 10, arbitrary: fc.record({ k: fc.constant('alloc' as const), t: fc.nat(2), size: fc.integer({ min: 0, max: 5000 }), frame: fc.nat(3), reuse: fc.nat(9) }) },
  { weight: 7, arbitrary: fc.record({ k: fc.constant('free' as const), t: fc.nat(2), on: fc.nat(2), back: fc.nat(1200), py: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('mmap' as const), t: fc.nat(2), pages: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('munmap' as const), t: fc.nat(2), back: fc.nat(50), exact: fc.boolean() }) },
);

const programArb = fc.record({
  threshold: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.constantFrom(0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 70, 100, 1000)),
  steps: fc.array(stepArb, { minLength: 1, maxLength: 6000, size: 'max' }),
});
type Program = typeof programArb extends fc.Arbitrary<infer T> ? T : never;

/** One allocation record as the model sees it. */
interface Rec {
  seq: number;
  tid: number;
  address: number;
  size: number;
  allocator: number;
  /** The allocation's one-frame stack (-1: the empty stack). */
  frame: number;
}

/** The program as capture events (each allocation under one of four one-frame stacks) and as records. */
function interpret(prog: Program): { events: CaptureEvent[]; records: Rec[] } {
  const events: CaptureEvent[] = [];
  const records: Rec[] = [];
  const code = [1, 2, 3, 4];
  for (const id of code) events.push({ type: 'code', id, function: `f${id}`, file: 'app.py', firstLine: id });
  const depth = new Map<number, number>();
  const live = new Map<number, number[]>(); // tid -> live simple addresses, oldest first
  const maps = new Map<number, { b: number; size: number }[]>();
  let heapNext = HEAP;
  let mapNext = MAPS;
  const emit = (tid: number, address: number, size: number, allocator: number, frame: number): void => {
    events.push({ type: 'alloc', tid, address, size, allocator });
    records.push({ seq: records.length, tid, address, size, allocator, frame });
  };
  const onFrame = (tid: number, frame: number): void => {
    if ((depth.get(tid) ?? 0) > 0) events.push({ type: 'pop', tid, count: 1 });
    events.push({ type: 'push', tid, code: code[frame]!, offset: 0 });
    depth.set(tid, 1);
  };
  const frameOf = new Map<number, number>();
  for (const s of prog.steps) {
    const tid = TIDS[s.t]!;
    const mine = live.get(tid) ?? [];
    live.set(tid, mine);
    if (s.k === 'alloc') {
      if (frameOf.get(tid) !== s.frame) {
        onFrame(tid, s.frame);
        frameOf.set(tid, s.frame);
      }
      // Mostly fresh addresses; sometimes one just freed (allocators reuse them at once).
      const address = s.reuse === 0 && mine.length > 0 ? mine.splice(mine.length - 1, 1)[0]! : (heapNext += 16);
      emit(tid, address, s.size, Allocator.MALLOC, s.frame);
      mine.push(address);
    } else if (s.k === 'free') {
      // Frees on this thread or another one (a free by another thread never counts).
      const owner = live.get(TIDS[(s.t + s.on) % TIDS.length]!) ?? [];
      if (owner.length === 0) continue;
      const i = Math.max(0, owner.length - 1 - (s.back % owner.length));
      const address = owner.splice(i, 1)[0]!;
      emit(tid, address, 0, s.py ? Allocator.PYMALLOC_FREE : Allocator.FREE, 0);
    } else if (s.k === 'mmap') {
      const size = s.pages * 4096;
      const list = maps.get(tid) ?? [];
      maps.set(tid, list);
      list.push({ b: mapNext, size });
      emit(tid, mapNext, size, Allocator.MMAP, frameOf.get(tid) ?? -1);
      mapNext += size + 4096;
    } else {
      const list = maps.get(tid) ?? [];
      if (list.length === 0) continue;
      const i = Math.max(0, list.length - 1 - (s.back % list.length));
      const m = list.splice(i, 1)[0]!;
      emit(tid, m.b, s.exact ? m.size : m.size - 4096 || 4096 * 2, Allocator.MUNMAP, 0);
    }
  }
  return { events, records };
}

/** A temporary group: (thread, stack) with its bytes and count, listed by earliest allocation. */
interface Row {
  tid: number;
  frame: string;
  bytes: number;
  count: number;
}

/** Section 11, literally: per-thread arrays of the last threshold + 1 allocations, newest first. */
function model(records: readonly Rec[], threshold: number, frameName: (r: Rec) => string): Row[] {
  const windows = new Map<number, Rec[]>();
  const found: Rec[] = [];
  for (const r of records) {
    const freeing = r.allocator === Allocator.FREE || r.allocator === Allocator.PYMALLOC_FREE || r.allocator === Allocator.MUNMAP;
    if (!freeing) {
      const w = windows.get(r.tid) ?? [];
      windows.set(r.tid, w);
      w.unshift(r);
      if (w.length > threshold + 1) w.pop();
      continue;
    }
    const hit = windows.get(r.tid)?.find((x) => x.address === r.address && (r.allocator !== Allocator.MUNMAP || x.size === r.size));
    if (hit !== undefined) found.push(hit);
  }
  const groups = new Map<string, Row & { first: number }>();
  for (const r of found) {
    const key = `${r.tid}|${frameName(r)}`;
    const g = groups.get(key);
    if (g === undefined) groups.set(key, { tid: r.tid, frame: frameName(r), bytes: r.size, count: 1, first: r.seq });
    else {
      g.bytes += r.size;
      g.count += 1;
      g.first = Math.min(g.first, r.seq);
    }
  }
  return [...groups.values()].sort((a, b) => a.first - b.first).map(({ first: _, ...row }) => row);
}

function readerRows(cap: LoadedCapture): Row[] {
  const r = cap.temporary!.records;
  const rows: Row[] = [];
  for (let i = 0; i < r.length; i++) {
    const frames = cap.state.frameIds(r.stackId[i]!).map((f) => cap.state.frame(f).function);
    rows.push({ tid: r.tid[i]!, frame: frames.join('<') || '-', bytes: r.bytes[i]!, count: r.count[i]! });
  }
  return rows;
}

function check(prog: Program): void {
  const { events, records } = interpret(prog);
  const cap = loadBytes(writeCapture(events, {}), { temporaryThreshold: prog.threshold });
  expect(cap.warnings).toEqual([]);
  expect(cap.totalAllocations).toBe(records.length);
  expect(readerRows(cap)).toEqual(model(records, prog.threshold, (r) => (r.frame < 0 ? '-' : `f${r.frame + 1}`)));
}

describe('temporary allocations match a literal model of memray (thresholds 0-1,000)', () => {
  it('random long allocation streams on three threads', () => {
    fc.assert(fc.property(programArb, check), { numRuns: RUNS, seed: SEED });
  });

  it('a window grown past 16 entries keeps its oldest entries (threshold 70, 100 allocations then 100 frees)', () => {
    const events: CaptureEvent[] = [];
    const records: Rec[] = [];
    for (let i = 0; i < 100; i++) {
      events.push({ type: 'alloc', tid: 1, address: HEAP + 16 * i, size: 1 + i, allocator: Allocator.MALLOC });
      records.push({ seq: records.length, tid: 1, address: HEAP + 16 * i, size: 1 + i, allocator: Allocator.MALLOC, frame: -1 });
    }
    for (let i = 0; i < 100; i++) {
      events.push({ type: 'alloc', tid: 1, address: HEAP + 16 * i, size: 0, allocator: Allocator.FREE });
      records.push({ seq: records.length, tid: 1, address: HEAP + 16 * i, size: 0, allocator: Allocator.FREE, frame: -1 });
    }
    const cap = loadBytes(writeCapture(events, {}), { temporaryThreshold: 70 });
    // The last 71 allocations (sizes 30..100) are in the window when the frees come.
    const expected = model(records, 70, (r) => (r.frame < 0 ? '-' : `f${r.frame + 1}`));
    expect(expected).toEqual([{ tid: 1, frame: '-', bytes: (30 + 100) * 71 / 2, count: 71 }]);
    expect(readerRows(cap)).toEqual(expected);
  });
});
