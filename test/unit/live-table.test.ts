// The live table against a literal model (a Map): random inserts, replacements and removals on
// clustered and scattered addresses, with the rare wide values (sizes of 2^14 bytes and more,
// up to 2^53; sequence numbers past 2^40) that do not fit a slot and live beside it.
import { describe, expect, it } from 'vitest';
import { LiveTable } from '../../daemon/src/snapshot/live-table.js';
import { Rng } from '../helpers/rng.js';

interface Entry {
  size: number;
  seq: number;
  group: number;
}

function check(t: LiveTable, model: Map<number, Entry>): void {
  expect(t.size).toBe(model.size);
  const seen: Entry[] = [];
  t.forEach((size, seq, group) => seen.push({ size, seq, group }));
  const key = (e: Entry): string => `${e.seq}:${e.size}:${e.group}`;
  expect(seen.map(key).sort()).toEqual([...model.values()].map(key).sort());
}

describe('the live table', () => {
  for (const seed of [1, 2, 3]) {
    it(`agrees with a Map through random inserts, replacements and removals (seed ${seed})`, () => {
      const rng = new Rng(seed);
      const t = new LiveTable();
      const model = new Map<number, Entry>();
      const keys: number[] = [];
      let seq = seed === 3 ? 2 ** 40 - 5000 : 0; // crosses the slot's sequence range
      // Mismatches, collected (an expect per operation would be most of the test's time).
      const bad: string[] = [];
      const same = (key: number, slot: number): void => {
        const e = model.get(key)!;
        if (t.sizeAt(slot) !== e.size || t.seqAt(slot) !== e.seq || t.groupAt(slot) !== e.group) {
          bad.push(`${key}: ${t.sizeAt(slot)}/${t.seqAt(slot)}/${t.groupAt(slot)}, model ${e.size}/${e.seq}/${e.group}`);
        }
      };
      for (let op = 0; op < 60_000; op++) {
        const r = rng.u32() / 2 ** 32;
        if (r < 0.55 || keys.length === 0) {
          // Clustered (pymalloc-like pages) or scattered addresses; sometimes an address in use.
          const key =
            keys.length > 0 && r < 0.08
              ? keys[rng.int(keys.length)]!
              : rng.chance(0.8)
                ? 0x7f0000000000 / 8 + rng.int(64) * 512 + rng.int(512)
                : rng.int(2 ** 30) * 2 ** 15 + rng.int(2 ** 15);
          const size = rng.chance(0.9) ? rng.int(16383) : rng.chance(0.5) ? 16383 + rng.int(2 ** 20) : 2 ** 53 - 1 - rng.int(1000);
          const group = rng.int(2 ** 31);
          const slot = t.upsert(key);
          if (t.isNew === model.has(key)) bad.push(`upsert ${key}: isNew ${t.isNew}`);
          if (!t.isNew) same(key, slot);
          else keys.push(key);
          t.set(slot, size, seq, group);
          model.set(key, { size, seq, group });
          seq += rng.chance(0.01) ? 2 ** 33 : 1;
        } else {
          const k = rng.int(keys.length);
          const key = keys[k]!;
          const slot = t.find(key);
          if (slot < 0) {
            bad.push(`find ${key}: missing`);
            continue;
          }
          same(key, slot);
          t.removeAt(slot);
          model.delete(key);
          keys[k] = keys[keys.length - 1]!;
          keys.pop();
          if (t.find(key) !== -1) bad.push(`find ${key} after removal`);
        }
        if (op % 15_000 === 0) check(t, model);
      }
      check(t, model);
      expect(bad.slice(0, 5)).toEqual([]);
      for (const key of keys) t.removeAt(t.find(key));
      expect(t.size).toBe(0);
    });
  }
});
