/**
 * The units of `.debug_info` and the map from PC ranges to units (libbacktrace's
 * `build_address_map` / `find_address_ranges`): a unit's own ranges when its root DIE has
 * them, else those of every DW_TAG_subprogram inside it. Line tables and function lists are
 * read later, per unit, on first use.
 */
import { ByteCursor, Underflow } from './byte-cursor.js';
import { AbbrevTable } from './dwarf-abbrev.js';
import {
  AttrVal,
  DW_AT_addr_base,
  DW_AT_comp_dir,
  DW_AT_name,
  DW_AT_rnglists_base,
  DW_AT_stmt_list,
  DW_AT_str_offsets_base,
  DW_TAG_compile_unit,
  DW_TAG_skeleton_unit,
  DW_TAG_subprogram,
  ENC_REF_SECTION,
  ENC_UINT,
  readAttribute,
  resolveString,
  type DwarfSections,
} from './dwarf-forms.js';
import type { FunctionAddrs } from './dwarf-functions.js';
import type { LineTable } from './dwarf-lines.js';
import { addRanges, PcRange, RangeList, type RangeMap, type RangeUnit } from './dwarf-ranges.js';

/** A compilation (or partial) unit of `.debug_info` and what was read of it so far. */
export interface Unit extends RangeUnit {
  /** Offsets in `.debug_info` of the unit's header and of the end of the unit. */
  readonly lowOffset: number;
  readonly highOffset: number;
  /** Offset of the first DIE and its distance from `lowOffset`. */
  readonly dataStart: number;
  readonly headerSize: number;
  readonly abbrevs: AbbrevTable;
  filename: string | undefined;
  compDir: string | undefined;
  lineOff: number;
  strOffsetsBase: number;
  addrBase: number;
  rnglistsBase: number;
  /** undefined: not read yet; null: reading failed (libbacktrace's `lines == -1`). */
  lines: LineTable | null | undefined;
  functions: FunctionAddrs | undefined;
}

/** Unit address ranges sorted as libbacktrace sorts them (low asc, high desc, line offset asc). */
export type UnitAddrs = RangeMap<Unit>;

const byLineOffset = (a: Unit, b: Unit): number => a.lineOff - b.lineOff;

const DW_UT_type = 2;
const DW_UT_skeleton = 4;
const DW_UT_split_compile = 5;
const DW_UT_split_type = 6;

/** Parses every unit header of `.debug_info` and builds the PC-to-unit map. Throws on bad data. */
export function buildAddressMap(sections: DwarfSections, alt: DwarfSections | undefined): { units: Unit[]; addrs: UnitAddrs } {
  const info = sections.info;
  const units: Unit[] = [];
  const ranges = new RangeList<Unit>();
  const abbrevCache = new Map<number, AbbrevTable>();
  const c = new ByteCursor(info, 0, info.length, '.debug_info');
  const val = new AttrVal();
  const range = new PcRange();
  while (c.left > 0) {
    const start = c.pos;
    let len = c.u32();
    const is64 = len === 0xffffffff;
    if (is64) len = c.u64();
    const end = c.pos + len;
    if (end > info.length) throw new Underflow('.debug_info');
    const h = new ByteCursor(info, c.pos, end, '.debug_info');
    c.pos = end;
    const version = h.u16();
    if (version < 2 || version > 5) throw new Underflow(`unrecognized DWARF version ${version}`);
    let unitType = 0;
    if (version >= 5) {
      unitType = h.u8();
      if (unitType === DW_UT_type || unitType === DW_UT_split_type) continue;
    }
    let addrSize = version >= 5 ? h.u8() : 0;
    const abbrevOffset = h.offset(is64);
    if (version < 5) addrSize = h.u8();
    if (unitType === DW_UT_skeleton || unitType === DW_UT_split_compile) h.u64();
    let abbrevs = abbrevCache.get(abbrevOffset);
    if (abbrevs === undefined) {
      abbrevs = new AbbrevTable(sections.abbrev, abbrevOffset);
      abbrevCache.set(abbrevOffset, abbrevs);
    }
    const u: Unit = {
      version,
      is64,
      addrSize,
      sections,
      alt,
      lowOffset: start,
      highOffset: end,
      dataStart: h.pos,
      headerSize: h.pos - start,
      abbrevs,
      filename: undefined,
      compDir: undefined,
      lineOff: 0,
      strOffsetsBase: 0,
      addrBase: 0,
      rnglistsBase: 0,
      lines: undefined,
      functions: undefined,
    };
    units.push(u);
    findAddressRanges(h, u, val, range, ranges);
  }
  return { units, addrs: ranges.sorted(byLineOffset) };
}

/** Walks DIEs from `c` until the end of a sibling list, collecting unit/subprogram ranges. */
function findAddressRanges(c: ByteCursor, u: Unit, val: AttrVal, range: PcRange, out: RangeList<Unit>): boolean {
  while (c.left > 0) {
    const code = c.uleb();
    if (code === 0) return true;
    const t = u.abbrevs;
    const ab = t.get(code);
    const isUnit = ab.tag === DW_TAG_compile_unit || ab.tag === DW_TAG_skeleton_unit;
    range.reset();
    let name: AttrVal | undefined;
    let compDir: AttrVal | undefined;
    for (let i = ab.first, last = ab.first + ab.count; i < last; i++) {
      readAttribute(t.forms[i]!, t.implicit[i]!, c, u, val);
      const at = t.names[i]!;
      range.update(at, val);
      if (!isUnit) continue;
      const sectionRef = val.enc === ENC_REF_SECTION;
      if (at === DW_AT_stmt_list && (val.enc === ENC_UINT || sectionRef)) u.lineOff = val.val;
      else if (at === DW_AT_name) name = Object.assign(new AttrVal(), val);
      else if (at === DW_AT_comp_dir) compDir = Object.assign(new AttrVal(), val);
      else if (at === DW_AT_str_offsets_base && sectionRef) u.strOffsetsBase = val.val;
      else if (at === DW_AT_addr_base && sectionRef) u.addrBase = val.val;
      else if (at === DW_AT_rnglists_base && sectionRef) u.rnglistsBase = val.val;
    }
    // Strings are resolved after the whole DIE so DW_AT_str_offsets_base is known.
    if (name !== undefined) u.filename = resolveString(name, u.is64, u.sections, u.strOffsetsBase) ?? u.filename;
    if (compDir !== undefined) u.compDir = resolveString(compDir, u.is64, u.sections, u.strOffsetsBase) ?? u.compDir;
    if (isUnit || ab.tag === DW_TAG_subprogram) {
      addRanges(u, range.lowpc, range, out, u);
      if (isUnit && range.present) return true;
    }
    if (ab.hasChildren && !findAddressRanges(c, u, val, range, out)) return false;
  }
  return true;
}

/** The unit containing `.debug_info` offset `offset` (libbacktrace's `find_unit`). */
export function findUnit(units: readonly Unit[], offset: number): Unit | undefined {
  let l = 0;
  let h = units.length;
  while (l < h) {
    const m = (l + h) >>> 1;
    const u = units[m]!;
    if (offset < u.lowOffset) h = m;
    else if (offset >= u.highOffset) l = m + 1;
    else return u;
  }
  return undefined;
}
