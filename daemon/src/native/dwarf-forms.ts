/**
 * DWARF 2-5 attribute decoding, after libbacktrace's `read_attribute`: each form becomes an
 * encoded value (address, address index, constant, string, string index, reference, ...) in
 * a reused scratch object, so walking DIEs allocates nothing per attribute.
 */
import { ByteCursor, cString, Underflow } from './byte-cursor.js';

export const DW_TAG_entry_point = 0x03;
export const DW_TAG_compile_unit = 0x11;
export const DW_TAG_inlined_subroutine = 0x1d;
export const DW_TAG_subprogram = 0x2e;
export const DW_TAG_skeleton_unit = 0x4a;

export const DW_AT_name = 0x03;
export const DW_AT_stmt_list = 0x10;
export const DW_AT_low_pc = 0x11;
export const DW_AT_high_pc = 0x12;
export const DW_AT_comp_dir = 0x1b;
export const DW_AT_abstract_origin = 0x31;
export const DW_AT_specification = 0x47;
export const DW_AT_ranges = 0x55;
export const DW_AT_call_file = 0x58;
export const DW_AT_call_line = 0x59;
export const DW_AT_linkage_name = 0x6e;
export const DW_AT_str_offsets_base = 0x72;
export const DW_AT_addr_base = 0x73;
export const DW_AT_rnglists_base = 0x74;
export const DW_AT_MIPS_linkage_name = 0x2007;

/** Value encodings (libbacktrace's `enum attr_val_encoding`). */
export const ENC_NONE = 0;
export const ENC_ADDRESS = 1;
export const ENC_ADDRESS_INDEX = 2;
export const ENC_UINT = 3;
export const ENC_SINT = 4;
export const ENC_STRING = 5;
export const ENC_STRING_INDEX = 6;
export const ENC_REF_UNIT = 7;
export const ENC_REF_INFO = 8;
export const ENC_REF_ALT_INFO = 9;
export const ENC_REF_SECTION = 10;
export const ENC_REF_TYPE = 11;
export const ENC_RNGLISTS_INDEX = 12;
export const ENC_BLOCK = 13;
export const ENC_EXPR = 14;

/** The DWARF sections libbacktrace reads (empty arrays for missing ones). */
export interface DwarfSections {
  readonly info: Uint8Array;
  readonly line: Uint8Array;
  readonly abbrev: Uint8Array;
  readonly ranges: Uint8Array;
  readonly str: Uint8Array;
  readonly addr: Uint8Array;
  readonly strOffsets: Uint8Array;
  readonly lineStr: Uint8Array;
  readonly rnglists: Uint8Array;
}

/** What a form decoder needs to know about its unit. */
export interface FormContext {
  readonly version: number;
  readonly is64: boolean;
  readonly addrSize: number;
  readonly sections: DwarfSections;
  /** The dwz supplementary file's sections, when there is one. */
  readonly alt: DwarfSections | undefined;
}

/** One decoded attribute value. `buf` is the string's section for ENC_STRING. */
export class AttrVal {
  enc = ENC_NONE;
  val = 0;
  buf: Uint8Array = EMPTY;
}

const EMPTY = new Uint8Array(0);

