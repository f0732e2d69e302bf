/**
 * ELF reading and symbol tables: the fixture binaries of the native test vector (DWARF,
 * .symtab only, stripped), libbacktrace's symbol search order (its own quicksort + glibc's
 * bsearch, aliases and size-0 symbols), images that are missing or not ELF.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { backtraceQsort, SymbolTable } from '../../daemon/src/native/elf-symbols.js';
import { loadDwarfSections } from '../../daemon/src/native/elf-dwarf.js';
import { ElfError, ElfFile, ET_DYN, PT_LOAD, toHex } from '../../daemon/src/native/elf.js';
import { FileSource, MemorySource } from '../../daemon/src/native/file-source.js';
import { Image, UNKNOWN_FRAME } from '../../daemon/src/native/image.js';

const DIR = path.join(import.meta.dirname, '../fixtures/format');
const elfOf = (name: string): ElfFile => new ElfFile(FileSource.open(path.join(DIR, name)));

/** The address of the symbol called `name` (search order index), or -1. */
function addressOf(t: SymbolTable, name: string): number {
  for (let i = 0; i < t.length; i++) if (t.name(i) === name) return t.addresses[i]!;
  return -1;
}

describe('ELF headers', () => {
  it('reads the fixture executable: class, type, PT_LOAD segments as in the capture, build id', () => {
    const elf = elfOf('nt_dbg');
    expect(elf.is64).toBe(true);
    expect(elf.type).toBe(ET_DYN);
    const loads = elf.programHeaders().filter((p) => p.type === PT_LOAD);
    // native.script.txt maps segments at these vaddrs (its sizes were written by hand).
    expect(loads.map((p) => p.vaddr)).toEqual([0, 0x1000, 0x2000, 0x3dd0]);
    expect(toHex(elf.buildId()!)).toBe('ab7ab6ba3eeac4881b6379e88d8225a300dd237e');
    expect(elf.section('.debug_info')).toBeDefined();
    expect(loadDwarfSections(elf)?.info.length).toBeGreaterThan(0);
    expect(loadDwarfSections(elfOf('nt_nodbg'))).toBeUndefined();
  });

  it('takes .symtab when present, else .dynsym', () => {
    const full = SymbolTable.fromElf(elfOf('nt_nodbg'))!;
    expect(addressOf(full, 'middle')).toBeGreaterThan(0);
    expect(full.lookup(addressOf(full, 'middle'))).toBe('middle');
    expect(full.lookup(addressOf(full, 'main') + 1)).toBe('main');
    const dyn = SymbolTable.fromElf(elfOf('nt_stripped'))!;
    expect(addressOf(dyn, 'middle')).toBe(-1);
    expect(dyn.lookup(addressOf(full, 'middle'))).toBeUndefined();
  });

  it('rejects files that are not ELF', () => {
    expect(() => new ElfFile(new MemorySource(new TextEncoder().encode('#include <stdlib.h>\n'.repeat(8))))).toThrow(ElfError);
    expect(() => new ElfFile(new MemorySource(new Uint8Array(10)))).toThrow(ElfError);
  });
});

