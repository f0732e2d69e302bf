/**
 * StlHashOrder (libstdc++'s unordered_map iteration order) against two references: a literal
 * model written straight from libstdc++'s rules over a plain array (always), and the real
 * std::unordered_map of the machine's g++ (test/fixtures/stl-order/unordered-order.cpp, when
 * g++ is installed), on random insert / erase sequences with memray's key types.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { locationHash } from '../../daemon/src/snapshot/legacy-order.js';
import { mod64, PrimeRehashPolicy, StlHashOrder } from '../../daemon/src/snapshot/stl-hash-order.js';
import { FIXTURES, tempDir } from '../helpers/paths.js';
import { Rng } from '../helpers/rng.js';
import { GROWTH, LiteralMap } from '../helpers/stl-literal-map.js';

const TWO_32 = 2n ** 32n;

function split(h: bigint): [number, number] {
  return [Number(h / TWO_32), Number(h % TWO_32)];
}

describe('PrimeRehashPolicy', () => {
  it("grows as g++ 12's unordered_map does", () => {
    const m = new StlHashOrder();
    const seen: [number, number][] = [];
    let last = m.bucketCount;
    expect(last).toBe(1);
    for (let i = 0; i < 200000; i++) {
      m.insert(i * 16, 0, i * 16);
      if (m.bucketCount !== last) {
        last = m.bucketCount;
        seen.push([i + 1, last]);
      }
    }
    expect(seen).toEqual(GROWTH);
  });

  it('small hints use the fast table, then primes, never shrinking', () => {
    const p = new PrimeRehashPolicy();
    expect([0, 1, 5, 11, 12, 13].map((n) => p.nextBucketCount(n))).toEqual([1, 2, 5, 11, 13, 13]);
    expect(p.nextBucketCount(14)).toBe(17);
    expect(p.nextBucketCount(4294967291)).toBe(4294967291);
    expect(() => p.nextBucketCount(4294967292)).toThrow(RangeError);
  });

  it('mod64 is exact for 64-bit codes', () => {
    const rng = new Rng(7);
    for (let i = 0; i < 2000; i++) {
      const h = (BigInt(rng.int(2 ** 30)) << 34n) ^ BigInt(rng.int(2 ** 30)) ^ (BigInt(rng.int(16)) << 60n);
      const m = [13, 29, 4294967291, 172933][i % 4]!;
      const [hi, lo] = split(h);
      expect(mod64(hi, lo, m)).toBe(Number(h % BigInt(m)));
    }
  });
});

/** A random walk of inserts and erases: grows past several rehashes, shrinks, grows again. */
function* operations(seed: number, n: number): Generator<['a' | 'd', number]> {
  const rng = new Rng(seed);
  const live: number[] = [];
  for (let i = 0; i < n; i++) {
    const phase = Math.floor((i / n) * 4);
    const pInsert = phase === 2 ? 0.3 : 0.7;
    if (live.length === 0 || rng.u32() / 2 ** 32 < pInsert) {
      // Addresses like an allocator's: 16-aligned, often reused, above 2^32.
      const key = 0x7f00_0000_0000 + rng.int(4096) * 16;
      if (!live.includes(key)) live.push(key);
      yield ['a', key];
    } else {
      const j = rng.int(live.length);
      const [key] = live.splice(j, 1);
      yield ['d', key!];
    }
  }
}

