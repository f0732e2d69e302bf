/**
 * Draws the detail column (tree-reporter.md 3.1, 3.10): a border, the code pane (Python
 * colouring, line numbers, the frame's line marked with a band and a ▶; or, when the file was
 * not found, where it was looked for), a separator, then the labels,
 * wrapped to the column and spaced out when there is room.
 */
import type { Grid, Style } from './cells.js';
import type { Layout, Rect } from './layout.js';
import { PALETTE, STYLES } from './palette.js';
import { highlightPython, type TokenKind } from './python-highlight.js';
import type { CodeWindow, PanelData } from './tree-panel.js';
import { sanitize } from '../format/label.js';
import { graphemes, stringWidth } from './wcwidth.js';

const TOKEN_FG: Record<TokenKind, string | undefined> = {
  plain: undefined,
  keyword: PALETTE.keyword,
  builtin: PALETTE.builtin,
  string: PALETTE.string,
  comment: PALETTE.comment,
  number: PALETTE.number,
  definition: PALETTE.definition,
};

/** Python's expandtabs(8), then control characters made harmless. */
export function displayLine(line: string): string {
  let out = '';
  for (const ch of line) out += ch === '\t' ? ' '.repeat(8 - (out.length % 8)) : ch;
  return sanitize(out);
}

/**
 * The code pane: line numbers in a gutter, the frame's line marked (▶ left of the pane and a
 * band), lines longer than the pane cut with an ellipsis in its last column.
 */
function drawCode(grid: Grid, rect: Rect, code: CodeWindow): void {
  const lines = code.lines.slice(0, rect.height).map(displayLine);
  const numberWidth = String(code.firstLine + lines.length - 1).length;
  // Numbers only when the code keeps most of the pane.
  const gutter = rect.width >= numberWidth + 1 + 12 ? numberWidth + 1 : 0;
  const codeX = rect.x + gutter;
  const codeWidth = rect.width - gutter;
  highlightPython(lines).forEach((tokens, i) => {
    const y = rect.y + i;
    const marked = i === code.mark;
    if (marked) grid.fill(rect.x - 1, y, rect.width + 2, 1, { bg: PALETTE.codeBand });
    // The column left of the pane carries the marker, so the code keeps its indentation.
    if (marked) grid.text(rect.x - 1, y, '▶', { fg: PALETTE.footerKey, bg: PALETTE.codeBand, bold: true });
    if (gutter > 0) {
      const number = String(code.firstLine + i).padStart(numberWidth);
      grid.text(rect.x, y, number, marked ? { fg: PALETTE.codeBandFg, bg: PALETTE.codeBand, bold: true } : STYLES.muted);
    }
    const cut = stringWidth(lines[i]!) > codeWidth;
    const room = cut ? codeWidth - 1 : codeWidth;
    let x = codeX;
    for (const t of tokens) {
      const fg = TOKEN_FG[t.kind] ?? (marked ? PALETTE.codeBandFg : undefined);
      const style: Style = marked ? { fg, bg: PALETTE.codeBand, bold: true } : { fg };
      x = grid.text(x, y, t.text, style, codeX + room - x);
    }
    if (cut) grid.text(x, y, '…', marked ? { fg: PALETTE.codeBandFg, bg: PALETTE.codeBand, bold: true } : STYLES.muted);
  });
}

/** Where the source was looked for, wrapped to the pane, cut at its height. */
function drawCodeNote(grid: Grid, rect: Rect, note: readonly string[]): void {
  let y = rect.y;
  for (const paragraph of note) {
    for (const line of wrap(paragraph, rect.width)) {
      if (y >= rect.y + rect.height) return;
      grid.text(rect.x, y++, line, STYLES.muted, rect.width);
    }
  }
}

/** Splits a paragraph into lines of at most `width` cells, at spaces where possible. */
export function wrap(text: string, width: number): string[] {
  if (width <= 0) return [];
  const out: string[] = [];
  let line = '';
  let lineW = 0;
  let word = '';
  let wordW = 0;
  const flushWord = (): void => {
    if (word === '') return;
    if (lineW > 0 && lineW + 1 + wordW > width) {
      out.push(line);
      line = '';
      lineW = 0;
    }
    if (lineW > 0) {
      line += ' ';
      lineW += 1;
    }
    // A word longer than the line is cut into pieces.
    for (const { g, w } of graphemes(word)) {
      if (lineW + w > width) {
        out.push(line);
        line = '';
        lineW = 0;
      }
      line += g;
      lineW += w;
    }
    word = '';
    wordW = 0;
  };
  for (const { g, w } of graphemes(text)) {
    if (g === ' ') flushWord();
    else {
      word += g;
      wordW += w;
    }
  }
  flushWord();
  if (line !== '') out.push(line);
  return out;
}

function drawLabels(grid: Grid, rect: Rect, labels: readonly string[]): void {
  const blocks = labels.map((l) => wrap(l, rect.width));
  const lines = blocks.reduce((n, b) => n + b.length, 0);
  // memray puts a blank row above and below every label; keep one between them if they fit.
  const gap = lines + blocks.length - 1 <= rect.height ? 1 : 0;
  let y = rect.y;
  for (const block of blocks) {
    for (const line of block) {
      if (y >= rect.y + rect.height) return;
      grid.text(rect.x, y++, line, STYLES.plain, rect.width);
    }
    y += gap;
  }
}

/** Draws the whole detail column. */
export function drawDetail(grid: Grid, l: Layout, p: PanelData): void {
  const d = l.detail;
  if (d.width < 4) return;
  for (let y = d.y; y < d.y + d.height; y++) grid.text(d.x, y, '│', STYLES.border);
  if (p.code !== null && l.code.height > 0) drawCode(grid, l.code, p.code);
  else if (p.codeNote !== undefined && l.code.height > 0) drawCodeNote(grid, l.code, p.codeNote);
  const sep = l.code.y + l.code.height;
  if (sep < d.y + d.height) grid.text(l.code.x, sep, '─'.repeat(l.code.width), STYLES.border);
  drawLabels(grid, l.labels, p.labels);
}