describe('images as memray sees them', () => {
  it('missing file: every PC is <unknown>; not an ELF file: the PC is dropped', () => {
    expect(Image.open(path.join(DIR, 'no-such-file')).resolve(0x1000)).toEqual([UNKNOWN_FRAME]);
    const notElf = Image.open(path.join(DIR, 'nt.c'));
    expect(notElf.status).toBe('broken');
    expect(notElf.resolve(0x1000)).toEqual([]);
    const dir = Image.open(DIR);
    expect(dir.status).toBe('broken');
  });

  it('DWARF, symbol table, nothing', () => {
    const middle = addressOf(SymbolTable.fromElf(elfOf('nt_nodbg'))!, 'middle');
    const dbg = Image.open(path.join(DIR, 'nt_dbg')).resolve(middle + 4);
    expect(dbg.map((f) => f.function)).toContain('middle');
    expect(dbg.every((f) => f.file === '/tmp/h/nt.c')).toBe(true);
    expect(Image.open(path.join(DIR, 'nt_nodbg')).resolve(middle + 4)).toEqual([{ function: 'middle', file: '<unknown>', line: 0 }]);
    expect(Image.open(path.join(DIR, 'nt_stripped')).resolve(middle + 4)).toEqual([UNKNOWN_FRAME]);
  });

  it('keys images by path, size, mtime, build id and debug file', () => {
    const a = Image.open(path.join(DIR, 'nt_dbg'));
    const b = Image.open(path.join(DIR, 'nt_nodbg'));
    expect(a.key).toContain('ab7ab6ba3eeac4881b6379e88d8225a300dd237e');
    expect(a.key).not.toBe(b.key);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'memtree-elf-'));
    try {
      const copy = path.join(tmp, 'nt_dbg');
      fs.copyFileSync(path.join(DIR, 'nt_dbg'), copy);
      const k1 = Image.open(copy).key;
      fs.utimesSync(copy, new Date(2000, 1, 1), new Date(2000, 1, 1));
      expect(Image.open(copy).key).not.toBe(k1);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

/** A 64-bit symbol table entry (FUNC unless `type` says otherwise). */
function sym(name: number, value: number, size: number, shndx = 1, type = 2): Uint8Array {
  const b = new Uint8Array(24);
  const v = new DataView(b.buffer);
  v.setUint32(0, name, true);
  b[4] = type;
  v.setUint16(6, shndx, true);
  v.setBigUint64(8, BigInt(value), true);
  v.setBigUint64(16, BigInt(size), true);
  return b;
}

function table(entries: [string, number, number, number?, number?][]): SymbolTable {
  let strtab = '\0';
  const parts: Uint8Array[] = [];
  for (const [name, value, size, shndx, type] of entries) {
    parts.push(sym(strtab.length, value, size, shndx, type));
    strtab += `${name}\0`;
  }
  const data = new Uint8Array(parts.length * 24);
  parts.forEach((p, i) => data.set(p, i * 24));
  return SymbolTable.parse(data, new TextEncoder().encode(strtab), true);
}

describe('symbol search (libbacktrace quicksort + glibc bsearch)', () => {
  it('sorts like backtrace_qsort: equal keys end up in its (unstable) order', () => {
    const perm = Int32Array.from([0, 1, 2]);
    backtraceQsort(perm, Float64Array.from([0x100, 0x100, 0x200]));
    expect([...perm]).toEqual([1, 0, 2]);
    const many = Float64Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000);
    const p = Int32Array.from({ length: 1000 }, (_, i) => i);
    backtraceQsort(p, many);
    for (let i = 1; i < p.length; i++) expect(many[p[i]!]!).toBeGreaterThanOrEqual(many[p[i - 1]!]!);
  });

  it('resolves aliases to the symbol the binary search lands on', () => {
    // Sorted [B, A, C]; the search for 0x105 probes index 1 first: A.
    const t = table([
      ['A', 0x100, 0x10],
      ['B', 0x100, 0x10],
      ['C', 0x200, 0],
    ]);
    expect(t.lookup(0x105)).toBe('A');
    expect(t.lookup(0x200)).toBeUndefined(); // size 0 never matches
    expect(t.lookup(0x110)).toBeUndefined();
  });

  it('keeps only defined FUNC/OBJECT symbols', () => {
    const t = table([
      ['undef', 0x100, 0x10, 0],
      ['notype', 0x100, 0x10, 1, 0],
      ['obj', 0x300, 0x8, 1, 1],
      ['fn', 0x400, 0x8],
    ]);
    expect(t.length).toBe(2);
    expect(t.lookup(0x105)).toBeUndefined();
    expect(t.lookup(0x304)).toBe('obj');
    expect(t.lookup(0x407)).toBe('fn');
  });

  it('a size-0 symbol in the middle can hide a match from the binary search, as in libbacktrace', () => {
    // Sorted by address: big [0x100, 0x200), zero @0x150, x @0x300. bsearch(0x180): probes
    // zero (0x180 >= 0x150 + 0 -> right), then x (left): not found although `big` covers it.
    const t = table([
      ['big', 0x100, 0x100],
      ['zero', 0x150, 0],
      ['x', 0x300, 0x10],
    ]);
    expect(t.lookup(0x180)).toBeUndefined();
    expect(t.lookup(0x120)).toBe('big');
  });
});
