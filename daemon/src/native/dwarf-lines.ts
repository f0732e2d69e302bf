/**
 * `.debug_line` for one unit, as libbacktrace reads it (`read_line_info`): file names joined
 * with their directory exactly as libbacktrace joins them (DWARF 2-4: directory 0 is the
 * unit's DW_AT_comp_dir, file 0 its DW_AT_name; DWARF 5: "dir/path" for every entry), one row
 * per emitted line (end_sequence adds none), rows sorted by address (stable).
 */
import { ByteCursor, Underflow } from './byte-cursor.js';
import { AttrVal, ENC_UINT, readAttribute, resolveString } from './dwarf-forms.js';
import type { Unit } from './dwarf-units.js';

/** A unit's line rows, sorted by address; a row covers [pc[i], pc[i + 1]). */
export interface LineTable {
  readonly pc: Float64Array;
  readonly line: Int32Array;
  readonly file: Int32Array;
  /** File names referenced by `file` (undefined: a unit without DW_AT_name used as file 0). */
  readonly names: readonly (string | undefined)[];
}

const DW_LNCT_path = 1;
const DW_LNCT_directory_index = 2;

function isAbsolute(p: string): boolean {
  return p.startsWith('/');
}

/** The line header's file names (index = DWARF file number) and the line rows. Throws on bad data. */
export function readLineInfo(u: Unit): { table: LineTable; filenames: (string | undefined)[] } {
  const sec = u.sections.line;
  if (u.lineOff >= sec.length) throw new Underflow('unit line offset out of range');
  const c = new ByteCursor(sec, u.lineOff, sec.length, '.debug_line');
  let len = c.u32();
  const is64 = len === 0xffffffff;
  if (is64) len = c.u64();
  c.end = Math.min(sec.length, c.pos + len);
  const version = c.u16();
  if (version < 2 || version > 5) throw new Underflow('unsupported line number version');
  let addrSize = u.addrSize;
  if (version >= 5) {
    addrSize = c.u8();
    if (c.u8() !== 0) throw new Underflow('non-zero segment_selector_size not supported');
  }
  const hdrLen = c.offset(is64);
  const h = new ByteCursor(sec, c.pos, c.pos + hdrLen, '.debug_line header');
  if (h.end < c.pos + hdrLen) throw new Underflow('.debug_line header');
  c.pos += hdrLen;
  const minInsnLen = h.u8();
  // libbacktrace would divide by zero on these; treat them as malformed.
  const maxOps = version < 4 ? 1 : h.u8() || 1;
  h.u8(); // default_is_stmt
  const lineBase = h.i8();
  const lineRange = h.u8();
  const opcodeBase = h.u8();
  if (lineRange === 0) throw new Underflow('line_range of 0 in line number program header');
  const opcodeLengths = h.pos;
  h.skip(opcodeBase - 1);
  let dirs: (string | undefined)[];
  let files: (string | undefined)[];
  if (version < 5) {
    dirs = [u.compDir];
    while (h.buf[h.pos] !== 0) dirs.push(h.cString());
    h.skip(1);
    files = [u.filename];
    while (h.buf[h.pos] !== 0) {
      const name = h.cString();
      const dir = h.uleb();
      h.uleb();
      h.uleb();
      if (isAbsolute(name) || (dir < dirs.length && dirs[dir] === undefined)) files.push(name);
      else if (dir >= dirs.length) throw new Underflow('invalid directory index in line number program header');
      else files.push(`${dirs[dir]}/${name}`);
    }
  } else {
    const ctx = { version: u.version, is64: u.is64, addrSize, sections: u.sections, alt: u.alt };
    const entries = (dirTable: (string | undefined)[]): (string | undefined)[] => {
      const nformats = h.u8();
      const lnct: number[] = [];
      const forms: number[] = [];
      for (let i = 0; i < nformats; i++) {
        lnct.push(h.uleb());
        forms.push(h.uleb());
      }
      const count = h.uleb();
      const out: (string | undefined)[] = [];
      const v = new AttrVal();
      for (let i = 0; i < count; i++) {
        let dir: string | undefined;
        let path: string | undefined;
        for (let k = 0; k < nformats; k++) {
          readAttribute(forms[k]!, 0, h, ctx, v);
          if (lnct[k] === DW_LNCT_path) {
            path = resolveString(v, u.is64, u.sections, u.strOffsetsBase) ?? path;
          } else if (lnct[k] === DW_LNCT_directory_index && v.enc === ENC_UINT) {
            if (v.val >= dirTable.length) throw new Underflow('invalid directory index in line number program header');
            dir = dirTable[v.val];
          }
        }
        if (path === undefined) throw new Underflow('missing file name in line number program header');
        out.push(dir === undefined ? path : `${dir}/${path}`);
      }
      return out;
    };
    dirs = entries([]);
    files = entries(dirs);
  }

  const names: (string | undefined)[] = [];
  const nameIndex = new Map<string | undefined, number>();
  const intern = (s: string | undefined): number => {
    let i = nameIndex.get(s);
    if (i === undefined) {
      i = names.length;
      names.push(s);
      nameIndex.set(s, i);
    }
    return i;
  };
  const rowPc: number[] = [];
  const rowLine: number[] = [];
  const rowFile: number[] = [];
  const resetFile = intern(files.length > 1 ? files[1] : '');
  let address = 0;
  let opIndex = 0;
  let file = resetFile;
  let line = 1;
  const addLine = (): void => {
    const n = rowPc.length - 1;
    if (n >= 0 && rowPc[n] === address && rowFile[n] === file && rowLine[n] === line) return;
    rowPc.push(address);
    rowLine.push(line);
    rowFile.push(file);
  };
  const advance = (n: number): void => {
    address += Math.floor((minInsnLen * (opIndex + n)) / maxOps);
    opIndex = (opIndex + n) % maxOps;
  };
  while (c.left > 0) {
    const op = c.u8();
    if (op >= opcodeBase) {
      const adj = op - opcodeBase;
      advance(Math.floor(adj / lineRange));
      line += lineBase + (adj % lineRange);
      addLine();
    } else if (op === 0) {
      const extLen = c.uleb();
      const ext = c.u8();
      if (ext === 1) {
        // end_sequence
        address = 0;
        opIndex = 0;
        file = resetFile;
        line = 1;
      } else if (ext === 2) {
        address = c.address(addrSize);
      } else if (ext === 3) {
        const f = c.cString();
        const dir = c.uleb();
        c.uleb();
        c.uleb();
        if (isAbsolute(f)) file = intern(f);
        else if (dir < dirs.length) file = intern(`${dirs[dir] ?? ''}/${f}`);
        else throw new Underflow('invalid directory index in line number program');
      } else if (ext === 4) {
        c.uleb();
      } else {
        c.skip(extLen - 1);
      }
    } else if (op === 1) addLine();
    else if (op === 2) advance(c.uleb());
    else if (op === 3) line += c.sleb();
    else if (op === 4) {
      const n = c.uleb();
      if (n >= files.length) throw new Underflow('invalid file number in line number program');
      file = intern(files[n]);
    } else if (op === 5 || op === 12) c.uleb();
    else if (op === 8) advance(Math.floor((255 - opcodeBase) / lineRange));
    else if (op === 9) {
      address += c.u16();
      opIndex = 0;
    } else if (op !== 6 && op !== 7 && op !== 10 && op !== 11) {
      for (let i = sec[opcodeLengths + op - 1]!; i > 0; i--) c.uleb();
    }
  }
  if (rowPc.length === 0) throw new Underflow('no line rows');
  const order = rowPc.map((_, i) => i);
  order.sort((a, b) => rowPc[a]! - rowPc[b]! || a - b);
  return {
    table: {
      pc: Float64Array.from(order, (i) => rowPc[i]!),
      line: Int32Array.from(order, (i) => rowLine[i]!),
      file: Int32Array.from(order, (i) => rowFile[i]!),
      names,
    },
    filenames: files,
  };
}

/** Index of the row covering `pc` (the last row with `pc[i] <= pc`), or -1 before the first row. */
export function findLine(t: LineTable, pc: number): number {
  let l = 0;
  let h = t.pc.length;
  while (l < h) {
    const m = (l + h) >>> 1;
    if (t.pc[m]! <= pc) l = m + 1;
    else h = m;
  }
  return l - 1;
}
