/**
 * Through memtreed, `memtree tree --json` gives the same document as `--no-daemon` for every
 * fixture capture and mode (and therefore memray's trees), from a fresh index and again from
 * the reopened one; every view's tree/root and tree/expand pages equal tree/export of the same
 * view; views are served from the index alone (the capture file gone).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureOpenRequest } from '../../protocol/src/capture.js';
import type { SnapshotMode, TreeDocument, TreeDocumentNode } from '../../protocol/src/tree-document.js';
import { TreeExpandRequest, TreeExportRequest, TreeRootRequest, type ViewNode, type ViewOptions } from '../../protocol/src/tree.js';
import { Allocator, stacksCapture, writeCapture, type CaptureEvent, type StackRecord } from '../helpers/capture-writer.js';
import { DaemonInstance } from '../helpers/daemon-instance.js';
import { expectedTreeModes, modeFlags } from '../helpers/expected.js';
import { localTreeOf } from '../helpers/local-tree.js';
import { CAPTURES, tempDir } from '../helpers/paths.js';
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

  // A temporary pass after the peak's views were loaded appends stacks to the index: the views
  // loaded before must see them (a stale copy of the stack trie gives wrong or failing trees).
  it('temporary after peak on one index: a stack only temporary allocations use is in the tree', async () => {
    // main -> keep holds the peak; main -> churn's allocation is freed at once: in no peak or
    // leaks record, only in the temporary pass's.
    const HEAP = 0x7f00_0000_0000;
    const events: CaptureEvent[] = [
      { type: 'code', id: 1, function: 'main', file: 'app.py', firstLine: 1 },
      { type: 'code', id: 2, function: 'keep', file: 'app.py', firstLine: 10 },
      { type: 'code', id: 3, function: 'churn', file: 'app.py', firstLine: 20 },
      { type: 'push', tid: 1, code: 1, offset: 0, entry: true },
      { type: 'push', tid: 1, code: 2, offset: 0, entry: true },
      { type: 'alloc', tid: 1, address: HEAP, size: 4096, allocator: Allocator.MALLOC },
      { type: 'pop', tid: 1 },
      { type: 'push', tid: 1, code: 3, offset: 0, entry: true },
      { type: 'alloc', tid: 1, address: HEAP + 8192, size: 100, allocator: Allocator.MALLOC },
      { type: 'alloc', tid: 1, address: HEAP + 8192, size: 0, allocator: Allocator.FREE },
      { type: 'pop', tid: 1 },
    ];
    const dir = tempDir();
    const file = path.join(dir, 'churn.bin');
    fs.writeFileSync(file, writeCapture(events));
    const fresh = await DaemonInstance.start();
    const rpc = await fresh.connect();
    try {
      const open = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: file, modes: [{ kind: 'peak' }] });
      await rpc.conn.sendRequest(TreeExportRequest.type, { captureId: open.captureId, mode: { kind: 'peak' }, biggestAllocs: 1000000 });
      const temp: SnapshotMode = { kind: 'temporary', threshold: 1 };
      const again = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: file, modes: [temp] });
      const doc = await rpc.conn.sendRequest(TreeExportRequest.type, { captureId: again.captureId, mode: temp, biggestAllocs: 1000000 });
      const functions = (n: TreeDocumentNode): string[] => [n.function, ...n.children.flatMap(functions)];
      expect(functions(doc.root)).toContain('churn');
      expect(doc).toEqual((await localTreeOf(file, ['-b', '1000000', '--temporary-allocations'])).doc);
    } finally {
      rpc.close();
      await fresh.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

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

/** Views the page tests walk: record filters, inverted, threads (docs/views.md). */
const VIEWS: Record<string, Partial<ViewOptions>> = {
  plain: {},
  'focus + hide': { focus: 'main|worker', hide: 'runpy' },
  'show-from': { showFrom: '^main$|^worker$' },
  ignore: { ignore: 'importlib' },
  inverted: { inverted: true },
  'thread 0x1, -b 5': { threads: ['0x1'], biggestAllocs: 5 },
};

