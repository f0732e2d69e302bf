// The time model of the interactive view (range-cursor.ts) and its chart strip: keys move a
// range cursor over memory snapshots, Enter / L choose the tree of its peak / leaks, Esc goes
// back; the strip draws the chart, the peak, the cursor and what the keys will do.
import { describe, expect, it } from 'vitest';
import type { CaptureMemoryResult } from '../../protocol/src/memory.js';
import type { ViewOptions } from '../../protocol/src/tree.js';
import { Grid } from '../../client/src/tui/cells.js';
import { drawChartStrip, rangeWhat, stripHeight, stripInfo } from '../../client/src/tui/chart-strip.js';
import { cursorRange, initialRangeState, memoryLoaded, rangeKey, type RangeKey, type RangeState } from '../../client/src/tui/range-cursor.js';

const VIEW: ViewOptions = { mode: { kind: 'peak' }, biggestAllocs: 200, hideImportSystem: false, hideUninteresting: true };

/** Ten snapshots 100 ms apart; the heap climbs to its highest before snapshot 6 (index 6 of memray's list). */
const HEAPS = [1, 2, 3, 4, 5, 6, 9, 7, 3, 2].map((m) => m * 1_000_000);
const MEMORY: CaptureMemoryResult = {
  startTimeMs: 1_000_000,
  endTimeMs: 1_001_000,
  count: 10,
  snapshots: HEAPS.map((h, i) => [1_000_000 + 100 * (i + 1), h + 5_000_000, h] as const),
  peak: { snapshot: 6, bytes: 9_500_000 },
};

/** The same series in 4 buckets of snapshots (0-1, 2-4, 5-6, 7-9). */
const BUCKETED: CaptureMemoryResult = {
  ...MEMORY,
  snapshots: undefined,
  buckets: [
    [0, 1],
    [2, 4],
    [5, 6],
    [7, 9],
  ].map(([first, last]) => ({
    first: first!,
    last: last!,
    fromMs: 1_000_000 + 100 * (first! + 1),
    toMs: 1_000_000 + 100 * (last! + 1),
    rss: [HEAPS[first!]! + 5_000_000, Math.max(...HEAPS.slice(first!, last! + 1)) + 5_000_000] as const,
    heap: [HEAPS[first!]!, Math.max(...HEAPS.slice(first!, last! + 1))] as const,
  })),
};

/** Applies keys in turn, keeping the view the tree would show. */
function press(s: RangeState, view: ViewOptions, ...keys: RangeKey[]): { s: RangeState; view: ViewOptions; consumed: boolean[] } {
  const consumed: boolean[] = [];
  for (const k of keys) {
    const r = rangeKey(s, k, view);
    consumed.push(r !== null);
    if (r === null) continue;
    s = r.state;
    if (r.view !== undefined) view = r.view;
  }
  return { s, view, consumed };
}

describe('the range cursor', () => {
  it('starts on the peak, moves one snapshot per key, and Enter shows the tree of the range’s peak', () => {
    let s = memoryLoaded(initialRangeState(VIEW), MEMORY, VIEW);
    expect(s.shown).toBe(false);
    expect(cursorRange(s)).toEqual({ start: 6, end: 6 });
    // Enter before the cursor moved is the tree's (expand / collapse).
    expect(rangeKey(s, 'peak', VIEW)).toBeNull();
    let r = press(s, VIEW, 'prev', 'prev', 'extendPrev', 'extendPrev');
    expect(r.s.shown).toBe(true);
    expect(cursorRange(r.s)).toEqual({ start: 2, end: 4 });
    r = press(r.s, r.view, 'peak');
    expect(r.view).toEqual({ ...VIEW, range: { start: 2, end: 4 } });
    expect(r.s.moved).toBe(false);
    // Now Enter is the tree's again.
    expect(rangeKey(r.s, 'peak', r.view)).toBeNull();
    // The head (at 2; the anchor is 4) moves back over the anchor: the range shrinks, then grows on the other side.
    r = press(r.s, r.view, 'extendNext');
    expect(cursorRange(r.s)).toEqual({ start: 3, end: 4 });
    r = press(r.s, r.view, 'extendNext', 'extendNext');
    expect(cursorRange(r.s)).toEqual({ start: 4, end: 5 });
    // L: the leaks of that range.
    r = press(r.s, r.view, 'leaks');
    expect(r.view).toEqual({ ...VIEW, mode: { kind: 'leaks' }, range: { start: 4, end: 5 } });
    // Esc: the whole capture as it was before the first range (the peak).
    r = press(r.s, r.view, 'back');
    expect(r.view).toEqual(VIEW);
    // With no range shown and the cursor not moved, Esc is not the time model's.
    expect(rangeKey(r.s, 'back', r.view)).toBeNull();
    s = r.s;
    expect(s.baseMode).toBeNull();
  });

  it('the last column is the period after the last snapshot (N); moves stop at the ends', () => {
    const s = memoryLoaded(initialRangeState(VIEW), MEMORY, VIEW);
    expect(cursorRange(press(s, VIEW, 'next', 'next', 'next').s)).toEqual({ start: 9, end: 9 });
    expect(cursorRange(press(s, VIEW, 'next', 'next', 'next', 'next', 'extendPrev').s)).toEqual({ start: 9, end: 10 });
    expect(cursorRange(press(s, VIEW, ...Array<RangeKey>(12).fill('next')).s)).toEqual({ start: 10, end: 10 });
    expect(cursorRange(press(s, VIEW, ...Array<RangeKey>(12).fill('prev')).s)).toEqual({ start: 0, end: 0 });
    // A peak after the last snapshot (a capture killed while growing) puts the cursor there.
    const late = memoryLoaded(initialRangeState(VIEW), { ...MEMORY, peak: { snapshot: 10, bytes: 9_900_000 } }, VIEW);
    expect(cursorRange(late)).toEqual({ start: 10, end: 10 });
  });

  it('Esc after a moved cursor puts it back on the range the tree shows', () => {
    const view = { ...VIEW, range: { start: 2, end: 5 } };
    const s = memoryLoaded(initialRangeState(view), MEMORY, view);
    expect(s.shown).toBe(true);
    expect(cursorRange(s)).toEqual({ start: 2, end: 5 });
    const r = press(s, view, 'next', 'next', 'back');
    expect(r.view).toBe(view);
    expect(cursorRange(r.s)).toEqual({ start: 2, end: 5 });
    // A range given on the command line: Esc shows the whole capture in the same mode.
    const back = press(r.s, view, 'back');
    expect(back.view).toEqual(VIEW);
  });

  it('Esc keeps the display toggles changed since the range was chosen, and goes back to the mode before it', () => {
    const s = memoryLoaded(initialRangeState(VIEW), MEMORY, VIEW);
    const r = press(s, VIEW, 'prev', 'leaks');
    expect(r.view).toEqual({ ...VIEW, mode: { kind: 'leaks' }, range: { start: 5, end: 5 } });
    const toggled = { ...r.view, hideImportSystem: true };
    expect(press(r.s, toggled, 'back').view).toEqual({ ...VIEW, hideImportSystem: true });
  });

  it('over a bucketed series the cursor moves one bucket (chart column) at a time', () => {
    const s = memoryLoaded(initialRangeState(VIEW), BUCKETED, VIEW);
    expect(cursorRange(s)).toEqual({ start: 5, end: 6 });
    expect(cursorRange(press(s, VIEW, 'prev').s)).toEqual({ start: 2, end: 4 });
    expect(cursorRange(press(s, VIEW, 'prev', 'extendNext', 'extendNext').s)).toEqual({ start: 2, end: 9 });
    expect(cursorRange(press(s, VIEW, 'prev', 'extendNext', 'extendNext', 'extendNext').s)).toEqual({ start: 2, end: 10 });
  });

  it('keys before the series arrived show the strip and wait for it', () => {
    const s = initialRangeState(VIEW);
    const r = press({ ...s, shown: false }, VIEW, 'leaks');
    expect(r.consumed).toEqual([true]);
    expect(r.s.shown).toBe(true);
    expect(r.view).toBe(VIEW);
    expect(stripInfo(r.s, undefined)).toBe('Loading memory over time…');
    expect(press(r.s, VIEW, 'chart').s.shown).toBe(false);
  });
});

