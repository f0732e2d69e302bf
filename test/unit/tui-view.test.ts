// The interactive view on a real neo-blessed screen over PassThrough streams (house-style 11):
// keys written as terminal bytes, assertions on screen.lines and on what reached the terminal.
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CaptureProgressParams } from '../../protocol/src/capture.js';
import { gradientColor } from '../../client/src/format/gradient.js';
import { cellText } from '../../client/src/tui/blessed-canvas.js';
import { treePaneWidth, viewportOf } from '../../client/src/tui/layout.js';
import { nearest256 } from '../../client/src/tui/palette.js';
import { startTree } from '../../client/src/tui/tree-controller.js';
import { DocumentTreeSource, type TreeSource } from '../../client/src/tui/tree-source.js';
import { TuiApp } from '../../client/src/tui/tui-app.js';
import { stringWidth } from '../../client/src/tui/wcwidth.js';
import { CAPTURES, ROOT } from '../helpers/paths.js';
import { emulate } from '../helpers/tui-emulator.js';
import { HeadlessTui, KEY, type HeadlessOptions } from '../helpers/tui-screen.js';
import { DEFAULT_VIEW, docFromRecords, loadDoc, type LoadedDoc } from '../helpers/tui-tree.js';
import { testSources } from '../helpers/sources.js';

const SCENARIOS = path.join(ROOT, 'test/fixtures/scenarios');
const simple = (): LoadedDoc => loadDoc(path.join(CAPTURES, 'simple.bin'));

function start(loaded: LoadedDoc, cols = 120, rows = 30, extra: Partial<HeadlessOptions> = {}): HeadlessTui {
  return new HeadlessTui(cols, rows, {
    source: new DocumentTreeSource(loaded.doc, { cwd: SCENARIOS, searchPath: loaded.searchPath, read: testSources }),
    view: DEFAULT_VIEW,
    title: 'simple.bin',
    ...extra,
  });
}

/** Whether the detail column's border sits in its column on every body row (nothing shifted). */
function borderAligned(t: HeadlessTui): boolean {
  const x = treePaneWidth(t.screen.width);
  return t.screen.lines.slice(1, -1).every((line) => cellText(line[x]![1]) === '│');
}

