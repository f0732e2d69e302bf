/**
 * PC ranges of a DIE (libbacktrace's `update_pcrange` / `add_ranges`): DW_AT_low_pc +
 * DW_AT_high_pc (absolute, relative or address-indexed), or DW_AT_ranges into `.debug_ranges`
 * (DWARF 2-4) or `.debug_rnglists` (DWARF 5). Addresses are file addresses.
 */
import { ByteCursor, Underflow } from './byte-cursor.js';
import {
  AttrVal,
  DW_AT_high_pc,
  DW_AT_low_pc,
  DW_AT_ranges,
  ENC_ADDRESS,
  ENC_ADDRESS_INDEX,
  ENC_REF_SECTION,
  ENC_RNGLISTS_INDEX,
  ENC_UINT,
  resolveAddrIndex,
  type FormContext,
} from './dwarf-forms.js';

/** The range attributes seen on one DIE. */
export class PcRange {
  lowpc = 0;
  highpc = 0;
  ranges = 0;
  haveLowpc = false;
  haveHighpc = false;
  haveRanges = false;
  lowIsIndex = false;
  highIsIndex = false;
  highIsRelative = false;
  rangesIsIndex = false;

  reset(): void {
    this.lowpc = this.highpc = this.ranges = 0;
    this.haveLowpc = this.haveHighpc = this.haveRanges = false;
    this.lowIsIndex = this.highIsIndex = this.highIsRelative = this.rangesIsIndex = false;
  }

  /** Records attribute `name` with value `v` if it is a range attribute. */
  update(name: number, v: AttrVal): void {
    if (name === DW_AT_low_pc) {
      if (v.enc === ENC_ADDRESS || v.enc === ENC_ADDRESS_INDEX) {
        this.lowpc = v.val;
        this.haveLowpc = true;
        this.lowIsIndex = v.enc === ENC_ADDRESS_INDEX;
      }
    } else if (name === DW_AT_high_pc) {
      if (v.enc === ENC_ADDRESS || v.enc === ENC_UINT || v.enc === ENC_ADDRESS_INDEX) {
        this.highpc = v.val;
        this.haveHighpc = true;
        this.highIsRelative = v.enc === ENC_UINT;
        this.highIsIndex = v.enc === ENC_ADDRESS_INDEX;
      }
    } else if (name === DW_AT_ranges) {
      if (v.enc === ENC_UINT || v.enc === ENC_REF_SECTION || v.enc === ENC_RNGLISTS_INDEX) {
        this.ranges = v.val;
        this.haveRanges = true;
        this.rangesIsIndex = v.enc === ENC_RNGLISTS_INDEX;
      }
    }
  }

  /** Whether the DIE has a usable range (low+high, or ranges). */
  get present(): boolean {
    return this.haveRanges || (this.haveLowpc && this.haveHighpc);
  }
}

/** The per-unit bases a range list needs. */
export interface RangeUnit extends FormContext {
  readonly addrBase: number;
  readonly rnglistsBase: number;
}

/** Receives one [low, high) range. */
export type AddRange = (low: number, high: number) => void;

/** Calls `add` for every range of `r` (`base`: the unit's DW_AT_low_pc). Throws on bad data. */
export function addRanges(u: RangeUnit, base: number, r: PcRange, add: AddRange): void {
  const s = u.sections;
  if (r.haveLowpc && r.haveHighpc) {
    const low = r.lowIsIndex ? resolveAddrIndex(s, u.addrBase, u.addrSize, r.lowpc) : r.lowpc;
    let high = r.highIsIndex ? resolveAddrIndex(s, u.addrBase, u.addrSize, r.highpc) : r.highpc;
    if (r.highIsRelative) high += low;
    add(low, high);
    return;
  }
  if (!r.haveRanges) return;
  if (u.version < 5) addFromRanges(u, base, r.ranges, add);
  else addFromRnglists(u, base, r, add);
}

function addFromRanges(u: RangeUnit, base: number, offset: number, add: AddRange): void {
  const sec = u.sections.ranges;
  if (offset >= sec.length) throw new Underflow('ranges offset out of range');
  const c = new ByteCursor(sec, offset, sec.length, '.debug_ranges');
  for (;;) {
    const low = c.address(u.addrSize);
    const lowAllOnes = c.allOnes;
    const high = c.address(u.addrSize);
    if (low === 0 && high === 0) return;
    if (lowAllOnes) base = high;
    else add(low + base, high + base);
  }
}

function addFromRnglists(u: RangeUnit, base: number, r: PcRange, add: AddRange): void {
  const s = u.sections;
  const sec = s.rnglists;
  const width = u.is64 ? 8 : 4;
  let offset = r.rangesIsIndex ? u.rnglistsBase + r.ranges * width : r.ranges;
  if (offset >= sec.length) throw new Underflow('rnglists offset out of range');
  const c = new ByteCursor(sec, offset, sec.length, '.debug_rnglists');
  if (r.rangesIsIndex) {
    offset = c.offset(u.is64) + u.rnglistsBase;
    if (offset >= sec.length) throw new Underflow('rnglists index offset out of range');
    c.pos = offset;
  }
  const addr = (index: number): number => resolveAddrIndex(s, u.addrBase, u.addrSize, index);
  for (;;) {
    const rle = c.u8();
    switch (rle) {
      case 0: // end_of_list
        return;
      case 1: // base_addressx
        base = addr(c.uleb());
        break;
      case 2: {
        // startx_endx
        const low = addr(c.uleb());
        add(low, addr(c.uleb()));
        break;
      }
      case 3: {
        // startx_length
        const low = addr(c.uleb());
        add(low, low + c.uleb());
        break;
      }
      case 4: {
        // offset_pair
        const low = c.uleb();
        add(low + base, c.uleb() + base);
        break;
      }
      case 5: // base_address
        base = c.address(u.addrSize);
        break;
      case 6: {
        // start_end
        const low = c.address(u.addrSize);
        add(low, c.address(u.addrSize));
        break;
      }
      case 7: {
        // start_length
        const low = c.address(u.addrSize);
        add(low, low + c.uleb());
        break;
      }
      default:
        throw new Underflow(`unrecognized DW_RLE value ${rle}`);
    }
  }
}
