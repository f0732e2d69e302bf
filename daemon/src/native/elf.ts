/**
 * ELF headers, program headers and sections of an image, read lazily from its file
 * (little-endian ELF64 and ELF32). Only what symbolization needs: section contents (SHF_COMPRESSED
 * zlib sections and old `.zdebug_*` ones are inflated), the build id, `.gnu_debuglink` and
 * `.gnu_debugaltlink`.
 */
import * as zlib from 'node:zlib';
import { ByteCursor, cString } from './byte-cursor.js';
import type { ByteSource } from './file-source.js';

export const SHT_SYMTAB = 2;
export const SHT_DYNSYM = 11;
export const SHF_COMPRESSED = 0x800;
export const ET_DYN = 3;
export const PT_LOAD = 1;
const SHN_XINDEX = 0xffff;
const ELFCOMPRESS_ZLIB = 1;
const ELFCOMPRESS_ZSTD = 2;
/** node:zlib has zstd from Node 22.15 / 23.8; on older Node zstd sections are unsupported. */
const zstdDecompress = (zlib as unknown as { zstdDecompressSync?: (b: Uint8Array) => Buffer }).zstdDecompressSync;
const NT_GNU_BUILD_ID = 3;

/** Why an image cannot be used (libbacktrace gives up on it the same way). */
export class ElfError extends Error {}

/** A section header. */
export interface ElfSection {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  readonly addr: number;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly entsize: number;
}

/** A program header (segment). */
export interface ProgramHeader {
  readonly type: number;
  readonly flags: number;
  readonly offset: number;
  readonly vaddr: number;
  readonly filesz: number;
  readonly memsz: number;
}

/** An ELF file's headers, with its sections read on demand. */
export class ElfFile {
  readonly is64: boolean;
  readonly type: number;
  /** Section headers; index 0 (the null section) included. */
  readonly sections: ElfSection[] = [];
  private readonly phoff: number;
  private readonly phnum: number;

  /** Parses the headers of `source`; throws ElfError if it is not a usable ELF file. */
  constructor(readonly source: ByteSource) {
    const ident = source.read(0, 64);
    if (ident.length < 52 || ident[0] !== 0x7f || ident[1] !== 0x45 || ident[2] !== 0x4c || ident[3] !== 0x46) {
      throw new ElfError('executable file is not ELF');
    }
    if (ident[6] !== 1) throw new ElfError('executable file is unrecognized ELF version');
    if (ident[4] !== 1 && ident[4] !== 2) throw new ElfError('executable file is unexpected ELF class');
    // Big-endian images (s390x, some PowerPC) are not supported: every reader here is little-endian.
    if (ident[5] !== 1) throw new ElfError('big-endian ELF files are not supported');
    this.is64 = ident[4] === 2;
    const c = new ByteCursor(ident, 16, ident.length, 'ELF header');
    this.type = c.u16();
    c.u16(); // machine
    c.u32();
    c.address(this.is64 ? 8 : 4); // entry
    this.phoff = c.address(this.is64 ? 8 : 4);
    const shoff = c.address(this.is64 ? 8 : 4);
    c.u32(); // flags
    c.u16(); // ehsize
    c.u16(); // phentsize
    this.phnum = c.u16();
    c.u16(); // shentsize
    let shnum = c.u16();
    let shstrndx = c.u16();
    const shsize = this.is64 ? 64 : 40;
    if ((shnum === 0 || shstrndx === SHN_XINDEX) && shoff !== 0) {
      // Extended numbering: the real counts live in section header 0.
      const first = this.readSectionHeader(source.read(shoff, shsize), 0);
      if (shnum === 0) shnum = first.size;
      if (shstrndx === SHN_XINDEX) shstrndx = first.link;
    }
    if (shnum === 0 || shstrndx === 0 || shstrndx >= shnum) throw new ElfError('no section headers');
    const table = source.read(shoff, shnum * shsize);
    if (table.length < shnum * shsize) throw new ElfError('section headers past the end of the file');
    const raw = [];
    for (let i = 0; i < shnum; i++) raw.push(this.readSectionHeader(table.subarray(i * shsize, (i + 1) * shsize), i));
    const strhdr = raw[shstrndx]!;
    const names = source.read(strhdr.offset, strhdr.size);
    for (const s of raw) {
      if (s.index !== 0 && s.nameOffset >= names.length) throw new ElfError('ELF section name out of range');
      this.sections.push({ ...s, name: s.index === 0 ? '' : cString(names, s.nameOffset) });
    }
  }

  private readSectionHeader(b: Uint8Array, index: number): Omit<ElfSection, 'name'> & { nameOffset: number } {
    const c = new ByteCursor(b, 0, b.length, 'section header');
    const w = this.is64 ? 8 : 4;
    const nameOffset = c.u32();
    const type = c.u32();
    const flags = c.address(w);
    const addr = c.address(w);
    const offset = c.address(w);
    const size = c.address(w);
    const link = c.u32();
    c.u32(); // info
    c.address(w); // addralign
    const entsize = c.address(w);
    return { index, nameOffset, type, flags, addr, offset, size, link, entsize };
  }

