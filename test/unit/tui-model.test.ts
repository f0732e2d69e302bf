// The interactive tree's model against memray's acceptance tests (tree-reporter.md 6.3 T1-T10
// and the rows, labels, expansion and panel data of the 6.4 snapshots S1-S11), driven through
// DocumentTreeSource over captures written by stacksCapture.
import { describe, expect, it } from 'vitest';
import { joinLabel } from '../../client/src/format/label.js';
import { footer, header, panel } from '../../client/src/tui/tree-panel.js';
import type { StackRecord } from '../helpers/capture-writer.js';
import { ModelHarness, docFromRecords } from '../helpers/tui-tree.js';

type Frame = readonly [string, string, number];
const rec = (size: number, ...stack: Frame[]): StackRecord => ({ size, stack });
const chain = (size: number, suffix: string, file: string): StackRecord =>
  rec(size, [`me${suffix}`, file, 12], [`parent${suffix}`, file, 8], [`grandparent${suffix}`, file, 4]);
const FUN = chain(1024, '', 'fun.py');
const FUN2 = chain(10240, '2', 'fun2.py');

const fun2Only = [
  '📂 11.264kB (100.00 %) <ROOT> [E]',
  '  📂 10.240kB (90.91 %) grandparent2  fun2.py:4 [E]',
  '    📂 10.240kB (90.91 %) parent2  fun2.py:8 [E]',
  '      📄 10.240kB (90.91 %) me2  fun2.py:12 leaf [E]',
];

async function open(records: StackRecord[], b = 3, opts: Parameters<typeof ModelHarness.open>[1] = {}): Promise<ModelHarness> {
  return ModelHarness.open(docFromRecords(records, b), opts);
}

const footerText = (h: ModelHarness): string => footer(h.state).map((f) => `${f.key} ${f.label}`).join('  ');

