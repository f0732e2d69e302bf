/**
 * PC ranges of a DIE (libbacktrace's `update_pcrange` / `add_ranges`): DW_AT_low_pc +
 * DW_AT_high_pc (absolute, relative or address-indexed), or DW_AT_ranges into `.debug_ranges`
 * (DWARF 2-4) or `.debug_rnglists` (DWARF 5). Addresses are file addresses. The ranges go to a
 * RangeList (units or functions), then a sorted RangeMap searched as libbacktrace searches it.
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

/** PC ranges with their owners, sorted: low ascending, high descending, then the owners' tiebreak. */
export interface RangeMap<T> {
  readonly low: Float64Array;
  readonly high: Float64Array;
  readonly owner: readonly T[];
}

/** [low, high) ranges of owners (units or functions), in DIE order. */
export class RangeList<T> {
  private readonly low: number[] = [];
  private readonly high: number[] = [];
  private readonly owner: T[] = [];

  get length(): number {
    return this.low.length;
  }

  /**
   * Adds [low, high) of `owner`; a range of the same owner as the last one that starts at or
   * just after its end extends it instead (libbacktrace's `add_unit_addr` / `add_function_range`).
   */
  add(owner: T, low: number, high: number): void {
    const n = this.low.length - 1;
    if (n >= 0 && this.owner[n] === owner && (low === this.high[n] || low === this.high[n]! + 1)) {
      if (high > this.high[n]!) this.high[n] = high;
      return;
    }
    this.low.push(low);
    this.high.push(high);
    this.owner.push(owner);
  }

  /** The ranges sorted by low ascending, high descending, then `tiebreak` of their owners. */
  sorted(tiebreak: (a: T, b: T) => number): RangeMap<T> {
    const { low, high, owner } = this;
    const order = low.map((_, i) => i);
    order.sort((a, b) => low[a]! - low[b]! || high[b]! - high[a]! || tiebreak(owner[a]!, owner[b]!));
    return {
      low: Float64Array.from(order, (i) => low[i]!),
      high: Float64Array.from(order, (i) => high[i]!),
      owner: order.map((i) => owner[i]!),
    };
  }
}

/**
 * The entry of `m` covering `pc`, found as libbacktrace finds it: among the entries with the
 * largest `low <= pc`, the last (smallest) one with `pc < high`; -1 when there is none.
 */
export function findRange<T>(m: RangeMap<T>, pc: number): number {
  const { low, high } = m;
  let l = 0;
  let h = low.length;
  while (l < h) {
    const mid = (l + h) >>> 1;
    if (low[mid]! <= pc) l = mid + 1;
    else h = mid;
  }
  let e = l - 1;
  if (e < 0) return -1;
  for (;;) {
    if (pc < high[e]!) return e;
    if (e === 0 || low[e - 1]! < low[e]!) return -1;
    e--;
  }
}

/** Adds every range of `r` to `out` for `owner` (`base`: the unit's DW_AT_low_pc). Throws on bad data. */
export function addRanges<T>(u: RangeUnit, base: number, r: PcRange, out: RangeList<T>, owner: T): void {
  const s = u.sections;
  if (r.haveLowpc && r.haveHighpc) {
    const low = r.lowIsIndex ? resolveAddrIndex(s, u.addrBase, u.addrSize, r.lowpc) : r.lowpc;
    let high = r.highIsIndex ? resolveAddrIndex(s, u.addrBase, u.addrSize, r.highpc) : r.highpc;
    if (r.highIsRelative) high += low;
    out.add(owner, low, high);
    return;
  }
  if (!r.haveRanges) return;
  if (u.version < 5) addFromRanges(u, base, r.ranges, out, owner);
  else addFromRnglists(u, base, r, out, owner);
}

function addFromRanges<T>(u: RangeUnit, base: number, offset: number, out: RangeList<T>, owner: T): void {
  const sec = u.sections.ranges;
  if (offset >= sec.length) throw new Underflow('ranges offset out of range');
  const c = new ByteCursor(sec, offset, sec.length, '.debug_ranges');
  for (;;) {
    // A low address of all ones (exact only in the bytes: 64-bit values lose precision) selects a new base.
    const selectsBase = allOnes(sec, c.pos, u.addrSize);
    const low = c.address(u.addrSize);
    const high = c.address(u.addrSize);
    if (low === 0 && high === 0) return;
    if (selectsBase) base = high;
    else out.add(owner, low + base, high + base);
  }
}

/** Whether the `n` bytes at `pos` are all 0xff (false when they run past the end). */
function allOnes(b: Uint8Array, pos: number, n: number): boolean {
  if (pos + n > b.length) return false;
  for (let i = pos; i < pos + n; i++) if (b[i] !== 0xff) return false;
  return true;
}

function addFromRnglists<T>(u: RangeUnit, base: number, r: PcRange, out: RangeList<T>, owner: T): void {
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
  for (;;) {
    const rle = c.u8();
    switch (rle) {
      case 0: // end_of_list
        return;
      case 1: // base_addressx
        base = resolveAddrIndex(s, u.addrBase, u.addrSize, c.uleb());
        break;
      case 2: {
        // startx_endx
        const low = resolveAddrIndex(s, u.addrBase, u.addrSize, c.uleb());
        out.add(owner, low, resolveAddrIndex(s, u.addrBase, u.addrSize, c.uleb()));
        break;
      }
      case 3: {
        // startx_length
        const low = resolveAddrIndex(s, u.addrBase, u.addrSize, c.uleb());
        out.add(owner, low, low + c.uleb());
        break;
      }
      case 4: {
        // offset_pair
        const low = c.uleb();
        out.add(owner, low + base, c.uleb() + base);
        break;
      }
      case 5: // base_address
        base = c.address(u.addrSize);
        break;
      case 6: {
        // start_end
        const low = c.address(u.addrSize);
        out.add(owner, low, c.address(u.addrSize));
        break;
      }
      case 7: {
        // start_length
        const low = c.address(u.addrSize);
        out.add(owner, low, low + c.uleb());
        break;
      }
      default:
        throw new Underflow(`unrecognized DW_RLE value ${rle}`);
    }
  }
}