describe('every view: tree/root and tree/expand pages equal tree/export of the same view', () => {
  for (const capture of ['imports', 'threads', 'simple']) {
    it(capture, async () => {
      const rpc = await daemon.connect();
      try {
        const open = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: path.join(CAPTURES, `${capture}.bin`) });
        for (const [name, extra] of Object.entries(VIEWS)) {
          for (const hideImportSystem of [false, true]) {
            for (const hideUninteresting of [false, true]) {
              const view: ViewOptions = { mode: { kind: 'peak' }, biggestAllocs: 200, hideImportSystem, hideUninteresting, ...extra };
              const doc: TreeDocument = await rpc.conn.sendRequest(TreeExportRequest.type, { captureId: open.captureId, mode: view.mode, biggestAllocs: 0, view });
              const label = (n: TreeDocumentNode | ViewNode) => `${n.function}|${n.file}|${n.line}|${n.bytes}|${n.allocations}|${n.thread}`;
              const what = `${capture} ${name} i=${hideImportSystem} u=${hideUninteresting}`;
              // Walk both trees side by side, paging the daemon's children 3 at a time.
              const walk = async (docNode: TreeDocumentNode, id: number, count: number): Promise<void> => {
                const want = docNode.children;
                expect(count, what).toBe(want.length);
                const got: ViewNode[] = [];
                for (let offset = 0; offset < want.length; offset += 3) {
                  const page = await rpc.conn.sendRequest(TreeExpandRequest.type, { captureId: open.captureId, view, nodeId: id, offset, limit: 3 });
                  expect(page.total).toBe(want.length);
                  got.push(...page.nodes);
                }
                expect(got.map(label), what).toEqual(want.map(label));
                for (let i = 0; i < got.length; i++) await walk(want[i]!, got[i]!.id, got[i]!.childCount);
              };
              const root = await rpc.conn.sendRequest(TreeRootRequest.type, { captureId: open.captureId, view });
              expect(label(root.root), what).toBe(label(doc.root));
              expect(root.elided, what).toEqual(doc.elided);
              await walk(doc.root, 0, root.root.childCount);
            }
          }
        }
      } finally {
        rpc.close();
      }
    });
  }
});

describe('views come from the index alone', () => {
  it('a capture of 120,000 distinct stacks: every record indexed, views served with the capture file gone', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memtree-views-'));
    const rpc = await daemon.connect();
    try {
      const file = path.join(dir, 'many.bin');
      const records: StackRecord[] = [];
      for (let i = 0; i < 120_000; i++) {
        records.push({ size: 1000 + (i % 977), tid: 1 + (i % 3), stack: [[`leaf${i % 5000}`, `mod${i % 7}.py`, 1 + i], ['mid', 'app.py', 2 + (i % 11)], ['main', 'app.py', 1]] });
      }
      fs.writeFileSync(file, stacksCapture(records));
      const views: [string, string[], Partial<ViewOptions>][] = [
        ['all records', ['-b', '1000000'], { biggestAllocs: 1000000 }],
        ['focus, inverted', ['-b', '300', '--focus', 'leaf1', '--inverted'], { biggestAllocs: 300, focus: 'leaf1', inverted: true }],
        ['thread, hide', ['--thread', '0x2', '--hide', 'mid'], { threads: ['0x2'], hide: 'mid' }],
      ];
      const local = [];
      for (const [, flags] of views) local.push((await localTreeOf(file, flags)).doc);
      const open = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: file });
      // Unreadable and gone: any read of the capture would fail.
      fs.chmodSync(file, 0);
      fs.renameSync(file, path.join(dir, 'moved.bin'));
      for (const [k, [name, , extra]] of views.entries()) {
        const view: ViewOptions = { mode: { kind: 'peak' }, biggestAllocs: 200, hideImportSystem: false, hideUninteresting: false, ...extra };
        const doc = await rpc.conn.sendRequest(TreeExportRequest.type, { captureId: open.captureId, mode: view.mode, biggestAllocs: 0, view });
        expect(doc, name).toEqual({ ...local[k]!, capture: { ...local[k]!.capture, path: doc.capture.path } });
      }
      const all = await rpc.conn.sendRequest(TreeRootRequest.type, { captureId: open.captureId, view: { mode: { kind: 'peak' }, biggestAllocs: 1000000, hideImportSystem: false, hideUninteresting: true } });
      expect(all.elided.locations).toBe(0);
      expect(all.root.bytes).toBe(records.reduce((s, r) => s + r.size, 0));
    } finally {
      rpc.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
