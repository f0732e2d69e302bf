/**
 * Where the parts of the screen go (tree-reporter.md 3.1): header row, tree pane on the left,
 * detail column on the right (40 % of the width, at most 100 columns: code pane above the
 * labels), footer row. Pure numbers, shared by the model's viewport and the drawing.
 */
import type { Viewport } from './tree-state.js';

/** Width of the detail column for a terminal `cols` wide (memray: 120 → 48, 200 → 80, 350 → 100). */
function detailWidth(cols: number): number {
  return Math.min(100, Math.floor(cols * 0.4));
}

/** Width of the tree pane. */
export function treePaneWidth(cols: number): number {
  return Math.max(0, cols - detailWidth(cols));
}

/** The screen split into rectangles (x, y, width, height). */
export interface Layout {
  readonly cols: number;
  readonly rows: number;
  /** Row 0: the summary line. */
  readonly headerRow: number;
  /** The warning banner's row under the header (a damaged or unfinished capture), or -1. */
  readonly bannerRow: number;
  /** The last row: key bindings. */
  readonly footerRow: number;
  /** The chart strip (`g`) between the header (and banner) and the tree; height 0 when hidden. */
  readonly strip: Rect;
  readonly tree: Rect;
  /** The detail column including its left border. */
  readonly detail: Rect;
  /** Source lines (inside the detail column). */
  readonly code: Rect;
  /** Detail labels (inside the detail column, below the code pane and a separator). */
  readonly labels: Rect;
}

/** A rectangle of cells. */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** The layout of a `cols` x `rows` terminal, with a warning banner under the header when `banner`, then `strip` rows of chart. */
export function layout(cols: number, rows: number, banner = false, strip = 0): Layout {
  const stripTop = banner ? 2 : 1;
  const stripRows = Math.max(0, Math.min(strip, rows - 1 - stripTop));
  const bodyTop = stripTop + stripRows;
  const bodyHeight = Math.max(0, rows - 1 - bodyTop);
  const tw = treePaneWidth(cols);
  const dw = cols - tw;
  const tree = { x: 0, y: bodyTop, width: tw, height: bodyHeight };
  const detail = { x: tw, y: bodyTop, width: dw, height: bodyHeight };
  // Border column, one column of padding on each side (as memray's panel has).
  const innerX = detail.x + 2;
  const innerW = Math.max(0, dw - 3);
  // Two equal halves with a one-row separator between them.
  const codeH = Math.max(0, Math.floor((bodyHeight - 1) / 2));
  const code = { x: innerX, y: bodyTop, width: innerW, height: codeH };
  const labels = { x: innerX, y: bodyTop + codeH + 1, width: innerW, height: Math.max(0, bodyHeight - codeH - 1) };
  const chart = { x: 0, y: stripTop, width: cols, height: stripRows };
  return { cols, rows, headerRow: 0, bannerRow: banner ? 1 : -1, footerRow: rows - 1, strip: chart, tree, detail, code, labels };
}

/** The model's viewport on a `cols` x `rows` terminal: the tree pane's and the code pane's heights. */
export function viewportOf(cols: number, rows: number, banner = false, strip = 0): Viewport {
  const l = layout(cols, rows, banner, strip);
  return { treeRows: l.tree.height, codeRows: l.code.height, treeCols: l.tree.width };
}
