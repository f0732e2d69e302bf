/**
 * The functions of one unit and their inlined calls (libbacktrace's `read_function_entry`):
 * DW_TAG_subprogram / entry_point with PC ranges go to the unit's list, each function keeps the
 * DW_TAG_inlined_subroutines directly inside it (through lexical blocks and nameless entries)
 * with their call site. Names: DW_AT_linkage_name wins, then a name found through
 * DW_AT_abstract_origin / DW_AT_specification, then DW_AT_name; nameless entries are dropped.
 */
import { ByteCursor, Underflow } from './byte-cursor.js';
import {
  AttrVal,
  DW_AT_abstract_origin,
  DW_AT_call_file,
  DW_AT_call_line,
  DW_AT_linkage_name,
  DW_AT_low_pc,
  DW_AT_MIPS_linkage_name,
  DW_AT_name,
  DW_AT_specification,
  DW_TAG_compile_unit,
  DW_TAG_entry_point,
  DW_TAG_inlined_subroutine,
  DW_TAG_skeleton_unit,
  DW_TAG_subprogram,
  ENC_ADDRESS,
  ENC_ADDRESS_INDEX,
  ENC_REF_ALT_INFO,
  ENC_REF_INFO,
  ENC_REF_UNIT,
  ENC_UINT,
  readAttribute,
  resolveAddrIndex,
  resolveString,
} from './dwarf-forms.js';
import { addRanges, findRange, PcRange, RangeList, type RangeMap } from './dwarf-ranges.js';
import { findUnit, type Unit } from './dwarf-units.js';

/** A named function or inlined call with PC ranges. */
export interface DwarfFunction {
  name: string;
  /** Where this (inlined) call was made from: DW_AT_call_file / DW_AT_call_line. */
  callerFile: string | undefined;
  callerLine: number;
  /** Calls inlined directly into this function. */
  inlined: FunctionAddrs | undefined;
}

/** Function ranges sorted by low asc, high desc (nested ranges: the smallest last), name. */
export type FunctionAddrs = RangeMap<DwarfFunction>;

/** The units a reference can point into. */
export interface UnitSet {
  readonly units: readonly Unit[];
  readonly alt: readonly Unit[] | undefined;
}

function byName(a: DwarfFunction, b: DwarfFunction): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function finish(list: RangeList<DwarfFunction>): FunctionAddrs | undefined {
  return list.length === 0 ? undefined : list.sorted(byName);
}

/** The sorted function list of unit `u`; `filenames` are its line header's file names. */
export function readFunctionInfo(u: Unit, filenames: readonly (string | undefined)[], set: UnitSet): FunctionAddrs | undefined {
  const c = new ByteCursor(u.sections.info, u.dataStart, u.highOffset, '.debug_info');
  const top = new RangeList<DwarfFunction>();
  const val = new AttrVal();
  const range = new PcRange();
  try {
    while (c.left > 0) readEntries(c, u, 0, filenames, set, top, top, val, range);
  } catch (err) {
    // libbacktrace gives up on the unit's functions (its line rows still count).
    if (err instanceof Underflow) return undefined;
    throw err;
  }
  return finish(top);
}