describe('TestTreeTui (6.3)', () => {
  it('T1 no allocations: the root reads <No allocations>, expandable and expanded', async () => {
    // GIVEN a capture without allocations
    const h = await open([]);
    // THEN
    expect(h.texts()).toEqual(['▼ <No allocations>']);
    expect(h.labels()).toEqual(['<No allocations> [E]']);
  });

  it('T2 a single chain is expanded from the root to the leaf', async () => {
    const h = await open([FUN]);
    expect(h.labels()).toEqual([
      '📂 1.024kB (100.00 %) <ROOT> [E]',
      '  📂 1.024kB (100.00 %) grandparent  fun.py:4 [E]',
      '    📂 1.024kB (100.00 %) parent  fun.py:8 [E]',
      '      📄 1.024kB (100.00 %) me  fun.py:12 leaf [E]',
    ]);
  });

  it('T3 only the biggest chain is expanded; me2 is 📂 although it allocated directly', async () => {
    const h = await open([
      rec(4096, ['me', 'fun.py', 12], ['parent', 'fun.py', 8], ['grandparent', 'fun.py', 4]),
      rec(3072, ['me2', 'fun2.py', 12], ['parent2', 'fun2.py', 8], ['grandparent2', 'fun2.py', 4]),
      rec(3072, ['child2', 'fun2.py', 22], ['me2', 'fun2.py', 12], ['parent2', 'fun2.py', 8], ['grandparent2', 'fun2.py', 4]),
    ]);
    expect(h.labels()).toEqual([
      '📂 10.240kB (100.00 %) <ROOT> [E]',
      '  📂 6.144kB (60.00 %) grandparent2  fun2.py:4 [E]',
      '    📂 6.144kB (60.00 %) parent2  fun2.py:8 [E]',
      '      📂 6.144kB (60.00 %) me2  fun2.py:12 [E]',
      '        📄 3.072kB (30.00 %) child2  fun2.py:22 leaf [E]',
      '  📂 4.096kB (40.00 %) grandparent  fun.py:4 [C]',
    ]);
    // WHEN the collapsed chain is opened THEN its nodes were never expanded
    await h.press('end', 'right', 'down', 'right', 'down');
    expect(h.labels().slice(5)).toEqual([
      '  📂 4.096kB (40.00 %) grandparent  fun.py:4 [E]',
      '    📂 4.096kB (40.00 %) parent  fun.py:8 [E]',
      '      📄 4.096kB (40.00 %) me  fun.py:12 leaf [C]',
    ]);
  });

  const runpyInput = [rec(1024, ['me', 'foo.py', 12], ['parent', 'runpy.py', 8], ['grandparent', 'runpy.py', 4]), FUN2];

  it('T4 u shows the runpy frames that were spliced out', async () => {
    const h = await open(runpyInput);
    const before = [
      '📂 11.264kB (100.00 %) <ROOT> [E]',
      '  📂 10.240kB (90.91 %) grandparent2  fun2.py:4 [E]',
      '    📂 10.240kB (90.91 %) parent2  fun2.py:8 [E]',
      '      📄 10.240kB (90.91 %) me2  fun2.py:12 leaf [E]',
      '  📄 1.024kB (9.09 %) me  foo.py:12 leaf [C]',
    ];
    expect(h.labels()).toEqual(before);
    // WHEN u is pressed
    await h.press('toggleUninteresting');
    // THEN the runpy chain shows, collapsed
    expect(h.labels()).toEqual([...before.slice(0, 4), '  📂 1.024kB (9.09 %) grandparent  runpy.py:4 [C]']);
    await h.press('end', 'right', 'down', 'right', 'down');
    expect(h.labels().slice(5)).toEqual(['    📂 1.024kB (9.09 %) parent  runpy.py:8 [E]', '      📄 1.024kB (9.09 %) me  foo.py:12 leaf [C]']);
  });

  it('T5 pressing i twice gives back the initial tree', async () => {
    const h = await open(runpyInput);
    const before = h.texts();
    await h.press('toggleImports', 'toggleImports');
    expect(h.texts()).toEqual(before);
  });

  it('T6 a node whose only children are hidden is a 📄 leaf', async () => {
    const h = await open([rec(1024, ['parent', 'runpy.py', 8], ['grandparent', 'runpy.py', 4], ['me', 'foo.py', 12])]);
    expect(h.labels()).toEqual(['📂 1.024kB (100.00 %) <ROOT> [E]', '  📄 1.024kB (100.00 %) me  foo.py:12 leaf [E]']);
  });

  const frozen = '<frozen importlib>';
  const importInput = [rec(1024, ['me', frozen, 12], ['parent', frozen, 8], ['grandparent', frozen, 4]), FUN2];

  it('T7 an import-system chain is invisible before and after i', async () => {
    const h = await open(importInput);
    expect(h.labels()).toEqual(fun2Only);
    await h.press('toggleImports');
    expect(h.labels()).toEqual(fun2Only);
  });

  it('T8 i twice is idempotent', async () => {
    const h = await open(importInput);
    const before = h.labels();
    await h.press('toggleImports', 'toggleImports');
    expect(h.labels()).toEqual(before);
  });

  it('T9 e on a collapsed linear chain expands all of it', async () => {
    const h = await open([FUN, FUN2]);
    // WHEN the cursor moves to the root's second child and e is pressed
    await h.press('down', 'down', 'down', 'down', 'expandLinear');
    expect(h.cursorLabel()).toBe('📂 1.024kB (9.09 %) grandparent  fun.py:4');
    expect(h.labels()).toEqual([
      ...fun2Only,
      '  📂 1.024kB (9.09 %) grandparent  fun.py:4 [E]',
      '    📂 1.024kB (9.09 %) parent  fun.py:8 [E]',
      '      📄 1.024kB (9.09 %) me  fun.py:12 leaf [E]',
    ]);
  });

  it('T10 a very deep call is cut at 402 levels', async () => {
    const stack: Frame[] = Array.from({ length: 450 }, (_, i) => [`func_${450 - i}`, 'fun.py', 450 - i] as const);
    const h = await open([rec(1024, ...stack)], 200);
    const rows = h.rows();
    expect(rows).toHaveLength(403);
    expect(joinLabel(rows[0]!.label)).toBe('📂 1.024kB (100.00 %) <ROOT>');
    expect(joinLabel(rows[401]!.label)).toBe('📂 1.024kB (100.00 %) func_401  fun.py:401');
    expect(joinLabel(rows[402]!.label)).toBe('📄 1.024kB (100.00 %) func_402  fun.py:402');
    expect(rows[402]!.guides).toBe(`${' '.repeat(4 * 401)}└── `);
  });
});

