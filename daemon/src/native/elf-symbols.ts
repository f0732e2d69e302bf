/**
 * An image's symbol table as libbacktrace's `elf_syminfo` uses it: `.symtab`, else `.dynsym`;
 * every defined STT_FUNC/STT_OBJECT symbol (size-0 ones included: they take part in the binary
 * search but never match). The order and search replicate libbacktrace's own quicksort and
 * glibc's bsearch, so aliases and overlapping symbols resolve to the same name as in memray.
 */
import { ByteCursor, cString } from './byte-cursor.js';
import { ElfError, SHT_DYNSYM, SHT_SYMTAB, type ElfFile } from './elf.js';

const STT_OBJECT = 1;
const STT_FUNC = 2;
const SHN_UNDEF = 0;

/** libbacktrace's `backtrace_qsort` over a permutation, keyed by `key[perm[i]]` ascending. */
export function backtraceQsort(perm: Int32Array, key: Float64Array): void {
  const swap = (a: number, b: number): void => {
    const t = perm[a]!;
    perm[a] = perm[b]!;
    perm[b] = t;
  };
  const sort = (base: number, count: number): void => {
    while (count >= 2) {
      // Middle element as pivot; everything not smaller than it goes to its right.
      swap(base, base + Math.floor(count / 2));
      const pivot = key[perm[base]!]!;
      let mid = 0;
      for (let i = 1; i < count; i++) {
        if (pivot > key[perm[base + i]!]!) {
          mid++;
          if (i !== mid) swap(base + mid, base + i);
        }
      }
      if (mid > 0) swap(base, base + mid);
      if (2 * mid < count) {
        sort(base, mid);
        base += mid + 1;
        count -= mid + 1;
      } else {
        sort(base + mid + 1, count - (mid + 1));
        count = mid;
      }
    }
  };
  sort(0, perm.length);
}

/** Defined FUNC/OBJECT symbols in libbacktrace's search order (typed arrays; names decoded on demand). */
export class SymbolTable {
  private readonly names: (string | undefined)[];

  private constructor(
    /** Symbol values (file addresses), in search order. */
    readonly addresses: Float64Array,
    readonly sizes: Float64Array,
    private readonly nameOffsets: Uint32Array,
    private readonly strtab: Uint8Array,
  ) {
    this.names = new Array<string | undefined>(addresses.length);
  }

  get length(): number {
    return this.addresses.length;
  }

  /**
   * The table libbacktrace would use for `elf`: the last SHT_SYMTAB section, else the last
   * SHT_DYNSYM; undefined when there is neither. Throws ElfError on a corrupt table.
   */
  static fromElf(elf: ElfFile): SymbolTable | undefined {
    let symtab = 0;
    let dynsym = 0;
    for (const s of elf.sections) {
      if (s.type === SHT_SYMTAB) symtab = s.index;
      else if (s.type === SHT_DYNSYM) dynsym = s.index;
    }
    const index = symtab !== 0 ? symtab : dynsym;
    if (index === 0) return undefined;
    const sec = elf.sections[index]!;
    const strSec = elf.sections[sec.link];
    if (strSec === undefined || sec.link === 0) throw new ElfError('ELF symbol table strtab link out of range');
    return SymbolTable.parse(elf.rawData(sec), elf.rawData(strSec), elf.is64);
  }

  /** Builds the table from raw symbol entries and their string table. */
  static parse(data: Uint8Array, strtab: Uint8Array, is64: boolean): SymbolTable {
    const entsize = is64 ? 24 : 16;
    const count = Math.floor(data.length / entsize);
    const value = new Float64Array(count);
    const size = new Float64Array(count);
    const nameOff = new Uint32Array(count);
    let n = 0;
    const c = new ByteCursor(data, 0, data.length, 'symbol table');
    for (let i = 0; i < count; i++) {
      c.pos = i * entsize;
      let name: number, info: number, shndx: number, v: number, sz: number;
      if (is64) {
        name = c.u32();
        info = c.u8();
        c.u8();
        shndx = c.u16();
        v = c.u64();
        sz = c.u64();
      } else {
        name = c.u32();
        v = c.u32();
        sz = c.u32();
        info = c.u8();
        c.u8();
        shndx = c.u16();
      }
      const type = info & 0xf;
      if ((type !== STT_FUNC && type !== STT_OBJECT) || shndx === SHN_UNDEF) continue;
      if (name >= strtab.length) throw new ElfError('symbol string index out of range');
      value[n] = v;
      size[n] = sz;
      nameOff[n] = name;
      n++;
    }
    const perm = new Int32Array(n);
    for (let i = 0; i < n; i++) perm[i] = i;
    backtraceQsort(perm, value);
    const addresses = new Float64Array(n);
    const sizes = new Float64Array(n);
    const offsets = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const k = perm[i]!;
      addresses[i] = value[k]!;
      sizes[i] = size[k]!;
      offsets[i] = nameOff[k]!;
    }
    return new SymbolTable(addresses, sizes, offsets, strtab);
  }

  /** Name of symbol `i` (in search order). */
  name(i: number): string {
    let s = this.names[i];
    if (s === undefined) {
      s = cString(this.strtab, this.nameOffsets[i]!);
      this.names[i] = s;
    }
    return s;
  }

  /** glibc's bsearch for the symbol with `value <= addr < value + size`; -1 when none is found. */
  find(addr: number): number {
    const a = this.addresses;
    const z = this.sizes;
    let l = 0;
    let u = a.length;
    while (l < u) {
      const idx = (l + u) >>> 1;
      const v = a[idx]!;
      if (addr < v) u = idx;
      else if (addr >= v + z[idx]!) l = idx + 1;
      else return idx;
    }
    return -1;
  }

  /** The raw (mangled) name of the symbol containing `addr`, if any. */
  lookup(addr: number): string | undefined {
    const i = this.find(addr);
    return i < 0 ? undefined : this.name(i);
  }
}
