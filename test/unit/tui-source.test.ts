// DocumentTreeSource: what the daemon's tree/root, tree/expand and node/detail will answer,
// served from an in-memory TreeDocument.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ViewNode, ViewOptions } from '../../protocol/src/tree.js';
import { codeWindow } from '../../client/src/tui/tree-panel.js';
import { DocumentTreeSource } from '../../client/src/tui/tree-source.js';
import { DEFAULT_VIEW, docFromRecords } from '../helpers/tui-tree.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'memtree-tui-src-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const signal = (): AbortSignal => new AbortController().signal;
const SHOW_ALL: ViewOptions = { ...DEFAULT_VIEW, hideUninteresting: false };

/** Follows the first displayed child `depth` times from the root. */
async function firstDescendant(src: DocumentTreeSource, view: ViewOptions, depth: number): Promise<ViewNode> {
  let node = (await src.root(view)).root;
  for (let i = 0; i < depth; i++) node = (await src.expand(view, node.id, 0, 10, signal())).nodes[0]!;
  return node;
}

describe('DocumentTreeSource', () => {
  const { doc } = docFromRecords([{ size: 1024, stack: [['me', 'foo.py', 12], ['parent', 'runpy.py', 8], ['grandparent', 'runpy.py', 4]] }]);

  it('GIVEN spliced runpy frames THEN node ids stay the same under both filters', async () => {
    const src = new DocumentTreeSource(doc);
    const spliced = await firstDescendant(src, DEFAULT_VIEW, 1);
    const shown = await firstDescendant(src, SHOW_ALL, 3);
    expect(spliced.function).toBe('me');
    expect(shown.id).toBe(spliced.id);
    expect(shown.id).toBe(3); // preorder: root 0, grandparent 1, parent 2, me 3
  });

  it('root: childCount under the filters, the cut records and the peak', async () => {
    const src = new DocumentTreeSource(doc);
    const r = await src.root(DEFAULT_VIEW);
    expect(r.root).toMatchObject({ id: 0, function: '<ROOT>', bytes: 1024, childCount: 1, thread: '' });
    expect(r.elided).toEqual({ locations: 0, allocations: 0, bytes: 0 });
    expect(r.peakMemory).toBe(1024);
    expect((await src.root({ ...DEFAULT_VIEW, hideImportSystem: true })).root.childCount).toBe(1);
  });

  it('expand pages the displayed children, largest first', async () => {
    const many = docFromRecords(Array.from({ length: 7 }, (_, i) => ({ size: 10 + i, stack: [[`f${i}`, 'x.py', i + 1]] as [string, string, number][] })));
    const src = new DocumentTreeSource(many.doc);
    const page = await src.expand(DEFAULT_VIEW, 0, 2, 3, signal());
    expect(page.total).toBe(7);
    expect(page.offset).toBe(2);
    expect(page.nodes.map((n) => n.function)).toEqual(['f4', 'f3', 'f2']);
    expect((await src.expand(DEFAULT_VIEW, 0, 99, 3, signal())).nodes).toEqual([]);
    await expect(src.expand(DEFAULT_VIEW, 0, 0, 3, AbortSignal.abort())).rejects.toThrow();
  });

  it('detail reads the source lines around the frame, relative names against cwd then sys.path', async () => {
    const dir = path.join(tmp, 'pkg');
    fs.mkdirSync(dir, { recursive: true });
    const lines = Array.from({ length: 40 }, (_, i) => `line ${i + 1}   `);
    fs.writeFileSync(path.join(dir, 'mod.py'), `${lines.join('\n')}\n`);
    const d = docFromRecords([{ size: 5, stack: [['f', 'mod.py', 20], ['g', '<frozen runpy>', 3], ['h', path.join(dir, 'mod.py'), 0]] }]);
    const src = new DocumentTreeSource(d.doc, { cwd: tmp, searchPath: [dir] });
    const show = SHOW_ALL;
    const h = await firstDescendant(src, show, 1);
    const g = await firstDescendant(src, show, 2);
    const f = await firstDescendant(src, show, 3);
    expect((await src.detail(show, 0, signal())).source).toBeNull(); // the root
    expect((await src.detail(show, h.id, signal())).source).toBeNull(); // line 0
    expect((await src.detail(show, g.id, signal())).source).toBeNull(); // <frozen …>
    const det = await src.detail(show, f.id, signal(), 3);
    expect(det.node.function).toBe('f');
    expect(det.source).toEqual({ path: path.join(dir, 'mod.py'), firstLine: 17, lines: ['line 17', 'line 18', 'line 19', 'line 20', 'line 21', 'line 22', 'line 23'] });
    const missing = new DocumentTreeSource(d.doc, { cwd: path.join(tmp, 'nowhere') });
    expect((await missing.detail(show, f.id, signal())).source).toBeNull();
  });

  it('detail reads as the daemon does: relative sys.path entries are not searched, non-UTF-8 files show nothing', async () => {
    const dir = path.join(tmp, 'rel');
    fs.mkdirSync(path.join(dir, 'lib'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'lib', 'rel.py'), 'a = 1\nb = 2\nc = 3\nd = 4\n');
    fs.writeFileSync(path.join(dir, 'latin1.py'), Buffer.from('x = "caf\xe9"\n', 'latin1'));
    const d = docFromRecords([
      { size: 5, stack: [['f', 'rel.py', 2]] },
      { size: 4, stack: [['g', path.join(dir, 'latin1.py'), 1]] },
    ]);
    const f = (await firstDescendant(new DocumentTreeSource(d.doc), SHOW_ALL, 1)).id;
    const g = (await new DocumentTreeSource(d.doc).expand(SHOW_ALL, 0, 1, 1, signal())).nodes[0]!.id;
    // The traced process's relative entries meant its own working directory, not ours.
    const relative = new DocumentTreeSource(d.doc, { cwd: path.join(tmp, 'nowhere'), searchPath: [path.relative(process.cwd(), path.join(dir, 'lib'))] });
    expect((await relative.detail(SHOW_ALL, f, signal())).source).toBeNull();
    const absolute = new DocumentTreeSource(d.doc, { cwd: path.join(tmp, 'nowhere'), searchPath: [path.join(dir, 'lib')] });
    expect((await absolute.detail(SHOW_ALL, f, signal(), 1)).source).toEqual({ path: path.join(dir, 'lib', 'rel.py'), firstLine: 1, lines: ['a = 1', 'b = 2', 'c = 3'] });
    expect((await absolute.detail(SHOW_ALL, g, signal())).source).toBeNull();
  });

  it('expand with firstChildChain also returns the first page below each first child, down to a leaf', async () => {
    const src = new DocumentTreeSource(doc);
    const r = await src.expand(SHOW_ALL, 0, 0, 10, signal(), true);
    expect(r.nodes.map((n) => n.function)).toEqual(['grandparent']);
    expect(r.chain?.map((p) => [p.nodeId, p.nodes.map((n) => n.function), p.total, p.offset])).toEqual([
      [1, ['parent'], 1, 0],
      [2, ['me'], 1, 0],
    ]);
    expect((await src.expand(SHOW_ALL, 0, 0, 10, signal())).chain).toBeUndefined();
  });
});

describe('codeWindow (3.10: d = floor(h/2), lines max(L-d,0)+1 .. L+d)', () => {
  const file = Array.from({ length: 54 }, (_, i) => `l${i + 1}`);
  it('marks the line just above the middle', () => {
    const w = codeWindow(1, file, 54, 22)!;
    expect(w.firstLine).toBe(44);
    expect(w.lines).toHaveLength(11); // the file ends at 54
    expect(w.lines[w.mark]).toBe('l54');
    expect(w.mark).toBe(10);
  });
  it('near the top of a file the window starts at line 1', () => {
    const w = codeWindow(1, file, 3, 10)!;
    expect(w.firstLine).toBe(1);
    expect(w.mark).toBe(2);
    expect(w.lines).toEqual(['l1', 'l2', 'l3', 'l4', 'l5', 'l6', 'l7', 'l8']);
  });
  it('uses only the lines it has', () => {
    const w = codeWindow(30, file.slice(29, 40), 35, 40)!;
    expect(w.firstLine).toBe(30);
    expect(w.lines[w.mark]).toBe('l35');
    expect(codeWindow(30, file.slice(29, 40), 10, 40)).toBeNull();
  });
});
