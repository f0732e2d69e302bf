/**
 * One mapped image (executable or shared library) and how memray's libbacktrace state for it
 * answers: DWARF frames (from a separate debug file when one is found), else the symbol
 * table's name, else `<unknown>`. Opened cheaply (headers, build id, debug file location);
 * symbols and DWARF are read on the first lookup.
 */
import * as fs from 'node:fs';
import type { Frame } from '../capture/capture-state.js';
import { buildIdPath, debugLinkCandidates, DEFAULT_DEBUG_ROOT, fileStamp, openFirst } from './debug-file.js';
import { demangle } from './demangle.js';
import { DwarfData } from './dwarf.js';
import { loadDwarfSections } from './elf-dwarf.js';
import { SymbolTable } from './elf-symbols.js';
import { ElfFile, PT_LOAD, toHex } from './elf.js';
import { fileCrc32, type FileSource } from './file-source.js';

/** memray's placeholder for an unknown function or file. */
export const UNKNOWN = '<unknown>';
/** The frame memray reports for a PC it cannot name. */
export const UNKNOWN_FRAME: Frame = Object.freeze({ function: UNKNOWN, file: UNKNOWN, line: 0 });
const NO_FRAMES: readonly Frame[] = Object.freeze([]);

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
  private loaded = false;
  /** Why the debug information could not be used, if it could not. */
  debugProblem: string | undefined;

  private constructor(
    /** Path the image was read from (after path mapping). */
    readonly path: string,
    readonly status: ImageStatus,
    /** Identity for persistent caches: path, size, mtime, build id and debug file. */
    readonly key: string,
    private readonly elf: ElfFile | undefined,
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
      source = openSource(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const status = code === 'ENOENT' || code === 'EACCES' ? 'missing' : 'broken';
      return new Image(path, status, `${status}:${path}`, undefined, undefined, 0, root);
    }
    let elf: ElfFile;
    try {
      elf = new ElfFile(source);
    } catch {
      source.close();
      return new Image(path, 'broken', `broken:${path}`, undefined, undefined, 0, root);
    }
    const buildId = elf.buildId();
    let debugFile: string | undefined;
    let crc = 0;
    const byId = buildId === undefined ? undefined : buildIdPath(buildId, root);
    if (byId !== undefined && isFile(byId)) debugFile = byId;
    else {
      const link = elf.debugLink();
      if (link !== undefined) {
        debugFile = debugLinkCandidates(path, link.name, root).find(isFile);
        crc = link.crc;
      }
    }
    const stamp = `${path}:${source.size}:${Math.trunc(source.mtimeMs)}`;
    const key = `elf1|${stamp}|${buildId === undefined ? '-' : toHex(buildId)}|${fileStamp(debugFile)}`;
    return new Image(path, 'ok', key, elf, debugFile, crc, root);
  }

  /** The image's PT_LOAD segments (to recover load addresses a capture did not keep). */
  loadSegments(): { vaddr: number; memsz: number }[] {
    if (this.elf === undefined) return [];
    try {
      return this.elf.programHeaders().filter((p) => p.type === PT_LOAD);
    } catch {
      return [];
    }
  }

  /** Lower-case hex build id of the image, if it has one. */
  buildId(): string | undefined {
    const b = this.elf?.buildId();
    return b === undefined ? undefined : toHex(b);
  }

  private load(): void {
    this.loaded = true;
    const elf = this.elf!;
    try {
      const t = SymbolTable.fromElf(elf);
      if (t !== undefined) this.symbols.push(t);
    } catch (err) {
      // libbacktrace fails the whole image: no symbols and no DWARF, every PC `<unknown>`.
      this.debugProblem = `symbol table: ${(err as Error).message}`;
      return;
    }
    let dwarfElf = elf;
    let dwarfPath = this.path;
    let debugSource: FileSource | undefined;
    if (this.debugFile !== undefined) {
      debugSource = openFirst([this.debugFile])?.source;
      if (debugSource !== undefined && this.debugCrc !== 0 && fileCrc32(debugSource) !== this.debugCrc) {
        debugSource.close();
        debugSource = undefined;
        this.debugProblem = `${this.debugFile}: CRC mismatch, debug file ignored`;
      }
    }
    try {
      if (debugSource !== undefined) {
        try {
          dwarfElf = new ElfFile(debugSource);
          dwarfPath = '';
          const t = SymbolTable.fromElf(dwarfElf);
          if (t !== undefined) this.symbols.push(t);
        } catch (err) {
          this.debugProblem = `${this.debugFile}: ${(err as Error).message}`;
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
    } catch (err) {
      // Corrupt or unsupported DWARF: libbacktrace falls back to the symbol table.
      this.dwarf = [];
      this.debugProblem = `DWARF: ${(err as Error).message}`;
    } finally {
      // Everything needed was copied out of the debug file.
      debugSource?.close();
    }
  }

  /** The dwz supplementary file named by `.gnu_debugaltlink`, if it exists and its build id matches. */
  private loadAlt(from: string, name: string, buildId: Uint8Array): DwarfData | undefined {
    const opened = openFirst(debugLinkCandidates(from, name, this.root));
    if (opened === undefined) return undefined;
    try {
      const elf = new ElfFile(opened.source);
      const id = elf.buildId();
      if (buildId.length > 0 && (id === undefined || toHex(id) !== toHex(buildId))) return undefined;
      const t = SymbolTable.fromElf(elf);
      if (t !== undefined) this.symbols.push(t);
      const sections = loadDwarfSections(elf);
      return sections === undefined ? undefined : DwarfData.build(sections);
    } finally {
      opened.source.close();
    }
  }

  /** memray's frames for file address `pc` (already `ip - 1 - load`); empty: the PC is dropped. */
  resolve(pc: number): readonly Frame[] {
    if (this.status === 'missing') return [UNKNOWN_FRAME];
    if (this.status === 'broken') return NO_FRAMES;
    if (!this.loaded) this.load();
    for (const d of this.dwarf) {
      let r;
      try {
        r = d.lookup(pc);
      } catch (err) {
        // Malformed DWARF met only now: answer from the symbol table, as for an unusable unit.
        this.debugProblem = `DWARF: ${(err as Error).message}`;
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
    return [UNKNOWN_FRAME];
  }

  /** Closes the image file. */
  close(): void {
    this.elf?.source.close();
  }
}

function openSource(path: string): FileSource {
  const found = openFirst([path]);
  if (found !== undefined) return found.source;
  // Re-raise the real error so the caller can tell "missing" from "broken".
  fs.closeSync(fs.openSync(path, 'r'));
  throw Object.assign(new Error(`${path} is not a regular file`), { code: 'EINVAL' });
}

function isFile(path: string): boolean {
  try {
    return fs.statSync(path).isFile();
  } catch {
    return false;
  }
}