  /** The program headers (PT_LOAD etc.). */
  programHeaders(): ProgramHeader[] {
    const size = this.is64 ? 56 : 32;
    const b = this.source.read(this.phoff, this.phnum * size);
    const out: ProgramHeader[] = [];
    for (let i = 0; i + size <= b.length; i += size) {
      const c = new ByteCursor(b, i, i + size, 'program header');
      if (this.is64) {
        const type = c.u32();
        const flags = c.u32();
        const offset = c.u64();
        const vaddr = c.u64();
        c.u64();
        const filesz = c.u64();
        const memsz = c.u64();
        out.push({ type, flags, offset, vaddr, filesz, memsz });
      } else {
        const type = c.u32();
        const offset = c.u32();
        const vaddr = c.u32();
        c.u32();
        const filesz = c.u32();
        const memsz = c.u32();
        const flags = c.u32();
        out.push({ type, flags, offset, vaddr, filesz, memsz });
      }
    }
    return out;
  }

  /** The first section called `name`. */
  section(name: string): ElfSection | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /** Raw bytes of a section as stored in the file. */
  rawData(s: ElfSection): Uint8Array {
    return this.source.read(s.offset, s.size);
  }

  /** Contents of a section, decompressed if it is SHF_COMPRESSED (zlib; zstd where Node has it). */
  data(s: ElfSection): Uint8Array {
    const raw = this.rawData(s);
    if ((s.flags & SHF_COMPRESSED) === 0) return raw;
    const c = new ByteCursor(raw, 0, raw.length, 'compression header');
    const type = c.u32();
    if (this.is64) c.u32();
    const size = c.address(this.is64 ? 8 : 4);
    c.address(this.is64 ? 8 : 4);
    if (type === ELFCOMPRESS_ZSTD && zstdDecompress !== undefined) {
      const out = zstdDecompress(raw.subarray(c.pos));
      if (out.length !== size) throw new ElfError(`section ${s.name}: decompressed to ${out.length} bytes, expected ${size}`);
      return new Uint8Array(out.buffer, out.byteOffset, out.length);
    }
    if (type !== ELFCOMPRESS_ZLIB) throw new ElfError(`section ${s.name}: unsupported compression type ${type}`);
    return inflate(raw.subarray(c.pos), size, s.name);
  }

  /** The build id from `.note.gnu.build-id`, as libbacktrace reads it. */
  buildId(): Uint8Array | undefined {
    const s = this.section('.note.gnu.build-id');
    if (s === undefined) return undefined;
    const b = this.rawData(s);
    if (b.length < 16) return undefined;
    const c = new ByteCursor(b);
    const namesz = c.u32();
    const descsz = c.u32();
    const type = c.u32();
    const descOff = 12 + ((namesz + 3) & ~3);
    const isGnu = namesz === 4 && b[12] === 0x47 && b[13] === 0x4e && b[14] === 0x55 && b[15] === 0;
    if (type !== NT_GNU_BUILD_ID || !isGnu || s.size > descOff + descsz || descOff + descsz > b.length) return undefined;
    return b.slice(descOff, descOff + descsz);
  }

  /** `.gnu_debuglink`: the debug file's name and CRC-32 (0 means "do not check"). */
  debugLink(): { name: string; crc: number } | undefined {
    const s = this.section('.gnu_debuglink');
    if (s === undefined) return undefined;
    const b = this.rawData(s);
    let len = 0;
    while (len < b.length && b[len] !== 0) len++;
    // libbacktrace rounds the name length (without its NUL) up to 4 to find the CRC.
    const crcOffset = (len + 3) & ~3;
    if (crcOffset + 4 > b.length) return undefined;
    return { name: cString(b, 0), crc: new ByteCursor(b, crcOffset).u32() };
  }

  /** `.gnu_debugaltlink` (dwz): the supplementary file's name and build id. */
  debugAltLink(): { name: string; buildId: Uint8Array } | undefined {
    const s = this.section('.gnu_debugaltlink');
    if (s === undefined) return undefined;
    const b = this.rawData(s);
    let len = 0;
    while (len < b.length && b[len] !== 0) len++;
    return { name: cString(b, 0), buildId: len < b.length ? b.slice(len + 1) : new Uint8Array(0) };
  }
}

/** Inflates a zlib stream that should produce `size` bytes. */
function inflate(data: Uint8Array, size: number, what: string): Uint8Array {
  // One output chunk of the announced size avoids zlib's chunk list and final copy.
  const out = zlib.inflateSync(data, { maxOutputLength: Math.max(size, 1), chunkSize: Math.max(size, 64) });
  if (out.length !== size) throw new ElfError(`section ${what}: inflated to ${out.length} bytes, expected ${size}`);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** Inflates an old-style `.zdebug_*` section ("ZLIB", 8-byte big-endian size, zlib stream). */
export function inflateZdebug(raw: Uint8Array, what: string): Uint8Array {
  if (raw.length < 12 || cString(raw.subarray(0, 4), 0) !== 'ZLIB') throw new ElfError(`section ${what}: not a ZLIB section`);
  let size = 0;
  for (let i = 4; i < 12; i++) size = size * 256 + raw[i]!;
  return inflate(raw.subarray(12), size, what);
}

/** Lower-case hex of bytes (build ids). */
export function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}