function readEntries(
  c: ByteCursor,
  u: Unit,
  base: number,
  filenames: readonly (string | undefined)[],
  set: UnitSet,
  vecFunction: RangeList<DwarfFunction>,
  vecInlined: RangeList<DwarfFunction>,
  val: AttrVal,
  range: PcRange,
): void {
  while (c.left > 0) {
    const code = c.uleb();
    if (code === 0) return;
    const t = u.abbrevs;
    const ab = t.get(code);
    const tag = ab.tag;
    const isFunction = tag === DW_TAG_subprogram || tag === DW_TAG_entry_point || tag === DW_TAG_inlined_subroutine;
    const vec = tag === DW_TAG_inlined_subroutine ? vecInlined : vecFunction;
    const isUnit = tag === DW_TAG_compile_unit || tag === DW_TAG_skeleton_unit;
    let name: string | undefined;
    let callerFile: string | undefined;
    let callerLine = 0;
    let haveLinkage = false;
    range.reset();
    for (let i = ab.first, last = ab.first + ab.count; i < last; i++) {
      const at = t.names[i]!;
      readAttribute(t.forms[i]!, t.implicit[i]!, c, u, val);
      if (isUnit && at === DW_AT_low_pc) {
        // The unit's low_pc is the base for its functions' range lists.
        if (val.enc === ENC_ADDRESS) base = val.val;
        else if (val.enc === ENC_ADDRESS_INDEX) base = resolveAddrIndex(u.sections, u.addrBase, u.addrSize, val.val);
      }
      if (!isFunction) continue;
      if (at === DW_AT_call_file) {
        if (val.enc === ENC_UINT) {
          if (val.val >= filenames.length) throw new Underflow('invalid file number in DW_AT_call_file attribute');
          callerFile = filenames[val.val];
        }
      } else if (at === DW_AT_call_line) {
        if (val.enc === ENC_UINT) callerLine = val.val;
      } else if (at === DW_AT_abstract_origin || at === DW_AT_specification) {
        if (!haveLinkage) name = referencedNameFromAttr(u, t.forms[i]!, val, set, 0) ?? name;
      } else if (at === DW_AT_name) {
        if (name === undefined) name = resolveString(val, u.is64, u.sections, u.strOffsetsBase);
      } else if (at === DW_AT_linkage_name || at === DW_AT_MIPS_linkage_name) {
        const s = resolveString(val, u.is64, u.sections, u.strOffsetsBase);
        if (s !== undefined) {
          name = s;
          haveLinkage = true;
        }
      } else {
        range.update(at, val);
      }
    }
    let fn: DwarfFunction | undefined;
    if (isFunction && name !== undefined && range.present) {
      fn = { name, callerFile, callerLine, inlined: undefined };
      addRanges(u, base, range, vec, fn);
    }
    if (ab.hasChildren) {
      if (fn === undefined) {
        readEntries(c, u, base, filenames, set, vecFunction, vecInlined, val, range);
      } else {
        const inner = new RangeList<DwarfFunction>();
        readEntries(c, u, base, filenames, set, vecFunction, inner, val, range);
        fn.inlined = finish(inner);
      }
    }
  }
}

function referencedNameFromAttr(u: Unit, form: number, v: AttrVal, set: UnitSet, depth: number): string | undefined {
  if (form === 0x20) return undefined; // ref_sig8: type units are not read
  if (v.enc === ENC_REF_INFO) {
    const target = findUnit(set.units, v.val);
    return target === undefined ? undefined : referencedName(target, v.val - target.lowOffset, set, depth);
  }
  if (v.enc === ENC_UINT || v.enc === ENC_REF_UNIT) return referencedName(u, v.val, set, depth);
  if (v.enc === ENC_REF_ALT_INFO && set.alt !== undefined) {
    const target = findUnit(set.alt, v.val);
    return target === undefined ? undefined : referencedName(target, v.val - target.lowOffset, { units: set.alt, alt: undefined }, depth);
  }
  return undefined;
}

/** libbacktrace's `read_referenced_name`: the name of the DIE at unit offset `offset`. */
function referencedName(u: Unit, offset: number, set: UnitSet, depth: number): string | undefined {
  if (depth > 64 || offset < u.headerSize || u.lowOffset + offset >= u.highOffset) return undefined;
  try {
    const c = new ByteCursor(u.sections.info, u.lowOffset + offset, u.highOffset, '.debug_info');
    const code = c.uleb();
    if (code === 0) return undefined;
    const t = u.abbrevs;
    const ab = t.get(code);
    const v = new AttrVal();
    let ret: string | undefined;
    for (let i = ab.first, last = ab.first + ab.count; i < last; i++) {
      readAttribute(t.forms[i]!, t.implicit[i]!, c, u, v);
      const at = t.names[i]!;
      if (at === DW_AT_name) {
        if (ret === undefined) ret = resolveString(v, u.is64, u.sections, u.strOffsetsBase);
      } else if (at === DW_AT_linkage_name || at === DW_AT_MIPS_linkage_name) {
        const s = resolveString(v, u.is64, u.sections, u.strOffsetsBase);
        if (s !== undefined) return s;
      } else if (at === DW_AT_specification) {
        ret = referencedNameFromAttr(u, t.forms[i]!, v, set, depth + 1) ?? ret;
      }
    }
    return ret;
  } catch (err) {
    if (err instanceof Underflow) return undefined;
    throw err;
  }
}

/** The innermost entry of `fa` containing `pc` (see `findRange`). */
export function findFunction(fa: FunctionAddrs, pc: number): DwarfFunction | undefined {
  const p = findRange(fa, pc);
  return p < 0 ? undefined : fa.owner[p];
}
