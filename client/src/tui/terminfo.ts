/**
 * A reader of compiled terminfo entries (term(5)), both formats: the legacy one (magic 0432,
 * 16-bit numbers) and ncurses 6's extended-number one (magic 01036, 32-bit numbers) that
 * Debian and others ship since ncurses 6.1. neo-blessed reads every number as 16 bits, so on
 * an 01036 file every string offset after the numbers is misplaced (screen-256color loses
 * cursor addressing, tmux-256color its 256 colours). The extended (user-defined) section, with
 * names such as Tc, RGB or Smulx, is read too.
 */

/** A parsed entry: standard capabilities by their index in term.h's order, extended ones by name. */
export interface TerminfoData {
  /** The names line: primary name, aliases, description last. */
  readonly names: readonly string[];
  readonly bools: readonly boolean[];
  /** -1 where absent (or cancelled). */
  readonly numbers: readonly number[];
  /** undefined where absent (or cancelled). */
  readonly strings: readonly (string | undefined)[];
  readonly extBools: ReadonlyMap<string, boolean>;
  readonly extNumbers: ReadonlyMap<string, number>;
  readonly extStrings: ReadonlyMap<string, string>;
}

/** A file that is not a compiled terminfo entry, or a damaged one. */
export class TerminfoError extends Error {}

const MAGIC_LEGACY = 0o432;
const MAGIC_NUMBER32 = 0o1036;

class Cursor {
  constructor(
    private readonly data: Uint8Array,
    public pos: number,
  ) {}

  need(n: number): void {
    if (this.pos + n > this.data.length) throw new TerminfoError(`truncated at byte ${this.pos}`);
  }

  u8(): number {
    this.need(1);
    return this.data[this.pos++]!;
  }

  /** A little-endian signed 16-bit value. */
  i16(): number {
    this.need(2);
    const v = this.data[this.pos]! | (this.data[this.pos + 1]! << 8);
    this.pos += 2;
    return v >= 0x8000 ? v - 0x10000 : v;
  }

  /** A little-endian signed 32-bit value. */
  i32(): number {
    this.need(4);
    const d = this.data;
    const v = d[this.pos]! | (d[this.pos + 1]! << 8) | (d[this.pos + 2]! << 16) | (d[this.pos + 3]! << 24);
    this.pos += 4;
    return v;
  }

  /** Skips the pad byte that aligns the next section on an even offset (from `base`). */
  align(base: number): void {
    if ((this.pos - base) % 2 === 1) this.pos++;
  }
}

/** The NUL-terminated string at `at` (latin1: terminfo strings are bytes). */
function cString(data: Uint8Array, at: number, end: number): string {
  if (at < 0 || at >= end) throw new TerminfoError(`string offset ${at} outside the string table`);
  let j = at;
  while (j < end && data[j] !== 0) j++;
  if (j === end) throw new TerminfoError(`unterminated string at byte ${at}`);
  return Buffer.from(data.subarray(at, j)).toString('latin1');
}

/** Parses a compiled terminfo entry. */
export function parseTerminfo(data: Uint8Array): TerminfoData {
  const c = new Cursor(data, 0);
  const magic = c.i16();
  if (magic !== MAGIC_LEGACY && magic !== MAGIC_NUMBER32) throw new TerminfoError(`not a compiled terminfo entry (magic ${magic.toString(8)})`);
  const num = magic === MAGIC_NUMBER32 ? () => c.i32() : () => c.i16();
  const [namesSize, boolCount, numCount, strCount, tableSize] = [c.i16(), c.i16(), c.i16(), c.i16(), c.i16()];
  if (namesSize < 0 || boolCount < 0 || numCount < 0 || strCount < 0 || tableSize < 0) throw new TerminfoError('negative section size');
  c.need(namesSize);
  const names = Buffer.from(data.subarray(c.pos, c.pos + namesSize))
    .toString('latin1')
    .replace(/\0.*$/s, '')
    .split('|');
  c.pos += namesSize;
  const bools = Array.from({ length: boolCount }, () => c.u8() === 1);
  c.align(0);
  const numbers = Array.from({ length: numCount }, () => Math.max(-1, num()));
  const offsets = Array.from({ length: strCount }, () => c.i16());
  c.need(tableSize);
  const table = c.pos;
  const strings = offsets.map((o) => (o < 0 ? undefined : cString(data, table + o, table + tableSize)));
  c.pos = table + tableSize;

  const extBools = new Map<string, boolean>();
  const extNumbers = new Map<string, number>();
  const extStrings = new Map<string, string>();
  c.align(0);
  if (c.pos + 10 <= data.length) {
    const [eBools, eNums, eStrs, , eTableSize] = [c.i16(), c.i16(), c.i16(), c.i16(), c.i16()];
    if (eBools < 0 || eNums < 0 || eStrs < 0 || eTableSize < 0) throw new TerminfoError('negative extended section size');
    const bv = Array.from({ length: eBools }, () => c.u8() === 1);
    c.align(0);
    const nv = Array.from({ length: eNums }, () => Math.max(-1, num()));
    const sv = Array.from({ length: eStrs }, () => c.i16());
    const nameOffsets = Array.from({ length: eBools + eNums + eStrs }, () => c.i16());
    c.need(eTableSize);
    const eTable = c.pos;
    const eEnd = eTable + eTableSize;
    // The table holds the string values, then the names; name offsets count from the names' start,
    // which is just past the last value (absent values take no room).
    let valuesEnd = 0;
    const values = sv.map((o) => {
      if (o < 0) return undefined;
      const s = cString(data, eTable + o, eEnd);
      valuesEnd = Math.max(valuesEnd, o + s.length + 1);
      return s;
    });
    const name = (i: number): string => cString(data, eTable + valuesEnd + nameOffsets[i]!, eEnd);
    bv.forEach((v, i) => extBools.set(name(i), v));
    nv.forEach((v, i) => extNumbers.set(name(eBools + i), v));
    values.forEach((v, i) => {
      if (v !== undefined) extStrings.set(name(eBools + eNums + i), v);
    });
  }
  return { names, bools, numbers, strings, extBools, extNumbers, extStrings };
}
