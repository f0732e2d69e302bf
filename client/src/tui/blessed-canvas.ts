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
 * With 8 or 16 colours the styles' colours become ANSI colours by hue (palette.ts nearestAnsi),
 * and a cell with a background always gets a foreground that differs from it; without colours
 * (NO_COLOR, vt100) a background becomes reverse video.
 */
import type blessed from 'neo-blessed';
import { FG_OFF, fgOn } from '../print/ansi.js';
import type { Cell, Grid } from './cells.js';
import { contrastOn, nearest256, nearestAnsi } from './palette.js';
import type { ColorMode } from './terminal.js';

export type { ColorMode } from './terminal.js';

const DEFAULT_COLOR = 0x1ff;

const CUB1 = '\x1b[D';
const CUF1 = '\x1b[C';

/** Per style and mode: blessed's attribute code and the 24-bit colour prefix (computed once; a screen has few styles). */
interface Encoded {
  readonly attr: number;
  readonly prefix: string;
}

const encodedStyles = new Map<ColorMode, WeakMap<Cell['style'], Encoded>>();

const INVERSE = 8;

/** The attribute colours of a style with 8 or 16 colours. */
function ansiColors(s: Cell['style'], depth: 8 | 16): { fg: number; bg: number } {
  const fg = s.fg === undefined ? undefined : nearestAnsi(s.fg, depth, 'fg');
  if (s.bg === undefined) return { fg: fg ?? DEFAULT_COLOR, bg: DEFAULT_COLOR };
  const bg = nearestAnsi(s.bg, depth, 'bg')!;
  // The default foreground may be the background's colour (a light theme's black on black).
  return { fg: fg === undefined || fg === bg || fg === 8 ? contrastOn(bg) : fg, bg };
}

function encodeStyle(s: Cell['style'], mode: ColorMode): Encoded {
  let cache = encodedStyles.get(mode);
  if (cache === undefined) encodedStyles.set(mode, (cache = new WeakMap()));
  let e = cache.get(s);
  if (e === undefined) {
    let flags = (s.bold ? 1 : 0) | (s.underline ? 2 : 0);
    let fg = DEFAULT_COLOR;
    let bg = DEFAULT_COLOR;
    let prefix = '';
    if (mode === 'none') {
      if (s.bg !== undefined) flags |= INVERSE;
    } else if (mode === '8' || mode === '16') {
      ({ fg, bg } = ansiColors(s, mode === '8' ? 8 : 16));
    } else {
      bg = s.bg === undefined ? DEFAULT_COLOR : nearest256(s.bg);
      if (mode === 'truecolor' && s.fg !== undefined) prefix = fgOn(s.fg);
      else if (s.fg !== undefined) fg = nearest256(s.fg);
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
