/**
 * A frame as a grid of terminal cells, composed from the state before it is painted into
 * neo-blessed's screen buffer. A wide grapheme takes its cell plus an empty continuation cell
 * (ch ''), so every cell is exactly one terminal column and nothing after an emoji shifts.
 */
import { graphemes, isPrintableAscii } from './wcwidth.js';

/** How a cell looks; colours are '#rrggbb', absent means the terminal's default. */
export interface Style {
  readonly fg?: string;
  readonly bg?: string;
  readonly bold?: boolean;
  readonly underline?: boolean;
}

/** One terminal column of a frame. */
export interface Cell {
  /** A grapheme, ' ', or '' for the right half of a wide grapheme. */
  ch: string;
  style: Style;
}

const PLAIN: Style = {};

/** A width x height frame of cells, all blank at first. */
export class Grid {
  readonly cells: Cell[][];

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.cells = Array.from({ length: Math.max(0, height) }, () => Array.from({ length: Math.max(0, width) }, () => ({ ch: ' ', style: PLAIN })));
  }

  /** Sets one cell, blanking the other half of any wide grapheme it overwrites. */
  private set(x: number, y: number, ch: string, style: Style): void {
    const row = this.cells[y]!;
    if (row[x]!.ch === '' && x > 0) row[x - 1]!.ch = ' ';
    if (row[x + 1]?.ch === '' && ch !== '') row[x + 1]!.ch = ' ';
    row[x] = { ch, style };
  }

  /**
   * Writes `text` at (x, y), cut at `maxWidth` cells and at the grid's edge (never wrapped);
   * a wide grapheme that would straddle the limit is left out. Returns the next free column.
   */
  text(x: number, y: number, text: string, style: Style = PLAIN, maxWidth = Infinity): number {
    if (y < 0 || y >= this.height || text === '') return x;
    const limit = Math.min(this.width, x + Math.max(0, maxWidth));
    let cx = x;
    if (isPrintableAscii(text)) {
      // Most of a screen is ASCII: one cell per character, no grapheme objects to collect.
      for (let i = 0; i < text.length && cx < limit; i++, cx++) if (cx >= 0) this.set(cx, y, text[i]!, style);
      return cx;
    }
    for (const { g, w } of graphemes(text)) {
      if (w === 0) continue; // only stray zero-width code points get here; graphemes carry their marks
      if (cx + w > limit) break;
      if (cx >= 0) {
        this.set(cx, y, g, style);
        if (w === 2) this.set(cx + 1, y, '', style);
      }
      cx += w;
    }
    return cx;
  }

  /** Fills a rectangle with `ch` in `style`. */
  fill(x: number, y: number, width: number, height: number, style: Style = PLAIN, ch = ' '): void {
    for (let yy = Math.max(0, y); yy < Math.min(this.height, y + height); yy++) {
      for (let xx = Math.max(0, x); xx < Math.min(this.width, x + width); xx++) this.set(xx, yy, ch, style);
    }
  }

  /** Row y as plain text (continuation cells add nothing), for tests and debugging. */
  rowText(y: number): string {
    return (this.cells[y] ?? []).map((c) => c.ch).join('');
  }
}
