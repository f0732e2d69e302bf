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
const HEAP = '#5fafff';
const RSS = '#d7af5f';
const PEAK = '#ff5f5f';

/** The result's buckets (every snapshot its own bucket when the whole series came back). */
export function bucketsOf(r: CaptureMemoryResult): MemoryBucket[] {
  if (r.buckets !== undefined) return [...r.buckets];
  return (r.snapshots ?? []).map(([t, rss, heap], i) => ({ first: i, last: i, fromMs: t, toMs: t, rss: [rss, rss], heap: [heap, heap] }));
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 3 : 1)} s`;
}

export interface ChartOptions {
  /** Total width in columns (axis labels included). */
  readonly width: number;
  /** Height of the plot area in rows. */
  readonly height: number;
  readonly color: boolean;
}

/** The chart as lines (no trailing newline). */
export function memoryChart(r: CaptureMemoryResult, o: ChartOptions): string[] {
  const buckets = bucketsOf(r);
  if (buckets.length === 0) return ['no memory records in this capture'];
  const label = 11;
  const W = Math.max(10, o.width - label - 1);
  const H = Math.max(3, o.height);
  const col = (c: number): MemoryBucket => buckets[Math.min(buckets.length - 1, Math.floor((c * buckets.length) / W))]!;
  const cols = W;
  let top = r.peak?.bytes ?? 0;
  for (const b of buckets) top = Math.max(top, b.rss[1], b.heap[1]);
  if (top <= 0) top = 1;
  const paint = (s: string, hex: string): string => (o.color ? ansi.fg(hex, s) : s);
  const grid: string[][] = Array.from({ length: H }, () => Array<string>(cols).fill(' '));
  for (let c = 0; c < cols; c++) {
    const b = col(c);
    const eighths = Math.round((b.heap[1] / top) * H * 8);
    for (let row = 0; row < H; row++) {
      const fromBottom = H - 1 - row;
      const fill = Math.max(0, Math.min(8, eighths - fromBottom * 8));
      if (fill > 0) grid[row]![c] = paint(EIGHTHS[fill]!, HEAP);
    }
    const rssRow = H - 1 - Math.min(H - 1, Math.floor((b.rss[1] / top) * H - 1e-9));
    if (b.rss[1] > 0 && Math.max(0, eighths - (H - 1 - rssRow) * 8) < 8) grid[rssRow]![c] = paint('•', RSS);
  }
  const lines: string[] = [];
  for (let row = 0; row < H; row++) {
    const value = row === 0 ? sizeFmt(top) : row === H - 1 ? '0' : '';
    lines.push(`${value.padStart(label)} ${grid[row]!.join('')}`);
  }
  const t0 = r.startTimeMs;
  const last = buckets[buckets.length - 1]!;
  if (r.peak !== undefined) {
    // The high-water mark lies before snapshot s (after the last one for s = N).
    const s = Math.min(r.peak.snapshot, r.count - 1);
    let c = 0;
    while (c < cols - 1 && col(c).last < s) c++;
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
