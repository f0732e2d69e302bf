/** Loads the DWARF sections libbacktrace uses from an ELF file (plain, SHF_COMPRESSED or `.zdebug_*`). */
import type { DwarfSections } from './dwarf-forms.js';
import { inflateZdebug, type ElfFile } from './elf.js';

const NAMES = {
  info: 'debug_info',
  line: 'debug_line',
  abbrev: 'debug_abbrev',
  ranges: 'debug_ranges',
  str: 'debug_str',
  addr: 'debug_addr',
  strOffsets: 'debug_str_offsets',
  lineStr: 'debug_line_str',
  rnglists: 'debug_rnglists',
} as const;

const EMPTY = new Uint8Array(0);

/**
 * The DWARF sections of `elf`, or undefined when it has none of them (libbacktrace then uses
 * the symbol table only). Throws ElfError when a compressed section cannot be inflated.
 */
export function loadDwarfSections(elf: ElfFile): DwarfSections | undefined {
  const out: Record<string, Uint8Array> = {};
  let any = false;
  for (const [key, name] of Object.entries(NAMES)) {
    // libbacktrace keeps the last section of each name; sizes of 0 count as absent.
    const plain = elf.sections.findLast((s) => s.name === `.${name}`);
    const zipped = elf.sections.findLast((s) => s.name === `.z${name}`);
    if (plain !== undefined && plain.size > 0) {
      out[key] = elf.data(plain);
      any = true;
    } else if (zipped !== undefined && zipped.size > 0) {
      out[key] = inflateZdebug(elf.rawData(zipped), zipped.name);
      any = true;
    } else {
      out[key] = EMPTY;
    }
  }
  return any ? (out as unknown as DwarfSections) : undefined;
}
