/**
 * DWARF PC ranges on hand-made sections: `.debug_ranges` base-address selectors (all-ones low
 * address, which a 64-bit JS number cannot represent exactly), the merging of touching ranges
 * of one owner, the sort tiebreak and libbacktrace's search for the covering entry.
 */
import { describe, expect, it } from 'vitest';
import { AttrVal, DW_AT_ranges, ENC_UINT, type DwarfSections } from '../../daemon/src/native/dwarf-forms.js';
import { addRanges, findRange, PcRange, RangeList, type RangeUnit } from '../../daemon/src/native/dwarf-ranges.js';

const EMPTY = new Uint8Array(0);

/** Little-endian `size`-byte words (-1: all ones). */
function words(size: number, values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * size);
  values.forEach((v, i) => {
    for (let b = 0; b < size; b++) out[i * size + b] = v === -1 ? 0xff : Math.floor(v / 2 ** (8 * b)) & 0xff;
  });
  return out;
}

function unit(addrSize: number, ranges: Uint8Array): RangeUnit {
  const sections: DwarfSections = {
    info: EMPTY,
    line: EMPTY,
    abbrev: EMPTY,
    ranges,
    str: EMPTY,
    addr: EMPTY,
    strOffsets: EMPTY,
    lineStr: EMPTY,
    rnglists: EMPTY,
  };
  return { version: 4, is64: false, addrSize, sections, alt: undefined, addrBase: 0, rnglistsBase: 0 };
}

/** The ranges `addRanges` gives for DW_AT_ranges at offset 0, base 0x1000. */
function rangesOf(addrSize: number, values: number[]): [number, number][] {
  const r = new PcRange();
  const v = new AttrVal();
  v.enc = ENC_UINT;
  v.val = 0;
  r.update(DW_AT_ranges, v);
  const list = new RangeList<string>();
  addRanges(unit(addrSize, words(addrSize, values)), 0x1000, r, list, 'u');
  const m = list.sorted(() => 0);
  return Array.from(m.low, (low, i) => [low, m.high[i]!]);
}

describe('.debug_ranges', () => {
  for (const size of [8, 4]) {
    it(`${size}-byte addresses: offsets from the unit base, an all-ones low address selects a new base`, () => {
      expect(rangesOf(size, [0x10, 0x20, -1, 0x5000, 0x10, 0x20, 0, 0])).toEqual([
        [0x1010, 0x1020],
        [0x5010, 0x5020],
      ]);
    });
  }

  it('an address just below all ones is an ordinary offset', () => {
    // 2^64 - 2 rounds to 2^64 as a JS number: only the bytes tell it from a selector.
    const almost = words(8, [-1]);
    almost[0] = 0xfe;
    const bytes = new Uint8Array([...almost, ...words(8, [0x10, 0, 0])]);
    const r = new PcRange();
    const v = new AttrVal();
    v.enc = ENC_UINT;
    r.update(DW_AT_ranges, v);
    const list = new RangeList<string>();
    addRanges(unit(8, bytes), 0, r, list, 'u');
    expect(list.length).toBe(1);
  });
});

describe('RangeList and findRange', () => {
  it("merges a range into the same owner's previous one when it starts at or one past its end", () => {
    const list = new RangeList<string>();
    list.add('a', 0x10, 0x20);
    list.add('a', 0x20, 0x30);
    list.add('a', 0x31, 0x38);
    list.add('b', 0x38, 0x40);
    list.add('a', 0x40, 0x48);
    const m = list.sorted(() => 0);
    expect([...m.low]).toEqual([0x10, 0x38, 0x40]);
    expect([...m.high]).toEqual([0x38, 0x40, 0x48]);
    expect(m.owner).toEqual(['a', 'b', 'a']);
  });

  it('sorts by low ascending, high descending, then the tiebreak; finds the last covering entry of the largest low', () => {
    const list = new RangeList<string>();
    list.add('outer', 0x10, 0x40);
    list.add('z', 0x20, 0x30);
    list.add('y', 0x20, 0x30);
    list.add('wide', 0x20, 0x38);
    const m = list.sorted((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(m.owner).toEqual(['outer', 'wide', 'y', 'z']);
    expect(m.owner[findRange(m, 0x25)]).toBe('z');
    expect(m.owner[findRange(m, 0x32)]).toBe('wide');
    // Entries of a smaller low are not searched: libbacktrace misses the enclosing range too.
    expect(findRange(m, 0x3a)).toBe(-1);
    expect(m.owner[findRange(m, 0x15)]).toBe('outer');
    expect(findRange(m, 0x0f)).toBe(-1);
  });
});
