/**
 * Through memtreed, `memtree tree --json` gives the same document as `--no-daemon` for every
 * fixture capture and mode (and therefore memray's trees), from a fresh index and again from
 * the reopened one; tree/expand pages agree with the exported tree under every filter.
 */
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureOpenRequest } from '../../protocol/src/capture.js';
import { displayedChildren } from '../../protocol/src/display.js';
import type { SnapshotMode, TreeDocument, TreeDocumentNode } from '../../protocol/src/tree-document.js';
import { TreeExpandRequest, TreeExportRequest, TreeRootRequest, type ViewNode, type ViewOptions } from '../../protocol/src/tree.js';
import { DaemonInstance } from '../helpers/daemon-instance.js';
import { expectedTreeModes, modeFlags } from '../helpers/expected.js';
import { localTreeOf } from '../helpers/local-tree.js';
import { CAPTURES } from '../helpers/paths.js';
import { runMemtree } from '../helpers/run-cli.js';

let daemon: DaemonInstance;
beforeAll(async () => {
  daemon = await DaemonInstance.start();
});
afterAll(async () => {
  await daemon.stop();
});

// Every capture with memray trees, damaged ones included (their warnings must agree too).
const CASES = expectedTreeModes().filter(([c]) => c !== 'large_9m');

function modeOf(mode: string): SnapshotMode {
  if (mode === 'peak' || mode === 'leaks') return { kind: mode };
  return { kind: 'temporary', threshold: Number(mode.slice(4)) };
}

describe('daemon answers equal --no-daemon answers', () => {
  // Over one connection: the daemon's documents against the in-process path of --no-daemon.
  for (const [capture, mode] of CASES) {
    it(`${capture} ${mode}, -b 10 / 200 / 1000000`, async () => {
      const file = path.join(CAPTURES, `${capture}.bin`);
      const rpc = await daemon.connect();
      try {
        const open = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: file, modes: [modeOf(mode)] });
        for (const b of [10, 200, 1000000]) {
          const doc = await rpc.conn.sendRequest(TreeExportRequest.type, { captureId: open.captureId, mode: modeOf(mode), biggestAllocs: b });
          const local = await localTreeOf(file, ['-b', String(b), ...modeFlags(mode)]);
          expect(doc).toEqual(local.doc);
          expect(open.warnings).toEqual(local.warnings);
          expect(open.searchPath).toEqual(local.searchPath);
        }
      } finally {
        rpc.close();
      }
    });
  }

  // And end to end through the real CLI, including a reopen of the index.
  for (const [capture, flags] of [
    ['simple', []],
    ['threads', ['--temporary-allocations']],
    ['crashed_a', ['--leaks', '-b', '10']],
  ] as const) {
    it(`memtree tree --json ${flags.join(' ')} ${capture}.bin: daemon, reopened daemon and --no-daemon agree`, async () => {
      const args = ['tree', '--json', ...flags, path.join(CAPTURES, `${capture}.bin`)];
      const viaDaemon = await runMemtree([...args, '--state-dir', daemon.stateDir]);
      const again = await runMemtree([...args, '--state-dir', daemon.stateDir]);
      const local = await runMemtree([...args, '--no-daemon']);
      expect(viaDaemon.code).toBe(0);
      expect(viaDaemon.stderr).toBe(local.stderr);
      expect(viaDaemon.stdout).toBe(local.stdout);
      expect(again.stdout).toBe(local.stdout);
    });
  }
});

describe('tree/expand agrees with the exported tree under every filter', () => {
  for (const capture of ['imports', 'threads', 'simple']) {
    it(capture, async () => {
      const rpc = await daemon.connect();
      try {
        const open = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: path.join(CAPTURES, `${capture}.bin`) });
        const doc: TreeDocument = await rpc.conn.sendRequest(TreeExportRequest.type, {
          captureId: open.captureId,
          mode: { kind: 'peak' },
          biggestAllocs: 200,
        });
        for (const hideImportSystem of [false, true]) {
          for (const hideUninteresting of [false, true]) {
            const view: ViewOptions = { mode: { kind: 'peak' }, biggestAllocs: 200, hideImportSystem, hideUninteresting };
            const filter = { hideImportSystem, hideUninteresting };
            const kids = (n: TreeDocumentNode) => displayedChildren(n.children, (c) => c.children, filter);
            const label = (n: TreeDocumentNode | ViewNode) => `${n.function}|${n.file}|${n.line}|${n.bytes}|${n.allocations}|${n.thread}`;
            // Walk both trees side by side, paging the daemon's children 3 at a time.
            const walk = async (docNode: TreeDocumentNode, id: number, count: number): Promise<void> => {
              const want = kids(docNode);
              expect(count).toBe(want.length);
              const got: ViewNode[] = [];
              for (let offset = 0; offset < want.length; offset += 3) {
                const page = await rpc.conn.sendRequest(TreeExpandRequest.type, { captureId: open.captureId, view, nodeId: id, offset, limit: 3 });
                expect(page.total).toBe(want.length);
                got.push(...page.nodes);
              }
              expect(got.map(label)).toEqual(want.map(label));
              for (let i = 0; i < got.length; i++) await walk(want[i]!, got[i]!.id, got[i]!.childCount);
            };
            const root = await rpc.conn.sendRequest(TreeRootRequest.type, { captureId: open.captureId, view });
            expect(label(root.root)).toBe(label(doc.root));
            await walk(doc.root, 0, root.root.childCount);
          }
        }
      } finally {
        rpc.close();
      }
    });
  }
});

describe('trees of more records than the index stores are built from the capture', () => {
  it('threads.bin with 5 stored records per mode: -b 10, 200 and 1000000 still equal --no-daemon', async () => {
    const small = await DaemonInstance.start({ env: { MEMTREE_TEST_STORED_RECORDS: '5' } });
    const rpc = await small.connect();
    try {
      const file = path.join(CAPTURES, 'threads.bin');
      const open = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: file, modes: [{ kind: 'temporary', threshold: 1 }] });
      for (const [mode, flags] of [
        [{ kind: 'peak' }, []],
        [{ kind: 'temporary', threshold: 1 }, ['--temporary-allocations']],
      ] as const) {
        for (const b of [3, 10, 200, 1000000]) {
          const doc = await rpc.conn.sendRequest(TreeExportRequest.type, { captureId: open.captureId, mode, biggestAllocs: b });
          const local = await localTreeOf(file, ['-b', String(b), ...flags]);
          expect(doc, `${mode.kind} -b ${b}`).toEqual(local.doc);
        }
      }
    } finally {
      rpc.close();
      await small.stop();
    }
  });
});
