/**
 * One mapped image (executable or shared library) and how memray's libbacktrace state for it
 * answers: DWARF frames (from a separate debug file when one is found), else the symbol
 * table's name, else `<unknown>`. Opened cheaply (headers, build id, debug file location);
 * symbols and DWARF are read on the first lookup, which then closes the file.
 */
import type { Frame } from '../capture/capture-state.js';
import { buildIdPath, debugLinkCandidates, DEFAULT_DEBUG_ROOT, openFirst, regularFileStamp } from './debug-file.js';
import { demangle } from './demangle.js';
import { DwarfData } from './dwarf.js';
import { loadDwarfSections } from './elf-dwarf.js';
import { SymbolTable } from './elf-symbols.js';
import { ElfFile, toHex } from './elf.js';
import { fileCrc32, FileSource } from './file-source.js';

/** memray's placeholder for an unknown function or file. */
export const UNKNOWN = '<unknown>';
/** The frame memray reports for a PC it cannot name. */
export const UNKNOWN_FRAME: Frame = Object.freeze({ function: UNKNOWN, file: UNKNOWN, line: 0 });
const NO_FRAMES: readonly Frame[] = Object.freeze([]);
const UNKNOWN_FRAMES: readonly Frame[] = Object.freeze([UNKNOWN_FRAME]);

/**
 * ok: an ELF image; missing: could not be opened for lack of it or of permission (memray then
 * names every PC `<unknown>`); broken: anything else (libbacktrace fails to initialize and
 * memray drops the PCs).
 */
export type ImageStatus = 'ok' | 'missing' | 'broken';

/** Options of `Image.open`. */
export interface ImageOptions {
  /** Replaces /usr/lib/debug in the debug-file search (tests). */
  readonly debugRoot?: string;
}

/** One image as memray's libbacktrace state for it answers (see the file comment). */
export class Image {
  private symbols: SymbolTable[] = [];
  private dwarf: DwarfData[] = [];

  private constructor(
    /** Path the image was read from (after path mapping). */
    readonly path: string,
    readonly status: ImageStatus,
    /** Identity for persistent caches: path, size, mtime, build id and debug file. */
    readonly key: string,
    /** The open image file until its symbols and DWARF are read (closed then). */
    private elf: ElfFile | undefined,
    private readonly hexBuildId: string | undefined,
    /** The separate debug file found for the image (by build id or .gnu_debuglink), if any. */
    readonly debugFile: string | undefined,
    private readonly debugCrc: number,
    private readonly root: string,
  ) {}

