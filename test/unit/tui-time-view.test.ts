// The view's time keys end to end without a terminal: TuiApp over the --no-daemon source of a
// real capture, keys in, frames out. For every range of memray's temporal references the
// cursor is walked there with [ ] { }, and Enter / L show a tree whose root and header are
// memray's numbers for that range.
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ViewOptions } from '../../protocol/src/tree.js';
import { sizeFmt } from '../../client/src/format/size.js';
import * as local from '../../daemon/src/local.js';
import { LocalTreeSource } from '../../client/src/tui/local-source.js';
import { startTree } from '../../client/src/tui/tree-controller.js';
import { TuiApp } from '../../client/src/tui/tui-app.js';
import { readExpected, type MemrayTemporalRange } from '../helpers/expected.js';
import { CAPTURES } from '../helpers/paths.js';

const VIEW: ViewOptions = { mode: { kind: 'peak' }, biggestAllocs: 1_000_000, hideImportSystem: false, hideUninteresting: true };
const COLS = 120;
const ROWS = 40;

async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function open(capture: string, view: ViewOptions = VIEW, timeRange?: { fromMs?: number; toMs?: number }): Promise<{ app: TuiApp; frame: () => string[] }> {
  const views = new local.LocalViews(path.join(CAPTURES, `${capture}.bin`));
  // As `memtree tree --no-daemon --time-range` starts: the times mapped to snapshots first.
  const start = timeRange === undefined ? view : { ...view, range: views.rangeOfTimes(timeRange) };
  const app = new TuiApp({ title: capture, onChange: () => {}, onQuit: () => {}, onSuspend: () => {}, onError: (err) => { throw err; } });
  app.resize(COLS, ROWS);
  app.attach(startTree(new LocalTreeSource(local, views, { source: false }), start, { terminal: { cols: COLS, rows: ROWS }, detailDelayMs: 0 }));
  const frame = (): string[] => {
    const g = app.compose(COLS, ROWS);
    return Array.from({ length: ROWS }, (_, y) => g.rowText(y).trimEnd());
  };
  return { app, frame };
}

/** Walks the cursor to snapshots [a, b] with the keys a user would press (one column per snapshot; the last is N). */
function walk(app: TuiApp, a: number, b: number, n: number): void {
  for (let i = 0; i < n + 1; i++) app.key('[');
  for (let i = 0; i < a; i++) app.key(']');
  for (let i = a; i < b; i++) app.key('}');
}

const rootRow = (bytes: number): RegExp => new RegExp(`^▼ 📂 ${sizeFmt(bytes).replace('.', '\\.')} \\(100\\.00 %\\) <ROOT>`);

describe('time keys over the --no-daemon source', () => {
  for (const capture of ['peak_then_free', 'simple', 'threads']) {
    it(`${capture}: every reference range's peak (Enter) and leaks (L) has memray's root and a header naming it`, async () => {
      const peaks = readExpected<{ n_snapshots: number; ranges: MemrayTemporalRange[] }>(capture, 'temporal-peak.json');
      const leaks = readExpected<{ ranges: MemrayTemporalRange[] }>(capture, 'temporal-leaks.json');
      const n = peaks.n_snapshots;
      const { app, frame } = await open(capture);
      await until('the tree', () => rootRow(peaks.ranges[0]!.tree.value).test(frame()[1] ?? ''));
      app.key('g');
      await until('the chart', () => frame().some((l) => l.includes('▲')));
      for (const ref of peaks.ranges) {
        const [a, b] = ref.range;
        walk(app, a, b, n);
        expect(frame().some((l) => l.startsWith(`Snapshots ${a}-${b} of ${n} (`)), ref.name).toBe(true);
        app.key('enter');
        const when = ref.hwm_snapshot === n ? 'after the last snapshot' : `before snapshot ${ref.hwm_snapshot}`;
        const header = `Snapshots ${a}-${b} of ${n}, their peak: ${sizeFmt(ref.hwm_bytes!)} ${when}`;
        // The tree of an equal range is already there: Enter then leaves it as it is.
        await until(`${ref.name}'s peak`, () => frame()[0]!.startsWith(header) && rootRow(ref.tree.value).test(frame()[9] ?? ''));
        const leak = leaks.ranges.find((r) => r.name === ref.name)!;
        app.key('S-l');
        const leakHeader = `allocated there and not freed by its end: ${sizeFmt(leak.tree.value)}`;
        await until(`${ref.name}'s leaks`, () => frame()[0]!.includes(leakHeader) && (leak.tree.value === 0 || rootRow(leak.tree.value).test(frame()[9] ?? '')));
        expect(frame()[0]!.startsWith(`Snapshots ${a}-${b} of ${n} (`)).toBe(true);
      }
      // Esc: the whole capture again, as it started.
      app.key('escape');
      await until('the whole capture', () => frame()[0]!.startsWith('Peak memory: ') && rootRow(peaks.ranges[0]!.tree.value).test(frame()[9] ?? ''));
      app.close();
    });
  }

  it('--time-range with --no-daemon: the view starts on the snapshots the times map to', async () => {
    const { app, frame } = await open('peak_then_free', VIEW, { fromMs: 0 });
    await until('the range', () => frame()[0]!.startsWith('Snapshots 0-10 of 10, their peak: 30.039MB before snapshot 8'));
    // The strip is shown from the start, its cursor on the range.
    await until('the chart', () => frame().some((l) => l.startsWith('Snapshots 0-10 of 10 (') && l.includes('Esc whole capture')));
    app.close();
  });
  it('g on a provisional tree: the strip says the series comes with the index, then shows it over the final tree', async () => {
    const n = readExpected<{ n_snapshots: number }>('peak_then_free', 'temporal-peak.json').n_snapshots;
    const views = new local.LocalViews(path.join(CAPTURES, 'peak_then_free.bin'));
    const app = new TuiApp({ title: 'peak_then_free', onChange: () => {}, onQuit: () => {}, onSuspend: () => {}, onError: (err) => { throw err; } });
    app.resize(COLS, ROWS);
    const frame = (): string[] => Array.from({ length: ROWS }, (_, y) => app.compose(COLS, ROWS).rowText(y).trimEnd());
    const tree = () => startTree(new LocalTreeSource(local, views, { source: false }), VIEW, { terminal: { cols: COLS, rows: ROWS }, detailDelayMs: 0 });
    app.offerProvisional({ info: { tree: 1, percent: 40, records: 1000, peakBytes: 1 }, start: tree });
    await until('the provisional tree', () => frame()[0]!.startsWith('provisional · 40 % read'));
    app.key('g');
    await until('the note', () => frame().some((l) => l === 'Memory over time: shown once the capture is indexed'));
    expect(frame().some((l) => l.includes('▲'))).toBe(false);
    // The final tree: the strip stays, now with the capture's series and its peak marked.
    app.attach(tree());
    await until('the chart', () => frame().some((l) => l.includes('▲')) && frame().some((l) => l.startsWith(`Snapshots `) && l.includes(` of ${n} (`)));
    expect(frame()[0]!.startsWith('Peak memory: ')).toBe(true);
    app.close();
  });
});
