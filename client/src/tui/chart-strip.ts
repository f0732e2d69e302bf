/**
 * The chart strip above the tree (`g`): heap and RSS over time as `memtree memory` draws them
 * (print/memory-chart.ts), the peak marked ▲, the range cursor as a band over its columns and
 * a bar under them, and a line naming the cursor's snapshots and times with the keys that act
 * on them.
 */
import type { RangeInfo } from '../../../protocol/src/tree-document.js';
import type { SnapshotRange } from '../../../protocol/src/tree.js';
import { sizeFmt } from '../format/size.js';
import { formatCount } from '../format/count.js';
import { bucketsOf, CHART_COLORS, chartTop, columnBucket, peakColumn, plotArea, seconds } from '../print/memory-chart.js';
import { sanitize } from '../format/label.js';
import type { Grid, Style } from './cells.js';
import type { Rect } from './layout.js';
import { PALETTE, STYLES } from './palette.js';
import { cursorPositions, cursorRange, positionOf, type RangeState } from './range-cursor.js';

/** Columns left of the plot: the value labels, as `memtree memory` has them. */
const GUTTER = 12;

const HEAP: Style = { fg: CHART_COLORS.heap };
const RSS: Style = { fg: CHART_COLORS.rss };
const PEAK: Style = { fg: CHART_COLORS.peak, bold: true };
const BAND = PALETTE.codeBand;
const HEAP_IN: Style = { fg: CHART_COLORS.heap, bg: BAND };
const RSS_IN: Style = { fg: CHART_COLORS.rss, bg: BAND };
const BLANK_IN: Style = { bg: BAND };
const CURSOR_BAR: Style = { fg: PALETTE.guideAccent, bold: true };

/** Rows of the strip on a terminal `rows` high: the plot, the marker row and the info line (0: too small to show it). */
export function stripHeight(rows: number): number {
  if (rows < 16) return 0;
  return Math.max(3, Math.min(8, Math.floor(rows / 6))) + 2;
}

/** Columns of the plot on a terminal `cols` wide: as many buckets are asked for. */
export function plotWidth(cols: number): number {
  return Math.max(10, cols - GUTTER - 1);
}

/**
 * The info line: the cursor's snapshots and times, and what the keys will do with them. The
 * key hints shorten to fit `width` (the snapshots and times always come first, whole).
 */
export function stripInfo(s: RangeState, applied: SnapshotRange | undefined, width = Infinity): string {
  if (s.error !== null) return `⚠ Memory over time: ${sanitize(s.error)}`;
  if (s.memory === null) return s.waiting ? 'Memory over time: shown once the capture is indexed' : 'Loading memory over time…';
  const range = cursorRange(s);
  const c = cursorPositions(s);
  if (range === null || c === null) return 'No memory snapshots in this capture';
  const b = bucketsOf(s.memory);
  const t0 = s.memory.startTimeMs;
  // The period after the last snapshot starts at it and lasts to the end of the capture.
  const from = seconds((c.lo < b.length ? b[c.lo]!.fromMs : b[b.length - 1]!.toMs) - t0);
  const to = c.hi < b.length ? seconds(b[c.hi]!.toMs - t0) : 'the end';
  const what = `Snapshots ${formatCount(range.start)}-${formatCount(range.end)} of ${formatCount(s.memory.count)} (${from} – ${to})`;
  const hints = s.moved
    ? ['Enter their peak · L their leaks · Esc cancel', 'Enter peak · L leaks · Esc cancel']
    : applied === undefined
      ? ['[ ] move · { } extend · L leaks · g hide', '[ ] { } · L leaks · g hide']
      : ['[ ] move · { } extend · L leaks · Esc whole capture · g hide', '[ ] { } · L leaks · Esc whole · g hide'];
  const fits = hints.find((h) => what.length + 3 + h.length <= width) ?? hints[hints.length - 1]!;
  return `${what}   ${fits}`;
}