  /** Opens `path`; never throws (problems become the status). */
  static open(path: string, opts: ImageOptions = {}): Image {
    const root = opts.debugRoot ?? DEFAULT_DEBUG_ROOT;
    let source: FileSource;
    try {
      source = FileSource.open(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const status = code === 'ENOENT' || code === 'EACCES' ? 'missing' : 'broken';
      return new Image(path, status, `${status}:${path}`, undefined, undefined, undefined, 0, root);
    }
    let elf: ElfFile;
    try {
      elf = new ElfFile(source);
    } catch {
      source.close();
      return new Image(path, 'broken', `broken:${path}`, undefined, undefined, undefined, 0, root);
    }
    const id = elf.buildId();
    const buildId = id === undefined ? undefined : toHex(id);
    let debugFile: string | undefined;
    let debugStamp: string | undefined;
    let crc = 0;
    const byId = id === undefined ? undefined : buildIdPath(id, root);
    if (byId !== undefined) debugStamp = regularFileStamp(byId);
    if (debugStamp !== undefined) debugFile = byId;
    else {
      const link = elf.debugLink();
      if (link !== undefined) {
        for (const candidate of debugLinkCandidates(path, link.name, root)) {
          debugStamp = regularFileStamp(candidate);
          if (debugStamp === undefined) continue;
          debugFile = candidate;
          crc = link.crc;
          break;
        }
      }
    }
    const stamp = `${path}:${source.size}:${Math.trunc(source.mtimeMs)}`;
    const key = `elf1|${stamp}|${buildId ?? '-'}|${debugStamp ?? '-'}`;
    return new Image(path, 'ok', key, elf, buildId, debugFile, crc, root);
  }

  /** Lower-case hex build id of the image, if it has one. */
  buildId(): string | undefined {
    return this.hexBuildId;
  }

  /** Reads the symbol tables and DWARF (on the first lookup), then closes the image file. */
  private load(elf: ElfFile): void {
    this.elf = undefined;
    try {
      this.read(elf);
    } finally {
      elf.source.close();
    }
  }

  private read(elf: ElfFile): void {
    try {
      const t = SymbolTable.fromElf(elf);
      if (t !== undefined) this.symbols.push(t);
    } catch {
      // libbacktrace fails the whole image: no symbols and no DWARF, every PC `<unknown>`.
      return;
    }
    let dwarfElf = elf;
    let dwarfPath = this.path;
    let debugSource: FileSource | undefined;
    if (this.debugFile !== undefined) {
      debugSource = openFirst([this.debugFile]);
      if (debugSource !== undefined && this.debugCrc !== 0 && fileCrc32(debugSource) !== this.debugCrc) {
        // A debug file whose CRC does not match is ignored.
        debugSource.close();
        debugSource = undefined;
      }
    }
    try {
      if (debugSource !== undefined) {
        try {
          dwarfElf = new ElfFile(debugSource);
          dwarfPath = '';
          const t = SymbolTable.fromElf(dwarfElf);
          if (t !== undefined) this.symbols.push(t);
        } catch {
          // An unusable debug file: the image's own symbol table answers.
          return;
        }
      }
      let alt: DwarfData | undefined;
      const altLink = dwarfElf.debugAltLink();
      if (altLink !== undefined) alt = this.loadAlt(dwarfPath, altLink.name, altLink.buildId);
      const sections = loadDwarfSections(dwarfElf);
      if (sections !== undefined) {
        if (alt !== undefined) this.dwarf.push(alt);
        this.dwarf.push(DwarfData.build(sections, alt));
      }
    } catch {
      // Corrupt or unsupported DWARF: libbacktrace falls back to the symbol table.
      this.dwarf = [];
    } finally {
      // Everything needed was copied out of the debug file.
      debugSource?.close();
    }
  }

  /** The dwz supplementary file named by `.gnu_debugaltlink`, if it exists and its build id matches. */
  private loadAlt(from: string, name: string, buildId: Uint8Array): DwarfData | undefined {
    const source = openFirst(debugLinkCandidates(from, name, this.root));
    if (source === undefined) return undefined;
    try {
      const elf = new ElfFile(source);
      const id = elf.buildId();
      if (buildId.length > 0 && (id === undefined || toHex(id) !== toHex(buildId))) return undefined;
      const t = SymbolTable.fromElf(elf);
      if (t !== undefined) this.symbols.push(t);
      const sections = loadDwarfSections(elf);
      return sections === undefined ? undefined : DwarfData.build(sections);
    } finally {
      source.close();
    }
  }

  /** memray's frames for file address `pc` (already `ip - 1 - load`); empty: the PC is dropped. */
  resolve(pc: number): readonly Frame[] {
    if (this.status === 'missing') return UNKNOWN_FRAMES;
    if (this.status === 'broken') return NO_FRAMES;
    if (this.elf !== undefined) this.load(this.elf);
    for (const d of this.dwarf) {
      let r;
      try {
        r = d.lookup(pc);
      } catch {
        // Malformed DWARF met only now: answer from the symbol table, as for an unusable unit.
        break;
      }
      if (!r.found) continue;
      const out: Frame[] = [];
      for (const f of r.frames) {
        const name = demangle(f.function);
        if (name !== '') out.push({ function: name, file: f.file ?? UNKNOWN, line: f.line });
      }
      if (out.length > 0) return out;
      break;
    }
    // With DWARF but no symbol table libbacktrace's syminfo is a stub that names nothing.
    if (this.symbols.length === 0 && this.dwarf.length > 0) return NO_FRAMES;
    for (const t of this.symbols) {
      const name = t.lookup(pc);
      if (name === undefined) continue;
      const d = demangle(name);
      return [d === '' ? UNKNOWN_FRAME : { function: d, file: UNKNOWN, line: 0 }];
    }
    return UNKNOWN_FRAMES;
  }

  /** Closes the image file if it was never read. */
  close(): void {
    this.elf?.source.close();
  }
}
