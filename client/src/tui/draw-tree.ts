/**
 * Draws the tree pane, the header and the footer into a Grid (tree-reporter.md 3.2, 3.3,
 * 3.11, 3.12): guides grey (accent inside the cursor's subtree), gradient-coloured sizes,
 * bold function names, dim cyan positions, the cursor's label highlighted. Rows are cut at
 * the pane's edge, never wrapped.
 */
import { gradientColor } from '../format/gradient.js';
import { Grid, type Style } from './cells.js';
import type { Rect } from './layout.js';
import { STYLES } from './palette.js';
import { DEPTH_MARK_WIDTH } from './tree-model.js';
import type { FooterItem } from './tree-panel.js';
import type { Row } from './tree-rows.js';
import { stringWidth } from './wcwidth.js';

/** Draws one tree row at (rect.x, y), cut at the rect's right edge. */
function drawRow(grid: Grid, rect: Rect, y: number, row: Row): void {
  const end = rect.x + rect.width;
  const put = (x: number, text: string, style: Style): number => (x >= end ? x : grid.text(x, y, text, style, end - x));
  let x = rect.x;
  const groups = row.guides.length / 4;
  for (let g = 0; g < groups; g++) {
    x = put(x, row.guides.slice(g * 4, g * 4 + 4), g >= groups - row.accentGuides ? STYLES.guideAccent : STYLES.guide);
  }
  x = put(x, row.arrow, STYLES.plain);
  const l = row.label;
  const c = row.cursor;
  const base = c ? STYLES.cursor : STYLES.plain;
  if (l.icon !== '') x = put(x, l.icon, base);
  if (l.sizeText !== '') x = put(x, l.sizeText, c || l.colorIndex === null ? base : { fg: gradientColor(l.colorIndex) });
  if (l.fn !== '') x = put(x, l.fn, c ? STYLES.cursor : row.match ? STYLES.match : STYLES.bold);
  if (l.position !== '') {
    x = put(x, '  ', base);
    x = put(x, l.position, c ? STYLES.cursorPosition : STYLES.position);
  }
  if (l.text !== '') {
    const style = c ? STYLES.cursor : row.kind === 'more' ? (l.text.startsWith('⚠') ? STYLES.warning : STYLES.muted) : STYLES.plain;
    put(x, l.text, style);
  }
}

/**
 * Draws the visible rows (already windowed to the scroll position), `hscroll` columns
 * scrolled to the left: each row is drawn whole into a scratch row and its visible part
 * copied, a wide character cut at the left edge becoming a blank. Scrolled rows start with
 * their depth (`‹12`), which the guides no longer show.
 */
export function drawTree(grid: Grid, rect: Rect, rows: readonly Row[], hscroll = 0): void {
  rows.slice(0, rect.height).forEach((row, i) => {
    const y = rect.y + i;
    if (hscroll <= 0) {
      drawRow(grid, rect, y, row);
      return;
    }
    const scratch = new Grid(hscroll + rect.width, 1);
    drawRow(scratch, { x: 0, y: 0, width: scratch.width, height: 1 }, 0, row);
    const from = scratch.cells[0]!;
    const to = grid.cells[y]!;
    for (let x = 0; x < rect.width; x++) {
      const c = from[hscroll + x]!;
      to[rect.x + x] = x === 0 && c.ch === '' ? { ch: ' ', style: c.style } : c;
    }
    if (to[rect.x + DEPTH_MARK_WIDTH]?.ch === '') to[rect.x + DEPTH_MARK_WIDTH] = { ch: ' ', style: STYLES.plain };
    grid.fill(rect.x, y, DEPTH_MARK_WIDTH, 1);
    grid.text(rect.x, y, `‹${row.depth}`, STYLES.muted, DEPTH_MARK_WIDTH - 1);
  });
}

/** The summary line on the left, the title on the right when there is room for both. */
export function drawHeader(grid: Grid, y: number, summary: string, title: string): void {
  const x = grid.text(0, y, summary, STYLES.bold);
  if (title === '') return;
  const w = stringWidth(title);
  if (x + 2 + w <= grid.width) grid.text(grid.width - w, y, title, STYLES.muted);
}

/** memray's footer is 82 cells wide: on narrower terminals the padding goes, then "the app". */
function footerVariant(items: readonly FooterItem[], width: number): { items: readonly FooterItem[]; pad: boolean } {
  const measure = (list: readonly FooterItem[], pad: boolean): number =>
    stringWidth(list.map(({ key, label }) => (pad ? ` ${key} ${label} ` : `${key} ${label}  `)).join('').trimEnd());
  if (measure(items, true) <= width) return { items, pad: true };
  const short = items.map((i) => (i.label === 'Quit the app' ? { ...i, label: 'Quit' } : i));
  return { items: measure(items, false) <= width ? items : short, pad: false };
}

/** " q Quit the app  i Hide import system …" with bold orange keys, and a status at the right end. */
export function drawFooter(grid: Grid, y: number, all: readonly FooterItem[], status: string): void {
  const { items, pad } = footerVariant(all, grid.width);
  let x = 0;
  for (const { key, label } of items) {
    x = grid.text(x, y, pad ? ` ${key} ` : `${key} `, STYLES.footerKey);
    x = grid.text(x, y, pad ? `${label} ` : `${label}  `, STYLES.plain);
  }
  if (status === '') return;
  const w = stringWidth(status);
  const sx = Math.max(x + 1, grid.width - w - 1);
  grid.text(sx, y, status, status.startsWith('⚠') ? STYLES.warning : STYLES.muted, grid.width - sx);
}
