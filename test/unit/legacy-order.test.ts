/**
 * LegacyOrderSink against a literal model of memray 1.19's aggregators (snapshot.cpp:
 * SnapshotAllocationAggregator over an address-keyed unordered_map and an interval vector,
 * TemporaryAllocationsAggregator's per-thread windows) on random allocation streams with
 * address reuse, replaced live addresses, mmap / partial munmap and several threads: the order
 * in which each snapshot's (stack, native, thread) groups reach memray's LocationKey map.
 */
import { describe, expect, it } from 'vitest';
import { RecordError } from '../../daemon/src/capture/records.js';
import { LegacyOrderSink } from '../../daemon/src/snapshot/legacy-order.js';
import { Allocator } from '../helpers/capture-types.js';
import { Rng } from '../helpers/rng.js';
import { LiteralMap } from '../helpers/stl-literal-map.js';

// Today's allocator ids (the reader translates versions 9-11's).
const { PYMALLOC_FREE, PYMALLOC_MALLOC, FREE, MALLOC, MMAP, MUNMAP } = Allocator;

interface Ev {
  tid: number;
  address: number;
  size: number;
  allocator: number;
  stack: number;
}

const HEAP = 0x7f12_0000_0000;
const MAPS = 0x7f40_0000_0000;

function stream(seed: number, n: number): Ev[] {
  const rng = new Rng(seed);
  const out: Ev[] = [];
  const live: number[] = [];
  for (let i = 0; i < n; i++) {
    const tid = 1 + rng.int(3);
    const stack = 1 + rng.int(40);
    const r = rng.int(100);
    if (r < 50) {
      const address = HEAP + rng.int(700) * 16; // reused addresses, sometimes still live
      live.push(address);
      out.push({ tid, address, size: 16 * (1 + rng.int(8)), allocator: rng.int(2) === 0 ? MALLOC : PYMALLOC_MALLOC, stack });
    } else if (r < 88 && live.length > 0) {
      const [address] = live.splice(rng.int(live.length), 1);
      out.push({ tid, address: address!, size: 0, allocator: rng.int(2) === 0 ? FREE : PYMALLOC_FREE, stack: 0 });
    } else if (r < 94) {
      out.push({ tid, address: MAPS + rng.int(64) * 4096, size: 4096 * (1 + rng.int(4)), allocator: MMAP, stack });
    } else {
      out.push({ tid, address: MAPS + rng.int(64) * 4096, size: 4096 * (1 + rng.int(3)), allocator: MUNMAP, stack: 0 });
    }
  }
  return out;
}

/** memray's aggregators written out over the literal hash map: the groups ("stack:tid") in LocationKey-insertion order. */
function model(events: Ev[], peakIndex: number, window: number): { peak: string[]; leaks: string[]; temporary: string[] } {
  const map = new LiteralMap();
  const value = new Map<number, string>();
  let intervals: { begin: number; end: number; key: string }[] = [];
  const windows = new Map<number, { address: number; size: number; key: string }[]>();
  const temporary: string[] = [];
  const snapshot = (): string[] => {
    const keys = [...map.list.map((n) => value.get(n.key)!), ...intervals.map((iv) => iv.key)];
    return [...new Set(keys)];
  };
  let peak: string[] = [];
  events.forEach((e, i) => {
    const key = `${e.stack}:${e.tid}`;
    const w = windows.get(e.tid) ?? [];
    windows.set(e.tid, w);
    if (e.allocator === MALLOC || e.allocator === PYMALLOC_MALLOC || e.allocator === MMAP) {
      if (e.allocator === MMAP) intervals.push({ begin: e.address, end: e.address + e.size, key });
      else {
        map.insert(e.address, BigInt(e.address));
        value.set(e.address, key);
      }
      w.unshift({ address: e.address, size: e.size, key });
      if (w.length > window) w.pop();
    } else {
      const hit = w.find((a) => a.address === e.address && (e.allocator !== MUNMAP || a.size === e.size));
      if (hit !== undefined && !temporary.includes(hit.key)) temporary.push(hit.key);
      if (e.allocator === MUNMAP) {
        const [b, end] = [e.address, e.address + e.size];
        intervals = intervals.flatMap((iv) => {
          if (iv.end <= b || iv.begin >= end) return [iv];
          const parts = [];
          if (iv.begin < b) parts.push({ ...iv, end: b });
          if (iv.end > end) parts.push({ ...iv, begin: end });
          return parts;
        });
      } else if (value.has(e.address)) {
        map.erase(e.address);
        value.delete(e.address);
      }
    }
    if (i === peakIndex) peak = snapshot();
  });
  return { peak, leaks: snapshot(), temporary };
}

function run(events: Ev[], peakIndex: number, window: number, total = events.length): { sink: LegacyOrderSink; names: (g: Int32Array) => string[] } {
  const sink = new LegacyOrderSink(peakIndex, total, window);
  for (const e of events.slice(0, total)) sink.allocation(e.tid, e.address / 8, e.size, e.allocator, e.stack, 0);
  const names = (groups: Int32Array): string[] => {
    const byId = new Map<number, string>();
    for (const e of events) if (e.stack !== 0) byId.set(sink.groupOf(e.stack, 0, e.tid), `${e.stack}:${e.tid}`);
    return Array.from(groups, (g) => byId.get(g)!);
  };
  return { sink, names };
}

describe('LegacyOrderSink', () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`seed ${seed}: peak, leaks and temporary groups in memray's insertion order`, () => {
      const events = stream(seed, 4000);
      const peakIndex = 1000 + seed * 500;
      const window = 1 + seed;
      const want = model(events, peakIndex, window);
      const { sink, names } = run(events, peakIndex, window);
      expect(names(sink.peak())).toEqual(want.peak);
      expect(names(sink.leaks())).toEqual(want.leaks);
      expect(names(sink.temporary())).toEqual(want.temporary);
      expect(want.peak.length).toBeGreaterThan(20);
      expect(want.temporary.length).toBeGreaterThan(5);
    });
  }

  it('stops at the records the snapshots count, like the first pass', () => {
    const events = stream(9, 600);
    const { sink, names } = run(events, 100, 2, 300);
    expect(() => sink.allocation(1, HEAP / 8, 16, MALLOC, 1, 0)).toThrow(RecordError);
    expect(names(sink.leaks())).toEqual(model(events.slice(0, 300), 100, 2).leaks);
  });
});
