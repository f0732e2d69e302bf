/**
 * PC to (function, file, line) frames from DWARF, one frame per inlining level, with
 * libbacktrace's `dwarf_lookup_pc` semantics: the innermost inlined call first with the PC's
 * line, each outer level with the call site of the level inside it, the real function last.
 */
import { Underflow } from './byte-cursor.js';
import type { DwarfSections } from './dwarf-forms.js';
import { findFunction, readFunctionInfo, type DwarfFunction, type UnitSet } from './dwarf-functions.js';
import { findLine, readLineInfo } from './dwarf-lines.js';
import { findRange } from './dwarf-ranges.js';
import { buildAddressMap, type Unit, type UnitAddrs } from './dwarf-units.js';

/** A frame as DWARF gives it; `file` is undefined when DWARF names none. */
export interface DwarfFrame {
  readonly function: string;
  readonly file: string | undefined;
  readonly line: number;
}

/** A lookup's outcome: `found` false lets the next DWARF data of an image try. */
export interface DwarfLookup {
  readonly found: boolean;
  /** Named frames, innermost first; empty when DWARF covers the PC but names no function. */
  readonly frames: DwarfFrame[];
}

const NOT_FOUND: DwarfLookup = { found: false, frames: [] };

/** The DWARF of one file (an image or its debug file): unit map and lazily read units. */
export class DwarfData {
  private readonly set: UnitSet;

  private constructor(
    private readonly addrs: UnitAddrs,
    units: Unit[],
    readonly sections: DwarfSections,
    alt: DwarfData | undefined,
  ) {
    this.set = { units, alt: alt?.set.units };
  }

  /** Builds the unit map of `sections` (`alt`: the dwz supplementary file). Throws Underflow on bad data. */
  static build(sections: DwarfSections, alt?: DwarfData): DwarfData {
    const { units, addrs } = buildAddressMap(sections, alt?.sections);
    return new DwarfData(addrs, units, sections, alt);
  }

  /** Frames for file address `pc`. */
  lookup(pc: number): DwarfLookup {
    const { low, high, owner: unit } = this.addrs;
    let e = findRange(this.addrs, pc);
    if (e < 0) return NOT_FOUND;
    let u = unit[e]!;
    // Skip units whose line table could not be read, if an earlier range also covers the PC.
    while (e > 0 && pc >= low[e - 1]! && pc < high[e - 1]!) {
      if (u.lines !== null) break;
      e--;
      u = unit[e]!;
    }
    let fresh = false;
    if (u.lines === undefined) {
      fresh = true;
      try {
        const { table, filenames } = readLineInfo(u);
        u.functions = readFunctionInfo(u, filenames, this.set);
        u.lines = table;
      } catch (err) {
        if (!(err instanceof Underflow)) throw err;
        u.lines = null;
      }
    }
    const lines = u.lines;
    if (lines === null) return fresh ? this.lookup(pc) : { found: true, frames: [] };
    const ln = findLine(lines, pc);
    if (ln < 0 || u.functions === undefined) return { found: true, frames: [] };
    const fn = findFunction(u.functions, pc);
    if (fn === undefined) return { found: true, frames: [] };
    const frames: DwarfFrame[] = [];
    const at = { file: lines.names[lines.file[ln]!], line: lines.line[ln]! };
    reportInlined(pc, fn, frames, at);
    frames.push({ function: fn.name, file: at.file, line: at.line });
    return { found: true, frames };
  }
}

/** Adds the calls inlined into `fn` at `pc`, innermost first, moving `at` to each call site. */
function reportInlined(pc: number, fn: DwarfFunction, frames: DwarfFrame[], at: { file: string | undefined; line: number }): void {
  if (fn.inlined === undefined) return;
  const inl = findFunction(fn.inlined, pc);
  if (inl === undefined) return;
  reportInlined(pc, inl, frames, at);
  frames.push({ function: inl.name, file: at.file, line: at.line });
  at.file = inl.callerFile;
  at.line = inl.callerLine;
}