describe('TestTUILooks (6.4): rows, labels and panel data', () => {
  it('S1 start: chain expanded, cursor on the root, guides all accented, root totals in the panel', async () => {
    const h = await open([FUN]);
    expect(h.cursorLabel()).toBe('📂 1.024kB (100.00 %) <ROOT>');
    expect(h.rows().map((r) => r.accentGuides)).toEqual([0, 1, 2, 3]);
    // memray shows zeros here (a start-up quirk, 3.10); memtree describes the cursor row.
    expect(panel(h.state)).toEqual({ labels: ['💾 Allocations: 1', '📦 Size: 1.024kB'], code: null, loading: false });
    expect(footerText(h)).toBe('q Quit the app  i Hide import system  u Show uninteresting  e Expand linear group');
    expect(header(h.state)).toBe('Peak memory: 1.024kB; the tree shows 1.024kB (100.00 %) from all locations');
  });

  it('S2 cursor on a node with children: its frame in the panel, only its subtree accented', async () => {
    const h = await open([FUN]);
    // WHEN ↓ ↓
    await h.press('down', 'down');
    // THEN
    expect(h.cursorLabel()).toBe('📂 1.024kB (100.00 %) parent  fun.py:8');
    expect(h.rows().map((r) => r.accentGuides)).toEqual([0, 0, 0, 1]);
    expect(panel(h.state).labels).toEqual([
      '🧭 Function: parent',
      '🧭 Location: fun.py:8',
      '💾 Allocations: 1',
      '📦 Size: 1.024kB',
      '🧵 Thread: 0x1',
    ]);
  });

  it('S3/S9 cursor on a leaf: the node’s own file and line', async () => {
    const h = await open([rec(1024, ['me2', 'func2.py', 4], ['parent2', 'fun2.py', 8], ['grandparent2', 'fun2.py', 4])]);
    await h.press('down', 'down', 'down');
    expect(panel(h.state).labels.slice(0, 2)).toEqual(['🧭 Function: me2', '🧭 Location: func2.py:4']);
  });

  const abcde = rec(1024, ['a', 'fun.py', 1], ['b', 'fun.py', 2], ['c', 'fun.py', 3], ['d', 'fun.py', 4], ['e', 'fun.py', 5]);

  it('S4 two chains: the heavier one expanded, the other collapsed', async () => {
    const h = await open([FUN, FUN2]);
    expect(h.texts()).toEqual([
      '▼ 📂 11.264kB (100.00 %) <ROOT>',
      '├── ▼ 📂 10.240kB (90.91 %) grandparent2  fun2.py:4',
      '│   └── ▼ 📂 10.240kB (90.91 %) parent2  fun2.py:8',
      '│       └── 📄 10.240kB (90.91 %) me2  fun2.py:12',
      '└── ▶ 📂 1.024kB (9.09 %) grandparent  fun.py:4',
    ]);
  });

  it('S5 ↓×4 e expands the second chain; the cursor and panel stay on e', async () => {
    const h = await open([abcde, FUN2]);
    await h.press('down', 'down', 'down', 'down', 'expandLinear');
    expect(h.texts().slice(4)).toEqual([
      '└── ▼ 📂 1.024kB (9.09 %) e  fun.py:5',
      '    └── ▼ 📂 1.024kB (9.09 %) d  fun.py:4',
      '        └── ▼ 📂 1.024kB (9.09 %) c  fun.py:3',
      '            └── ▼ 📂 1.024kB (9.09 %) b  fun.py:2',
      '                └── 📄 1.024kB (9.09 %) a  fun.py:1',
    ]);
    expect(panel(h.state).labels[0]).toBe('🧭 Function: e');
    // AND e again toggles the chain closed (4.3: e is a toggle)
    await h.press('expandLinear');
    expect(h.texts().slice(4)).toEqual(['└── ▶ 📂 1.024kB (9.09 %) e  fun.py:5']);
  });

  it('S6 i removes import-system frames with their subtrees and flips the footer', async () => {
    const f = '<frozen importlib>';
    const input = rec(1024, ['a0', 'some other frame', 4], ['a', f, 1], ['b', f, 2], ['c', f, 3], ['d', f, 4], ['e', f, 5]);
    const h = await open([input, FUN2]);
    expect(h.texts()[4]).toBe('└── 📄 1.024kB (9.09 %) a0  some other frame:4');
    await h.press('toggleImports');
    expect(h.labels()).toEqual(fun2Only);
    expect(h.cursorLabel()).toBe('📂 11.264kB (100.00 %) <ROOT>');
    expect(footerText(h)).toContain('i Show import system  u Show uninteresting');
  });

  it('S7 u shows a runpy chain collapsed and flips the footer', async () => {
    const r = 'runpy.py';
    const h = await open([FUN2, rec(1024, ['a0', 'some other frame', 4], ['a', r, 1], ['b', r, 2], ['c', r, 3], ['d', r, 4], ['e', r, 5])]);
    await h.press('toggleUninteresting');
    expect(h.texts()[4]).toBe('└── ▶ 📂 1.024kB (9.09 %) e  runpy.py:5');
    expect(footerText(h)).toContain('u Hide uninteresting');
  });

  it('S8 u then i: runpy shown, import system and all below it removed', async () => {
    const f = '<frozen importlib>';
    const r = 'runpy.py';
    const big = rec(10240, ['B', 'some other frame', 4], ['d', f, 3], ['e', f, 4], ['A', 'some other frame', 4], ['a', r, 1], ['b', r, 2], ['c', r, 5]);
    const h = await open([big, chain(1024, '2', 'fun2.py')]);
    await h.press('toggleUninteresting', 'toggleImports');
    expect(h.texts()).toEqual([
      '▼ 📂 11.264kB (100.00 %) <ROOT>',
      '├── ▼ 📂 10.240kB (90.91 %) c  runpy.py:5',
      '│   └── ▼ 📂 10.240kB (90.91 %) b  runpy.py:2',
      '│       └── ▼ 📂 10.240kB (90.91 %) a  runpy.py:1',
      '│           └── 📄 10.240kB (90.91 %) A  some other frame:4',
      '└── ▶ 📂 1.024kB (9.09 %) grandparent2  fun2.py:4',
    ]);
    expect(footerText(h)).toContain('i Show import system  u Hide uninteresting');
  });

  it('S10 fifty sizes: labels and gradient indexes (divide first: 58.00 % is colour 57)', async () => {
    const records = Array.from({ length: 50 }, (_, j) =>
      rec(65, ...Array.from({ length: j + 1 }, (_, k) => [`func${j + 1 - k}`, `fun${j + 1 - k}.py`, j + 1 - k] as const)),
    );
    const h = await open(records, 200);
    const rows = h.rows();
    expect(rows).toHaveLength(51);
    expect(joinLabel(rows[1]!.label)).toBe('📂 3.250kB (100.00 %) func1  fun1.py:1');
    expect(joinLabel(rows[2]!.label)).toBe('📂 3.185kB (98.00 %) func2  fun2.py:2');
    expect(joinLabel(rows[44]!.label)).toBe('📂 455.000B (14.00 %) func44  fun44.py:44');
    expect(joinLabel(rows[50]!.label)).toBe('📄 65.000B (2.00 %) func50  fun50.py:50');
    expect(joinLabel(rows[22]!.label)).toContain('(58.00 %)');
    expect(rows[22]!.label.colorIndex).toBe(57);
  });

  it('S11 -b 10 of 1000: the ❓ row is last, without percentage, and its panel explains it', async () => {
    const records = Array.from({ length: 1000 }, (_, i) => rec(i * 1024, [`function_${i}`, 'fun.py', 12]));
    const h = await open(records, 10);
    // WHEN End is pressed
    await h.press('end');
    const texts = h.texts();
    expect(texts[0]).toBe('▼ 📂 10.184MB (100.00 %) <ROOT>');
    expect(texts[1]).toBe('├── 📄 1.023MB (10.05 %) function_999  fun.py:12');
    expect(texts[10]).toBe('├── 📄 1.014MB (9.95 %) function_990  fun.py:12');
    expect(texts[11]).toBe('└── ❓ 501.304MB 990 allocations from 990 locations below the configured threshold (not included in the total)');
    expect(h.rows()[11]!.cursor).toBe(true);
    expect(h.rows()[11]!.label.colorIndex).toBeNull();
    const p = panel(h.state);
    expect(p.labels.slice(0, 2)).toEqual(['💾 Allocations: 990', '📦 Size: 501.304MB']);
    expect(p.labels[2]).toContain('Only the top 10 allocation locations are shown in the tree.');
    expect(p.code).toBeNull();
    expect(header(h.state)).toBe('Peak memory: 511.488MB; the tree shows 10.184MB (1.99 %) from the 10 biggest locations');
  });
});