/**
 * Draws the strip into `rect` (its full height is stripHeight's): the plot, then one column
 * for the period after the last snapshot (empty unless the cursor or the peak is there).
 */
export function drawChartStrip(grid: Grid, rect: Rect, s: RangeState, applied: SnapshotRange | undefined): void {
  if (rect.height <= 0) return;
  const H = rect.height - 2;
  const infoY = rect.y + rect.height - 1;
  grid.text(rect.x, infoY, stripInfo(s, applied, rect.width), s.error === null ? STYLES.muted : STYLES.warning, rect.width);
  if (s.memory === null || H <= 0) return;
  const m = s.memory;
  const buckets = bucketsOf(m);
  if (buckets.length === 0) return;
  const W = Math.max(1, Math.min(plotWidth(rect.width), rect.width - GUTTER - 1));
  const top = chartTop(m, buckets);
  const cells = plotArea(buckets, top, W, H);
  const c = cursorPositions(s);
  /** The cursor position column `col` stands for (W: the period after the last snapshot). */
  const position = (col: number): number => (col >= W ? buckets.length : columnBucket(buckets.length, W, col));
  const inCursor = (col: number): boolean => c !== null && position(col) >= c.lo && position(col) <= c.hi;
  for (let row = 0; row < H; row++) {
    const y = rect.y + row;
    const value = row === 0 ? sizeFmt(top) : row === H - 1 ? '0' : '';
    grid.text(rect.x, y, value.padStart(GUTTER - 1), STYLES.muted);
    for (let col = 0; col <= W; col++) {
      const cell = col < W ? cells[row]![col] : null;
      const band = inCursor(col);
      const style = cell == null ? (band ? BLANK_IN : STYLES.plain) : cell.role === 'heap' ? (band ? HEAP_IN : HEAP) : band ? RSS_IN : RSS;
      grid.text(rect.x + GUTTER + col, y, cell == null ? ' ' : cell.ch, style);
    }
  }
  // The marker row: the range the tree shows (thin), the cursor (bold), the peak on top.
  const markY = rect.y + H;
  const shownLo = applied === undefined ? -1 : positionOf(m, buckets, applied.start);
  const shownHi = applied === undefined ? -2 : positionOf(m, buckets, applied.end);
  for (let col = 0; col <= W; col++) {
    const p = position(col);
    if (inCursor(col)) grid.text(rect.x + GUTTER + col, markY, '━', CURSOR_BAR);
    else if (p >= shownLo && p <= shownHi) grid.text(rect.x + GUTTER + col, markY, '─', STYLES.muted);
  }
  const p = m.peak !== undefined && m.peak.snapshot >= m.count ? W : peakColumn(m, buckets, W);
  if (p >= 0) grid.text(rect.x + GUTTER + p, markY, '▲', PEAK);
  grid.text(rect.x, markY, 'heap', HEAP);
  grid.text(rect.x + 5, markY, 'RSS', RSS);
}

/**
 * The header's words for a tree of a range (tree/root's `range`): which snapshots, and for the
 * peak the snapshot whose high-water mark it shows, its time and bytes.
 */
export function rangeWhat(r: RangeInfo, kind: string): (total: number) => string {
  const from = r.fromMs === undefined ? 'the start' : seconds(r.fromMs);
  const to = r.toMs === undefined ? 'the end' : seconds(r.toMs);
  const which = `Snapshots ${formatCount(r.start)}-${formatCount(r.end)} of ${formatCount(r.snapshots)}`;
  if (kind === 'peak' && r.snapshot !== undefined) {
    const when = r.snapshot === r.snapshots ? `after the last snapshot (${from} – ${to})` : `before snapshot ${formatCount(r.snapshot)} (${from} – ${to})`;
    return () => `${which}, their peak: ${sizeFmt(r.bytes ?? 0)} ${when}`;
  }
  return (total) => `${which} (${from} – ${to}), allocated there and not freed by its end: ${sizeFmt(total)}`;
}
