// The view's handling of provisional trees (issue 13 item 3), headless: a provisional tree
// replaces the progress screen with its header mark, a newer one replaces it unless a key was
// pressed in the last seconds, the final tree replaces it (no mark), and q on it is a cancel.
import { describe, expect, it } from 'vitest';
import type { ProvisionalInfo } from '../../protocol/src/tree.js';
import { KEEP_AFTER_KEY_MS } from '../../client/src/tui/provisional-mark.js';
import { startTree } from '../../client/src/tui/tree-controller.js';
import { DocumentTreeSource } from '../../client/src/tui/tree-source.js';
import { TuiApp } from '../../client/src/tui/tui-app.js';
import { DEFAULT_VIEW, loadDoc } from '../helpers/tui-tree.js';
import { CAPTURES } from '../helpers/paths.js';
import * as path from 'node:path';

const info = (tree: number, percent: number): ProvisionalInfo => ({ tree, percent, records: 1000 * tree, peakBytes: 1 });

async function started(file: string) {
  const tree = startTree(new DocumentTreeSource(loadDoc(path.join(CAPTURES, file)).doc), DEFAULT_VIEW, { terminal: { cols: 120, rows: 30 }, detailDelayMs: 0 });
  await tree.idle();
  return tree;
}

describe('provisional trees in the view', () => {
  it('GIVEN provisional trees WHEN they come THEN marked, replaced unless a key was just pressed, and the final tree drops the mark', async () => {
    const quits: boolean[] = [];
    const app = new TuiApp({ title: 'x.bin', onChange: () => {}, onQuit: (c) => quits.push(c), onSuspend: () => {}, onError: (e) => { throw e; } });
    app.resize(120, 30);
    const first = await started('simple.bin');
    app.offerProvisional({ info: info(1, 12), start: () => first });
    expect(app.tree).toBe(first);
    expect(app.compose(120, 30).rowText(0)).toMatch(/^provisional · 12 % read · Peak memory/);
    // A key just now: the next provisional tree waits (its controller is never started).
    app.key('down');
    let startedSecond = false;
    app.offerProvisional({ info: info(2, 40), start: () => ((startedSecond = true), first) });
    expect(startedSecond).toBe(false);
    expect(app.tree).toBe(first);
    // The final tree replaces a provisional one whatever the keys.
    const final = await started('simple.bin');
    app.attach(final);
    expect(app.tree).toBe(final);
    expect(app.compose(120, 30).rowText(0)).toMatch(/^Peak memory/);
    // No provisional tree after the final one.
    app.offerProvisional({ info: info(3, 60), start: () => ((startedSecond = true), first) });
    expect(startedSecond).toBe(false);
    app.key('q');
    expect(quits).toEqual([false]);
    expect(KEEP_AFTER_KEY_MS).toBeGreaterThan(0);
  });

  it('GIVEN a provisional tree WHEN q THEN the view quits as a cancel (the indexing stops, status 130)', async () => {
    const quits: boolean[] = [];
    const app = new TuiApp({ onChange: () => {}, onQuit: (c) => quits.push(c), onSuspend: () => {}, onError: (e) => { throw e; } });
    app.resize(120, 30);
    const tree = await started('simple.bin');
    app.offerProvisional({ info: info(1, 5), start: () => tree });
    app.key('q');
    expect(quits).toEqual([true]);
  });
});