describe('StlHashOrder', () => {
  it('equals the literal model on random insert / erase walks (address keys)', () => {
    for (const seed of [1, 2, 3]) {
      const fast = new StlHashOrder();
      const model = new LiteralMap();
      let step = 0;
      for (const [op, key] of operations(seed, 6000)) {
        const [hi, lo] = split(BigInt(key));
        if (op === 'a') {
          if (fast.find(key, hi, lo) < 0) fast.insert(key, hi, lo);
          model.insert(key, BigInt(key));
        } else {
          expect(fast.erase(key, hi, lo)).toBe(true);
          expect(fast.erase(key, hi, lo)).toBe(false);
          model.erase(key);
        }
        if (++step % 500 === 0) expect(fast.order()).toEqual(model.list.map((n) => n.key));
      }
      expect(fast.order()).toEqual(model.list.map((n) => n.key));
      expect(fast.bucketCount).toBe(model.buckets);
    }
  });

  it("equals the literal model with memray's LocationKey hashes", () => {
    const rng = new Rng(11);
    const fast = new StlHashOrder();
    const model = new LiteralMap();
    for (let k = 0; k < 3000; k++) {
      const stack = rng.int(5000);
      const native = rng.u32() / 2 ** 32 < 0.5 ? 0 : rng.u32() * 256 + rng.int(256);
      const tid = 1 + rng.int(6);
      const [hi, lo] = locationHash(stack, native, tid);
      const key = stack * 64 + tid; // unique enough: duplicates are skipped by both
      if (fast.find(key, hi, lo) < 0 && !model.list.some((n) => n.key === key)) {
        fast.insert(key, hi, lo);
        model.insert(key, BigInt(hi) * TWO_32 + BigInt(lo));
      }
    }
    expect(fast.order()).toEqual(model.list.map((n) => n.key));
  });

  it('keeps a value per node and finds only present keys', () => {
    const m = new StlHashOrder();
    const n = m.insert(4096, 0, 4096);
    m.setValue(n, 42);
    expect(m.valueOf(m.find(4096, 0, 4096))).toBe(42);
    expect(m.find(4112, 0, 4112)).toBe(-1);
    expect(m.erase(4112, 0, 4112)).toBe(false);
    expect(m.size).toBe(1);
  });
});

const GXX = spawnSync('g++', ['--version']).status === 0 ? 'g++' : undefined;

describe('StlHashOrder against the real std::unordered_map (g++)', () => {
  it.skipIf(GXX === undefined)('same iteration order after every random walk, address and LocationKey maps', () => {
    const dir = tempDir();
    const exe = path.join(dir, 'unordered-order');
    execFileSync(GXX!, ['-O1', '-std=c++17', '-o', exe, path.join(FIXTURES, 'stl-order/unordered-order.cpp')]);
    for (const seed of [21, 22]) {
      const lines: string[] = [];
      const fast = new StlHashOrder();
      const wants: number[][] = [];
      let step = 0;
      for (const [op, key] of operations(seed, 20000)) {
        const [hi, lo] = split(BigInt(key));
        lines.push(`${op} ${key}`);
        if (op === 'a') {
          if (fast.find(key, hi, lo) < 0) fast.insert(key, hi, lo);
        } else fast.erase(key, hi, lo);
        if (++step % 2500 === 0) {
          lines.push('p');
          wants.push(fast.order());
        }
      }
      const locs = new StlHashOrder();
      const rng = new Rng(seed);
      const ids = new Map<string, number>();
      for (let k = 0; k < 2000; k++) {
        const [stack, native, tid] = [rng.int(3000), rng.u32() / 2 ** 32 < 0.7 ? 0 : rng.u32() * 16 + rng.int(16), 1 + rng.int(5)];
        const name = `${stack}:${native}:${tid}`;
        lines.push(`l ${stack} ${native} ${tid}`);
        if (!ids.has(name)) ids.set(name, ids.size);
        const key = ids.get(name)!;
        const [hi, lo] = locationHash(stack, native, tid);
        if (locs.find(key, hi, lo) < 0) locs.insert(key, hi, lo);
      }
      lines.push('q');
      const out = execFileSync(exe, { input: `${lines.join('\n')}\n`, maxBuffer: 64 << 20 }).toString().split('\n');
      const words = (line: string): string[] => line.split(' ').filter((w) => w !== '');
      wants.forEach((want, i) => expect(words(out[i]!).map(Number)).toEqual(want));
      const names = [...ids.keys()];
      expect(words(out[wants.length]!)).toEqual(locs.order().map((k) => names[k]));
    }
  });
});

