// The interactive tree against memray 1.20's own screens (shared/docs/memray-screens): the
// same captures, the same key sequence (keys.txt), compared step by step on the tree rows
// (the screen's left part, up to the detail panel's border column), the detail labels and
// the code pane. memray took them at 160x48: a 96-cell tree pane and a 22-row code pane.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sizeFmt } from '../../client/src/format/size.js';
import type { KeyAction } from '../../client/src/tui/tree-model.js';
import { panel } from '../../client/src/tui/tree-panel.js';
import { treePaneWidth } from '../../client/src/tui/layout.js';
import { graphemes } from '../../client/src/tui/wcwidth.js';
import { CAPTURES, ROOT } from '../helpers/paths.js';
import { ModelHarness, loadDoc } from '../helpers/tui-tree.js';

const SCREENS = path.join(ROOT, 'test/fixtures/memray-screens');
const SCENARIOS = path.join(ROOT, 'test/fixtures/scenarios');
const WIDTH = 160;
const TREE_WIDTH = treePaneWidth(WIDTH);
const CODE_ROWS = 22;

/** keys.txt: the screenshot after each of these keys (cumulative). */
const STEPS: readonly [string, KeyAction | null][] = [
  ['00-initial', null],
  ['01-down', 'down'],
  ['02-down', 'down'],
  ['03-e', 'expandLinear'],
  ['04-i', 'toggleImports'],
  ['05-u', 'toggleUninteresting'],
  ['06-down', 'down'],
  ['07-e', 'expandLinear'],
];

/** Cells `from` .. `to` - 1 of a screen row (emoji are two cells). */
function cells(line: string, from: number, to: number): string {
  let x = 0;
  let out = '';
  for (const { g, w } of graphemes(line)) {
    if (x >= from && x + w <= to) out += g;
    x += w;
  }
  return out;
}

interface Screen {
  readonly tree: string[];
  readonly labels: string[];
  readonly code: string[];
}

function readScreen(name: string): Screen {
  const lines = fs.readFileSync(path.join(SCREENS, `${name}.txt`), 'utf8').split('\n');
  // Row 47 is the footer, rows 0 and 46 of the panel are its borders.
  const body = lines.slice(0, 46);
  const tree = body.map((l) => cells(l, 0, TREE_WIDTH).trimEnd());
  while (tree.length > 0 && tree[tree.length - 1] === '') tree.pop();
  const inner = body.map((l) => cells(l, TREE_WIDTH + 2, WIDTH - 2).trimEnd());
  const labels = inner.map((l) => l.trim()).filter((l) => /^(🧭|💾|📦|🧵) /u.test(l));
  const code = inner.slice(1, 1 + CODE_ROWS);
  while (code.length > 0 && code[code.length - 1] === '') code.pop();
  return { tree, labels, code };
}

/** Percentages depend on the root total, which differs when `-b` cut something (see below). */
const withoutPercent = (s: string): string => s.replace(/ \(\d+\.\d\d %\)/, '');


describe('memray 1.20 screens', () => {
  it('simple.bin: every step shows exactly memray’s tree rows, labels and code', async () => {
    // GIVEN simple.bin, where -b 200 cuts nothing, with sources next to the scenarios
    const loaded = loadDoc(path.join(CAPTURES, 'simple.bin'));
    expect(loaded.doc.elided.locations).toBe(0);
    const h = await ModelHarness.open(loaded, { treeRows: 46, codeRows: CODE_ROWS, lookup: { cwd: SCENARIOS } });
    for (const [step, key] of STEPS) {
      // WHEN the key of this step is pressed
      if (key !== null) await h.press(key);
      const screen = readScreen(`simple-${step}`);
      // THEN the rows are memray's, character for character
      expect(h.texts(TREE_WIDTH), step).toEqual(screen.tree);
      const p = panel(h.state);
      if (step === '00-initial') {
        // memray's start-up quirk shows zeros; memtree shows the root's totals (3.10).
        expect(screen.labels).toEqual(['💾 Allocations: 0', '📦 Size: 0.000B']);
        expect(p.labels).toEqual(['💾 Allocations: 51', '📦 Size: 19.139MB']);
      } else {
        expect(p.labels, step).toEqual(screen.labels);
      }
      expect(p.code?.lines ?? [], step).toEqual(screen.code);
    }
  });

  it('imports.bin: the same rows, with totals and percentages of the shown allocations only', async () => {
    // GIVEN imports.bin, where -b 200 leaves out 40 locations
    const loaded = loadDoc(path.join(CAPTURES, 'imports.bin'));
    const { root, elided } = loaded.doc;
    expect(elided.locations).toBe(40);
    const h = await ModelHarness.open(loaded, { treeRows: 46, codeRows: CODE_ROWS, lookup: { cwd: SCENARIOS } });
    const shownRoot = `📂 ${sizeFmt(root.bytes)} (100.00 %) <ROOT>`;
    const elidedRow = `└── ❓ ${sizeFmt(elided.bytes)} 40 allocations from 40 locations below the configured threshold (not included in the total)`;
    for (const [step, key] of STEPS) {
      if (key !== null) await h.press(key);
      const screen = readScreen(`imports-${step}`);
      const ours = h.texts(TREE_WIDTH);
      // THEN the root shows only the shown bytes, the ❓ row has no percentage and says so,
      expect(ours[0], step).toBe(`${screen.tree[0]!.slice(0, 2)}${shownRoot}`);
      expect(ours[ours.length - 1], step).toBe(elidedRow.slice(0, ours[ours.length - 1]!.length));
      expect(screen.tree[screen.tree.length - 1]).toBe('└── ❓ 22.829kB (0.25 %) 40 allocations from 40 locations below the configured threshold');
      // AND every other row is memray's once the percentages are set aside
      expect(ours.slice(1, -1).map(withoutPercent), step).toEqual(screen.tree.slice(1, -1).map(withoutPercent));
      // AND the percentages are shares of the shown total
      for (const r of h.rows(TREE_WIDTH).slice(1)) {
        if (r.kind !== 'node') continue;
        const n = h.state.data.nodes.get(r.id)!;
        expect(r.text).toContain(`(${((100 * n.bytes) / root.bytes).toFixed(2)} %)`);
      }
      // AND the panel is memray's, except that the root's totals leave the cut allocations out
      const p = panel(h.state);
      if (p.labels[0]?.startsWith('🧭')) expect(p.labels, step).toEqual(screen.labels);
      else expect(p.labels, step).toEqual([`💾 Allocations: ${root.allocations}`, `📦 Size: ${sizeFmt(root.bytes)}`]);
      expect(p.code?.lines ?? [], step).toEqual(screen.code);
    }
    expect(root.allocations + elided.allocations).toBe(636);
    expect(readScreen('imports-04-i').labels).toEqual(['💾 Allocations: 636', '📦 Size: 9.281MB']);
  });
});