/** Reads one attribute of `form` at `c` into `out`; throws on malformed data. */
export function readAttribute(form: number, implicit: number, c: ByteCursor, u: FormContext, out: AttrVal): void {
  switch (form) {
    case 0x01: // addr
      out.enc = ENC_ADDRESS;
      out.val = c.address(u.addrSize);
      return;
    case 0x03: // block2
      out.enc = ENC_BLOCK;
      c.skip(c.u16());
      return;
    case 0x04: // block4
      out.enc = ENC_BLOCK;
      c.skip(c.u32());
      return;
    case 0x05: // data2
      out.enc = ENC_UINT;
      out.val = c.u16();
      return;
    case 0x06: // data4
      out.enc = ENC_UINT;
      out.val = c.u32();
      return;
    case 0x07: // data8
      out.enc = ENC_UINT;
      out.val = c.u64();
      return;
    case 0x1e: // data16
      out.enc = ENC_BLOCK;
      c.skip(16);
      return;
    case 0x08: // string
      out.enc = ENC_STRING;
      out.buf = c.buf;
      out.val = c.skipString();
      return;
    case 0x09: // block
      out.enc = ENC_BLOCK;
      c.skip(c.uleb());
      return;
    case 0x0a: // block1
      out.enc = ENC_BLOCK;
      c.skip(c.u8());
      return;
    case 0x0b: // data1
    case 0x0c: // flag
      out.enc = ENC_UINT;
      out.val = c.u8();
      return;
    case 0x0d: // sdata
      out.enc = ENC_SINT;
      out.val = c.sleb();
      return;
    case 0x0e: // strp
      return sectionString(c.offset(u.is64), u.sections.str, 'DW_FORM_strp', out);
    case 0x1f: // line_strp
      return sectionString(c.offset(u.is64), u.sections.lineStr, 'DW_FORM_line_strp', out);
    case 0x0f: // udata
      out.enc = ENC_UINT;
      out.val = c.uleb();
      return;
    case 0x10: // ref_addr
      out.enc = ENC_REF_INFO;
      out.val = u.version === 2 ? c.address(u.addrSize) : c.offset(u.is64);
      return;
    case 0x11: // ref1
      out.enc = ENC_REF_UNIT;
      out.val = c.u8();
      return;
    case 0x12: // ref2
      out.enc = ENC_REF_UNIT;
      out.val = c.u16();
      return;
    case 0x13: // ref4
      out.enc = ENC_REF_UNIT;
      out.val = c.u32();
      return;
    case 0x14: // ref8
      out.enc = ENC_REF_UNIT;
      out.val = c.u64();
      return;
    case 0x15: // ref_udata
      out.enc = ENC_REF_UNIT;
      out.val = c.uleb();
      return;
    case 0x16: {
      // indirect
      const f = c.uleb();
      if (f === 0x21) throw new Underflow('DW_FORM_indirect to DW_FORM_implicit_const');
      return readAttribute(f, 0, c, u, out);
    }
    case 0x17: // sec_offset
      out.enc = ENC_REF_SECTION;
      out.val = c.offset(u.is64);
      return;
    case 0x18: // exprloc
      out.enc = ENC_EXPR;
      c.skip(c.uleb());
      return;
    case 0x19: // flag_present
      out.enc = ENC_UINT;
      out.val = 1;
      return;
    case 0x20: // ref_sig8
      out.enc = ENC_REF_TYPE;
      out.val = c.u64();
      return;
    case 0x1a: // strx
    case 0x25:
    case 0x26:
    case 0x27:
    case 0x28:
      out.enc = ENC_STRING_INDEX;
      out.val = form === 0x1a ? c.uleb() : form === 0x25 ? c.u8() : form === 0x26 ? c.u16() : form === 0x27 ? c.u24() : c.u32();
      return;
    case 0x1b: // addrx
    case 0x29:
    case 0x2a:
    case 0x2b:
    case 0x2c:
      out.enc = ENC_ADDRESS_INDEX;
      out.val = form === 0x1b ? c.uleb() : form === 0x29 ? c.u8() : form === 0x2a ? c.u16() : form === 0x2b ? c.u24() : c.u32();
      return;
    case 0x1c: // ref_sup4
      out.enc = ENC_REF_SECTION;
      out.val = c.u32();
      return;
    case 0x24: // ref_sup8
      out.enc = ENC_REF_SECTION;
      out.val = c.u64();
      return;
    case 0x21: // implicit_const
      out.enc = ENC_UINT;
      out.val = implicit;
      return;
    case 0x22: // loclistx
    case 0x1f01: // GNU_addr_index
    case 0x1f02: // GNU_str_index
      out.enc = ENC_REF_SECTION;
      out.val = c.uleb();
      return;
    case 0x23: // rnglistx
      out.enc = ENC_RNGLISTS_INDEX;
      out.val = c.uleb();
      return;
    case 0x1f20: // GNU_ref_alt
      out.val = c.offset(u.is64);
      out.enc = u.alt === undefined ? ENC_NONE : ENC_REF_ALT_INFO;
      return;
    case 0x1d: // strp_sup
    case 0x1f21: {
      // GNU_strp_alt
      const off = c.offset(u.is64);
      if (u.alt === undefined) {
        out.enc = ENC_NONE;
        return;
      }
      return sectionString(off, u.alt.str, 'DW_FORM_strp_sup', out);
    }
    default:
      throw new Underflow(`unrecognized DWARF form 0x${form.toString(16)}`);
  }
}

function sectionString(off: number, sec: Uint8Array, what: string, out: AttrVal): void {
  if (off >= sec.length) throw new Underflow(`${what} out of range`);
  out.enc = ENC_STRING;
  out.buf = sec;
  out.val = off;
}

/**
 * libbacktrace's `resolve_string`: the string of an ENC_STRING / ENC_STRING_INDEX value, or
 * undefined for any other encoding (the caller then keeps what it had). Throws when out of range.
 */
export function resolveString(v: AttrVal, is64: boolean, sections: DwarfSections, strOffsetsBase: number): string | undefined {
  if (v.enc === ENC_STRING) return cString(v.buf, v.val);
  if (v.enc !== ENC_STRING_INDEX) return undefined;
  const width = is64 ? 8 : 4;
  const at = v.val * width + strOffsetsBase;
  if (at + width > sections.strOffsets.length) throw new Underflow('DW_FORM_strx value out of range');
  const off = new ByteCursor(sections.strOffsets, at).offset(is64);
  if (off >= sections.str.length) throw new Underflow('DW_FORM_strx offset out of range');
  return cString(sections.str, off);
}

/** libbacktrace's `resolve_addr_index`: entry `index` of the unit's `.debug_addr` table. */
export function resolveAddrIndex(sections: DwarfSections, addrBase: number, addrSize: number, index: number): number {
  const at = index * addrSize + addrBase;
  if (at + addrSize > sections.addr.length) throw new Underflow('DW_FORM_addrx value out of range');
  return new ByteCursor(sections.addr, at).address(addrSize);
}
