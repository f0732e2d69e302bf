/**
 * `memtree memory`: heap and RSS over time as a terminal chart. Each column is one bucket of
 * memory snapshots drawn at its maximum (buckets keep their extremes, so the peak survives
 * any width): the heap as a filled area in eighth blocks, RSS as a dot line, the high-water
 * mark marked ▲ under its column. Plain characters only when not coloured (a pipe).
 */
import type { CaptureMemoryResult, MemoryBucket } from '../../../protocol/src/memory.js';
import { sizeFmt } from '../format/size.js';
import { ansi } from './ansi.js';

const EIGHTHS = ' ▁▂▃▄▅▆▇█';
/** Colours of the chart: the heap's area, the RSS line, the peak's mark (the view's strip uses them too). */
export const CHART_COLORS = { heap: '#5fafff', rss: '#d7af5f', peak: '#ff5f5f' } as const;
const { heap: HEAP, rss: RSS, peak: PEAK } = CHART_COLORS;

/** The result's buckets (every snapshot its own bucket when the whole series came back). */
export function bucketsOf(r: CaptureMemoryResult): MemoryBucket[] {
  if (r.buckets !== undefined) return [...r.buckets];
  return (r.snapshots ?? []).map(([t, rss, heap], i) => ({ first: i, last: i, fromMs: t, toMs: t, rss: [rss, rss], heap: [heap, heap] }));
}

/** A time on the chart: seconds since the capture started, 3 decimals below 10 s. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 3 : 1)} s`;
}

export interface ChartOptions {
  /** Total width in columns (axis labels included). */
  readonly width: number;
  /** Height of the plot area in rows. */
  readonly height: number;
  readonly color: boolean;
}

/** What a plot cell shows: part of the heap's area or a dot of the RSS line. */
export interface PlotCell {
  readonly ch: string;
  readonly role: 'heap' | 'rss';
}

/** The bucket column `c` of a plot `width` columns wide draws (buckets are stretched or shared evenly). */
export function columnBucket(buckets: number, width: number, c: number): number {
  return Math.min(buckets - 1, Math.floor((c * buckets) / width));
}

/** The value of the plot's top row: the highest heap, RSS or high-water mark (at least 1). */
export function chartTop(r: CaptureMemoryResult, buckets: readonly MemoryBucket[]): number {
  let top = r.peak?.bytes ?? 0;
  for (const b of buckets) top = Math.max(top, b.rss[1], b.heap[1]);
  return top <= 0 ? 1 : top;
}

/**
 * The plot area, `height` rows of `width` cells (null: blank), top row first: each column is
 * its bucket at its highest, the heap as a filled area in eighth blocks, RSS as a dot.
 */
export function plotArea(buckets: readonly MemoryBucket[], top: number, width: number, height: number): (PlotCell | null)[][] {
  const grid: (PlotCell | null)[][] = Array.from({ length: height }, () => Array<PlotCell | null>(width).fill(null));
  for (let c = 0; c < width; c++) {
    const b = buckets[columnBucket(buckets.length, width, c)]!;
    const eighths = Math.round((b.heap[1] / top) * height * 8);
    for (let row = 0; row < height; row++) {
      const fromBottom = height - 1 - row;
      const fill = Math.max(0, Math.min(8, eighths - fromBottom * 8));
      if (fill > 0) grid[row]![c] = { ch: EIGHTHS[fill]!, role: 'heap' };
    }
    const rssRow = height - 1 - Math.min(height - 1, Math.floor((b.rss[1] / top) * height - 1e-9));
    if (b.rss[1] > 0 && Math.max(0, eighths - (height - 1 - rssRow) * 8) < 8) grid[rssRow]![c] = { ch: '•', role: 'rss' };
  }
  return grid;
}

/** The column of a plot `width` wide under which the high-water mark lies (the first whose bucket reaches its snapshot), or -1. */
export function peakColumn(r: CaptureMemoryResult, buckets: readonly MemoryBucket[], width: number): number {
  if (r.peak === undefined || buckets.length === 0) return -1;
  // The high-water mark lies before snapshot s (after the last one for s = N).
  const s = Math.min(r.peak.snapshot, r.count - 1);
  let c = 0;
  while (c < width - 1 && buckets[columnBucket(buckets.length, width, c)]!.last < s) c++;
  return c;
}

/** The chart as lines (no trailing newline). */
export function memoryChart(r: CaptureMemoryResult, o: ChartOptions): string[] {
  const buckets = bucketsOf(r);
  if (buckets.length === 0) return ['no memory records in this capture'];
  const label = 11;
  const W = Math.max(10, o.width - label - 1);
  const H = Math.max(3, o.height);
  const col = (c: number): MemoryBucket => buckets[columnBucket(buckets.length, W, c)]!;
  const cols = W;
  const top = chartTop(r, buckets);
  const paint = (s: string, hex: string): string => (o.color ? ansi.fg(hex, s) : s);
  const grid = plotArea(buckets, top, W, H).map((row) => row.map((cell) => (cell === null ? ' ' : paint(cell.ch, cell.role === 'heap' ? HEAP : RSS))));
  const lines: string[] = [];
  for (let row = 0; row < H; row++) {
    const value = row === 0 ? sizeFmt(top) : row === H - 1 ? '0' : '';
    lines.push(`${value.padStart(label)} ${grid[row]!.join('')}`);
  }
  const t0 = r.startTimeMs;
  const last = buckets[buckets.length - 1]!;
  if (r.peak !== undefined) {
    const c = peakColumn(r, buckets, cols);
    const b = col(c);
    const span = b.first === b.last ? seconds(b.toMs - t0) : `${seconds(b.fromMs - t0)} – ${seconds(b.toMs - t0)}`;
    const note = r.peak.snapshot < r.count ? `before snapshot ${r.peak.snapshot} (${span})` : `after the last snapshot (${seconds(last.toMs - t0)})`;
    lines.push(`${' '.repeat(label + 1 + c)}${paint('▲', PEAK)}`);
    lines.push(`${' '.repeat(label + 1)}peak ${sizeFmt(r.peak.bytes)} ${note}`);
  }
  const from = seconds(buckets[0]!.fromMs - t0);
  const to = seconds(last.toMs - t0);
  lines.push(`${' '.repeat(label + 1)}${from}${to.padStart(Math.max(1, cols - from.length))}`);
  lines.push(
    `${' '.repeat(label + 1)}${paint('█', HEAP)} heap  ${paint('•', RSS)} RSS  ${r.count} memory snapshots` +
      (buckets.length < r.count ? ` (${buckets.length} columns, each at its highest)` : ''),
  );
  return lines;
}
