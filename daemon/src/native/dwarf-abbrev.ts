/**
 * DWARF abbreviation tables (`.debug_abbrev`), one per unit offset. Attribute specs of a whole
 * table live in three flat arrays (an abbreviation is a slice of them): big debug files have
 * thousands of tables and per-abbreviation arrays made parsing them allocation-bound.
 */
import { ByteCursor, Underflow } from './byte-cursor.js';

/** One abbreviation: the shape of the DIEs that use its code. */
export interface Abbrev {
  readonly tag: number;
  readonly hasChildren: boolean;
  /** This abbreviation's attributes are `first .. first + count - 1` of the table's arrays. */
  readonly first: number;
  readonly count: number;
}

/** The abbreviations of one table, by code. */
export class AbbrevTable {
  /** Attribute names, forms and DW_FORM_implicit_const values, all abbreviations in a row. */
  readonly names: number[] = [];
  readonly forms: number[] = [];
  readonly implicit: number[] = [];
  private readonly dense: (Abbrev | undefined)[] = [];
  private readonly sparse = new Map<number, Abbrev>();
  private readonly c: ByteCursor;
  private done = false;

  /** A table starting at `offset`, parsed lazily: most units only ever need their root DIE's entry. */
  constructor(section: Uint8Array, offset: number) {
    if (offset >= section.length) throw new Underflow('abbrev offset out of range');
    this.c = new ByteCursor(section, offset, section.length, '.debug_abbrev');
  }

  /** The abbreviation for `code`; throws like libbacktrace's "invalid abbreviation code". */
  get(code: number): Abbrev {
    let a = code < 65536 ? this.dense[code] : this.sparse.get(code);
    while (a === undefined && !this.done) a = this.parseNext(code);
    if (a === undefined) throw new Underflow(`invalid abbreviation code ${code}`);
    return a;
  }

  /** Parses the next entry; returns it if it is `wanted`. */
  private parseNext(wanted: number): Abbrev | undefined {
    const c = this.c;
    const { names, forms, implicit } = this;
    const code = c.left > 0 ? c.uleb() : 0;
    if (code === 0) {
      this.done = true;
      return undefined;
    }
    const tag = c.uleb();
    const hasChildren = c.u8() !== 0;
    const first = names.length;
    for (;;) {
      const name = c.uleb();
      const form = c.uleb();
      if (name === 0 && form === 0) break;
      names.push(name);
      forms.push(form);
      implicit.push(form === 0x21 ? c.sleb() : 0);
    }
    const a: Abbrev = { tag, hasChildren, first, count: names.length - first };
    // The first definition of a code wins, as with libbacktrace's sorted lookup of unique codes.
    if (code < 65536) this.dense[code] ??= a;
    else if (!this.sparse.has(code)) this.sparse.set(code, a);
    return code === wanted ? a : undefined;
  }
}