describe('the chart strip', () => {
  it('draws the heap, the peak ▲ under its column, the cursor’s bar, and names the cursor’s snapshots', () => {
    const s = press(memoryLoaded(initialRangeState(VIEW), MEMORY, VIEW), VIEW, 'prev', 'extendPrev').s;
    const h = stripHeight(40);
    const grid = new Grid(133, h);
    drawChartStrip(grid, { x: 0, y: 0, width: 133, height: h }, s, undefined);
    const rows = Array.from({ length: h }, (_, y) => grid.rowText(y));
    // 120 plot columns for 10 snapshots: 12 per snapshot, after the 12-column gutter.
    expect(rows[0]!.slice(0, 11).trim()).toBe('14.000MB'); // the top: the highest RSS
    expect(rows[h - 3]!.slice(0, 11).trim()).toBe('0');
    const marks = rows[h - 2]!;
    expect(marks.indexOf('▲')).toBe(12 + 6 * 12);
    expect(marks.slice(12 + 4 * 12, 12 + 6 * 12)).toBe('━'.repeat(24));
    expect(marks.slice(12, 12 + 4 * 12).trim()).toBe('');
    // The tallest heap column (snapshot 6) is filled to a higher row than snapshot 0's.
    const filled = (col: number): number => rows.findIndex((r) => /[▁▂▃▄▅▆▇█]/.test(r[col] ?? ''));
    expect(filled(12 + 6 * 12 + 1)).toBeLessThan(filled(12 + 1));
    expect(rows[h - 1]!.trimEnd()).toBe('Snapshots 4-5 of 10 (0.500 s – 0.600 s)   Enter their peak · L their leaks · Esc cancel');
    expect(grid.cells[1]![12 + 4 * 12]!.style.bg).toBeDefined();
    expect(grid.cells[1]![12]!.style.bg).toBeUndefined();
    // At 80 columns the hints shorten instead of being cut (a range applied: Esc and g still named).
    const narrow = new Grid(80, h);
    drawChartStrip(narrow, { x: 0, y: 0, width: 80, height: h }, { ...s, moved: false }, { start: 4, end: 5 });
    expect(narrow.rowText(h - 1).trimEnd()).toBe('Snapshots 4-5 of 10 (0.500 s – 0.600 s)   [ ] { } · L leaks · Esc whole · g hide');
  });

  it('the header names the range and the moment the tree shows', () => {
    const peak = rangeWhat({ start: 0, end: 5, snapshot: 5, bytes: 20_038_725, fromMs: 40, toMs: 50, snapshots: 10 }, 'peak');
    expect(peak(0)).toBe('Snapshots 0-5 of 10, their peak: 20.039MB before snapshot 5 (0.040 s – 0.050 s)');
    const leaks = rangeWhat({ start: 3, end: 10, snapshots: 10, fromMs: 20 }, 'leaks');
    expect(leaks(1_500_000)).toBe('Snapshots 3-10 of 10 (0.020 s – the end), allocated there and not freed by its end: 1.500MB');
  });
});
