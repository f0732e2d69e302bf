/**
 * Paints a Grid into neo-blessed's screen buffer, which then draws only the changed cells.
 * Two things neo-blessed cannot do are handled here:
 * - Width: its table makes 📂 📄 ❓ one cell wide, while the terminal's cursor moves two
 *   columns. Our grid holds a wide grapheme in one cell plus a continuation cell; the first
 *   is written as the grapheme then CUB 1 (back to where blessed thinks the cursor is), the
 *   continuation as CUF 1. Blessed redraws only changed cells and skips the others with its
 *   own cursor arithmetic, and this keeps that arithmetic right whichever of the two cells
 *   changed (a plain '' continuation goes wrong when only the first one is redrawn).
 * - 24-bit colour: its attributes hold 256-colour indexes only. In truecolor mode the
 *   foreground is written as an SGR sequence around the character itself, with the cell's
 *   attribute foreground left at "default" so nothing leaks into the next cell.
 */
import type blessed from 'neo-blessed';
import { FG_OFF, fgOn } from '../print/ansi.js';
import type { Cell, Grid } from './cells.js';
import { nearest256 } from './palette.js';

/** How colours are sent: exact 24-bit, or the nearest of the 256-colour palette. */
export type ColorMode = 'truecolor' | '256';

/** 'truecolor' when the terminal says so (COLORTERM), else '256'. */
export function detectColorMode(env: NodeJS.ProcessEnv = process.env): ColorMode {
  const c = (env.COLORTERM ?? '').toLowerCase();
  return c === 'truecolor' || c === '24bit' ? 'truecolor' : '256';
}

const DEFAULT_COLOR = 0x1ff;

const CUB1 = '\x1b[D';
const CUF1 = '\x1b[C';

/** Per style and mode: blessed's attribute code and the 24-bit colour prefix (computed once; a screen has few styles). */
interface Encoded {
  readonly attr: number;
  readonly prefix: string;
}

const encodedStyles = [new WeakMap<Cell['style'], Encoded>(), new WeakMap<Cell['style'], Encoded>()];

function encodeStyle(s: Cell['style'], mode: ColorMode): Encoded {
  const cache = encodedStyles[mode === 'truecolor' ? 1 : 0]!;
  let e = cache.get(s);
  if (e === undefined) {
    const flags = (s.bold ? 1 : 0) | (s.underline ? 2 : 0);
    const bg = s.bg === undefined ? DEFAULT_COLOR : nearest256(s.bg);
    let fg = s.fg === undefined ? DEFAULT_COLOR : nearest256(s.fg);
    let prefix = '';
    if (mode === 'truecolor' && s.fg !== undefined) {
      fg = DEFAULT_COLOR;
      prefix = fgOn(s.fg);
    }
    e = { attr: (flags << 18) | (fg << 9) | bg, prefix };
    cache.set(s, e);
  }
  return e;
}

/** The characters to write for one cell (`wide`: a two-cell grapheme), given its encoded style. */
function cellChars(cell: Cell, e: Encoded, wide: boolean): string {
  if (cell.ch === '') return CUF1;
  const ch = e.prefix === '' ? cell.ch : `${e.prefix}${cell.ch}${FG_OFF}`;
  return wide ? ch + CUB1 : ch;
}

/** neo-blessed's attribute code and the characters to write for one cell (`wide`: a two-cell grapheme). */
export function encodeCell(cell: Cell, mode: ColorMode, wide = false): [number, string] {
  const e = encodeStyle(cell.style, mode);
  return [e.attr, cellChars(cell, e, wide)];
}

/** Copies the grid into screen.lines, marking changed rows dirty. */
export function paintGrid(screen: blessed.Screen, grid: Grid, mode: ColorMode): void {
  const rows = Math.min(grid.height, screen.lines.length);
  for (let y = 0; y < rows; y++) {
    const line = screen.lines[y]!;
    const cells = grid.cells[y]!;
    const cols = Math.min(grid.width, line.length);
    for (let x = 0; x < cols; x++) {
      const e = encodeStyle(cells[x]!.style, mode);
      const attr = e.attr;
      const ch = cellChars(cells[x]!, e, cells[x + 1]?.ch === '');
      const cell = line[x]!;
      if (cell[0] !== attr || cell[1] !== ch) {
        cell[0] = attr;
        cell[1] = ch;
        line.dirty = true;
      }
    }
  }
}

/** A cell's text without the control sequences it carries (for reading screen.lines in tests). */
export function cellText(ch: string): string {
  return ch.replace(/\x1b\[[\d;]*[A-Za-z]/g, '');
}

/** The screen buffer as text lines (wide graphemes once, their continuation cells as ''). */
export function screenLines(screen: blessed.Screen): string[] {
  return screen.lines.map((line) => line.map((c) => cellText(c[1])).join(''));
}
