/**
 * Captures of memray 1.6, 1.10 and 1.18 (header versions 9, 10, 11) in the interactive view:
 * the header line names the format and the memray releases that wrote it, in the real
 * `memtree tree` on a pseudo-terminal over a real daemon and in the view model for every such
 * fixture, where it is the line `--print` prints (whose rows print-vs-interactive.test.ts and
 * tree-json.test.ts compare with memray's ground truth).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printTree } from '../../client/src/print/print-tree.js';
import { header } from '../../client/src/tui/tree-panel.js';
import { DaemonInstance } from '../helpers/daemon-instance.js';
import { CAPTURES, SCENARIOS } from '../helpers/paths.js';
import { PtySession } from '../helpers/pty-session.js';
import { loadDoc, ModelHarness } from '../helpers/tui-tree.js';

const WRITTEN_BY: Record<string, string> = { '9': 'memray 1.4-1.6', '10': 'memray 1.7-1.10', '11': 'memray 1.11-1.18' };
const OLD = fs
  .readdirSync(CAPTURES)
  .filter((f) => /_v(9|10|11)\.bin$/.test(f))
  .sort();

describe('the view model of older captures', () => {
  for (const file of OLD) {
    it(`${file}: the header line is --print's summary, ending with the format note`, async () => {
      const version = /_v(\d+)\.bin$/.exec(file)![1]!;
      const loaded = loadDoc(path.join(CAPTURES, file));
      const h = await ModelHarness.open(loaded, { treeRows: 40 });
      const line = header(h.state);
      expect(line).toBe(printTree(loaded.doc, loaded.searchPath, { color: false })[0]);
      expect(line.endsWith(` · format ${version} (${WRITTEN_BY[version]})`)).toBe(true);
    });
  }

  it('a version 13 capture has no note', async () => {
    const h = await ModelHarness.open(loadDoc(path.join(CAPTURES, 'simple.bin')), { treeRows: 40 });
    expect(header(h.state)).not.toContain('format');
  });
});

describe('memtree tree in a terminal, older captures', () => {
  let daemon: DaemonInstance;
  beforeAll(async () => {
    daemon = await DaemonInstance.start();
  });
  afterAll(async () => {
    await daemon.stop();
  });

  for (const [file, version] of [['simple_v9.bin', '9'], ['temporary_v11.bin', '11']] as const) {
    it(`${file}: the tree opens over the daemon, the header names format ${version}, q exits 0`, async () => {
      const s = PtySession.memtree(['tree', '--state-dir', daemon.stateDir, path.join(CAPTURES, file)], { cols: 160, rows: 40, cwd: SCENARIOS });
      try {
        const screen = await s.waitFor((l) => l.some((x) => x.includes('<ROOT>')) && l.some((x) => x.includes(`format ${version} (`)), 30_000, 'the first screen');
        const text = screen.join('\n');
        expect(text).toContain(`· format ${version} (${WRITTEN_BY[version]})`);
        expect(text).toContain('Peak memory:');
        s.write('q');
        expect(await s.exited()).toBe(0);
      } finally {
        s.kill();
      }
    });
  }
});