// Left the alternate screen last (xterm-256color's rmcup also restores the window title).
const TERMINAL_RESTORED = /\x1b\[\?1049l(?:\x1b\[23;0;0t)?$/;

describe('runTreeTui on a headless terminal', () => {
  it('GIVEN simple.bin at 120x30 THEN the first screen has header, tree, panel and footer', async () => {
    const t = start(simple());
    await t.settle();
    const lines = t.lines();
    expect(lines).toHaveLength(30);
    expect(lines[0]).toMatch(/^Peak memory: 19\.139MB; the tree shows 19\.139MB \(100\.00 %\) from all locations +simple\.bin$/);
    expect(lines[1]!.startsWith('▼ 📂 19.139MB (100.00 %) <ROOT>')).toBe(true);
    expect(lines[8]!.startsWith('│   │   │   │   │   │   └── 📄 10.000MB (52.25 %) leaf_large')).toBe(true);
    expect(lines.some((l) => l.endsWith('│ 💾 Allocations: 51'))).toBe(true);
    expect(lines[29]).toBe(' q Quit the app  i Hide import system  u Show uninteresting  e Expand linear group');
    // 📂 and 📄 are two cells: the continuation cell is empty and the border does not move.
    const root = t.screen.lines[1]!;
    expect(cellText(root[2]![1])).toBe('📂');
    expect(cellText(root[3]![1])).toBe('');
    expect(borderAligned(t)).toBe(true);
    await t.keys('q');
    await t.done;
  });

  it('what reaches the terminal puts every cell where screen.lines has it (emoji are two columns)', async () => {
    // Moving the cursor redraws labels whose emoji change (💾 → 🧭) while the cells after them
    // stay: the case where a naive empty continuation cell throws neo-blessed's cursor off.
    const t = start(simple());
    await t.settle();
    for (const k of [KEY.down, KEY.down, 'e', 'u', KEY.end, 'i', KEY.home, KEY.down]) {
      await t.keys(k);
      expect(emulate(t.written, 120, 30)).toEqual(t.lines());
    }
    await t.keys('q');
    await t.done;
  });

  it('WHEN the cursor moves THEN the panel shows the frame and its source line is marked', async () => {
    const t = start(simple());
    await t.settle();
    await t.keys(KEY.down, KEY.down);
    const lines = t.lines();
    expect(lines.some((l) => l.endsWith('│ 🧭 Function: <module>'))).toBe(true);
    expect(lines.some((l) => l.endsWith('│ 🧭 Location: simple.py:54'))).toBe(true);
    // The frame's line: marked, numbered in the gutter (the numbers of a window of lines ≤ 99 take two columns).
    expect(lines.some((l) => l.endsWith('│▶54     main()')), lines.join('\n')).toBe(true);
    // The cursor's label has the cursor background (0178d4's nearest 256 colour).
    const cursorRow = t.screen.lines[3]!;
    const at = lines[3]!.indexOf('📂');
    expect(cursorRow[at]![0] & 0x1ff).toBe(nearest256('#0178d4'));
    await t.keys('q');
    await t.done;
  });

  it('WHEN i and u are pressed THEN the footer says what each will do next', async () => {
    const t = start(simple());
    await t.settle();
    await t.keys('i');
    expect(t.lines()[29]).toContain('i Show import system  u Show uninteresting');
    await t.keys('u');
    expect(t.lines()[29]).toContain('i Show import system  u Hide uninteresting');
    expect(t.lines()[3]).toContain('run_path  <frozen runpy>:291');
    await t.keys('i', 'u');
    expect(t.lines()[29]).toContain('i Hide import system  u Show uninteresting');
    await t.keys('q');
    await t.done;
  });

  it('WHEN the terminal shrinks to 80x24 THEN everything is redrawn to fit, nothing wraps', async () => {
    const t = start(simple());
    await t.settle();
    await t.keys(KEY.down, KEY.down);
    await t.resize(80, 24);
    const lines = t.lines();
    expect(lines).toHaveLength(24);
    for (const l of lines) expect(stringWidth(l)).toBeLessThanOrEqual(80);
    expect(lines[0]).toBe('Peak memory: 19.139MB; the tree shows 19.139MB (100.00 %) from all locations');
    // memray's footer needs 82 cells: the padding and "the app" go.
    expect(lines[23]).toBe('q Quit  i Hide import system  u Show uninteresting  e Expand linear group');
    expect(lines[1]!.startsWith('▼ 📂 19.139MB (100.00 %) <ROOT>')).toBe(true);
    expect(borderAligned(t)).toBe(true);
    // The model's viewport followed: paging moves by the new height.
    expect(t.app.tree!.state.viewport).toEqual({ treeRows: 22, codeRows: 10, treeCols: 48 });
    // AND absurdly small terminals do not break it
    await t.resize(12, 3);
    expect(t.lines()).toHaveLength(3);
    await t.resize(80, 24);
    expect(borderAligned(t)).toBe(true);
    await t.keys('q');
    await t.done;
  });

  it('GIVEN very long names THEN rows are cut at the pane edge and never spill into the next row', async () => {
    const long = `f${'x'.repeat(300)}`;
    const loaded = docFromRecords([{ size: 4096, stack: [[long, `/very/${'deep/'.repeat(40)}module.py`, 7], ['main', 'app.py', 3]] }]);
    const t = start(loaded, 80, 24);
    await t.settle();
    await t.keys(KEY.down, KEY.down);
    const lines = t.lines();
    const tw = treePaneWidth(80);
    expect(lines[3]!.startsWith('    └── 📄 4.096kB (100.00 %) fxxxx')).toBe(true);
    expect(stringWidth(lines[3]!.split('│')[0]!)).toBe(tw);
    expect(lines[4]!.slice(0, tw).trim()).toBe('');
    expect(borderAligned(t)).toBe(true);
    // The panel wraps the long name inside its column instead.
    expect(lines.filter((l) => /│ x+$/.test(l)).length).toBeGreaterThan(3);
    await t.keys('q');
    await t.done;
  });

  it('WHEN q or ctrl+c is pressed THEN runTreeTui resolves and the terminal is restored', async () => {
    for (const quit of ['q', KEY.ctrlC]) {
      const t = start(simple());
      await t.settle();
      t.input.write(quit);
      await t.done;
      expect(t.written).toMatch(TERMINAL_RESTORED);
      expect(t.screen.destroyed).toBe(true);
    }
  });

  it('WHEN ctrl+z is pressed THEN the view suspends, and resuming redraws', async () => {
    let resume: (() => void) | undefined;
    const t = start(simple(), 120, 30, { suspend: (r) => (resume = r) });
    await t.settle();
    await t.keys(KEY.ctrlZ);
    expect(resume).toBeDefined();
    const before = t.renderCount;
    resume!();
    expect(t.renderCount).toBe(before + 1);
    expect(t.lines()[1]!.startsWith('▼ 📂 19.139MB')).toBe(true);
    await t.keys('q');
    await t.done;
  });

  it('a key renders once (and once more when its data arrives); an unbound key does not render', async () => {
    const t = start(simple(), 120, 30, { detailDelayMs: 0 });
    await t.settle();
    const before = t.renderCount;
    await t.keys(KEY.end);
    // One render for the key, one when the source lines for the new cursor row arrived.
    expect(t.renderCount - before).toBeLessThanOrEqual(2);
    const n = t.renderCount;
    await t.keys('z'); // not bound: no state change, no render
    expect(t.renderCount).toBe(n);
    await t.keys('q');
    await t.done;
  });

  it('WHEN drawing throws THEN runTreeTui rejects and the terminal is still restored', async () => {
    const base = new DocumentTreeSource(simple().doc);
    const broken: TreeSource = {
      root: async (view) => ({ ...(await base.root(view)), root: undefined as never }),
      expand: (...a) => base.expand(...a),
      detail: (...a) => base.detail(...a),
    };
    const t = new HeadlessTui(100, 30, { source: broken, view: DEFAULT_VIEW });
    await expect(t.done).rejects.toThrow(TypeError);
    expect(t.written).toMatch(TERMINAL_RESTORED);
  });

  it('WHEN the source cannot be had THEN runTreeTui rejects with its error, terminal restored', async () => {
    const t = new HeadlessTui(100, 30, { source: Promise.reject(new Error('index failed')), view: DEFAULT_VIEW });
    await expect(t.done).rejects.toThrow('index failed');
    expect(t.written).toMatch(TERMINAL_RESTORED);
  });

  it('GIVEN a capture being indexed THEN progress shows, and q cancels the indexing', async () => {
    let emit: ((p: CaptureProgressParams) => void) | undefined;
    let cancelled = 0;
    const t = new HeadlessTui(100, 30, {
      source: new Promise<TreeSource>(() => {}),
      view: DEFAULT_VIEW,
      title: 'big.bin',
      progress: (l) => {
        emit = l;
        return () => (emit = undefined);
      },
      onCancel: () => cancelled++,
    });
    await t.settle();
    emit!({ captureId: 'c', path: '/x/big.bin', phase: 'reading', bytes: 50, totalBytes: 100, records: 1234567, percent: 42.5, etaMs: 65_000 });
    await t.settle();
    const text = t.lines().join('\n');
    expect(text).toContain('Indexing big.bin');
    expect(text).toContain('Reading allocation records…');
    expect(text).toMatch(/█+░+ {2}42 %/);
    expect(text).toContain('1,234,567 records · about 1 min 05 s left');
    await t.keys(KEY.down); // no tree yet: ignored
    t.input.write('q');
    await t.done;
    expect(cancelled).toBe(1);
    expect(emit).toBeUndefined();
  });

  it('GIVEN indexing that finishes THEN the tree replaces the progress view', async () => {
    let ready: (s: TreeSource) => void = () => {};
    const t = start(simple(), 120, 30, { source: new Promise<TreeSource>((r) => (ready = r)) });
    await t.settle();
    expect(t.lines().join('\n')).toContain('Indexing simple.bin');
    ready(new DocumentTreeSource(simple().doc));
    await t.settle();
    expect(t.lines()[1]!.startsWith('▼ 📂 19.139MB (100.00 %) <ROOT>')).toBe(true);
    await t.keys('q');
    await t.done;
  });

  it('sizes are drawn in 24-bit colour when the terminal has it, else in the nearest of 256', async () => {
    // The root row has the cursor (no gradient there); the next one is 99.99 %: #cd5c59.
    const color = gradientColor(99);
    expect(color).toBe('#cd5c59');
    const t24 = start(simple(), 120, 30, { colorMode: 'truecolor' });
    await t24.settle();
    expect(t24.written).toContain('\x1b[38;2;205;92;89m1\x1b[39m');
    await t24.keys('q');
    await t24.done;
    const t256 = start(simple(), 120, 30, { colorMode: '256' });
    await t256.settle();
    expect(t256.written).not.toContain('\x1b[38;2;');
    const sizeCell = t256.screen.lines[2]![9]!; // "├── ▼ 📂 1" → the "1" of 19.136MB
    expect((sizeCell[0] >> 9) & 0x1ff).toBe(nearest256(color));
    await t256.keys('q');
    await t256.done;
  });

  it('GIVEN a tree started before the view (memtree tree sends its first requests early) THEN the view shows it as it attaches', async () => {
    const tree = startTree(new DocumentTreeSource(simple().doc), DEFAULT_VIEW, { terminal: { cols: 80, rows: 24 }, detailDelayMs: 0 });
    await tree.idle();
    const errors: unknown[] = [];
    let changes = 0;
    const app = new TuiApp({ title: 'simple.bin', onChange: () => changes++, onQuit: () => {}, onSuspend: () => {}, onError: (e) => errors.push(e) });
    app.resize(120, 30);
    app.attach(tree);
    // The tree takes the view's size, and the first screen is there without another request.
    expect(tree.state.viewport).toEqual(viewportOf(120, 30));
    expect(tree.pending).toBe(0);
    expect(changes).toBeGreaterThan(0);
    expect(app.compose(120, 30).rowText(1).startsWith('▼ 📂 19.139MB (100.00 %) <ROOT>')).toBe(true);
    app.close();
    expect(errors).toEqual([]);
  });

  it('GIVEN a tree whose answer broke it before the view attached THEN the view gets the error when it attaches', async () => {
    const base = new DocumentTreeSource(simple().doc);
    const broken: TreeSource = {
      root: (view) => base.root(view),
      expand: async () => ({ nodes: null as never, total: 1, offset: 0 }),
      detail: (...a) => base.detail(...a),
    };
    const tree = startTree(broken, DEFAULT_VIEW);
    await new Promise((r) => setTimeout(r, 20));
    const errors: unknown[] = [];
    const app = new TuiApp({ onChange: () => {}, onQuit: () => {}, onSuspend: () => {}, onError: (e) => errors.push(e) });
    app.attach(tree);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(TypeError);
    app.close();
  });
});
