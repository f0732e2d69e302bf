/**
 * `memtree tree --snapshot-range A:B` / `--time-range T1:T2` through memtreed and with
 * --no-daemon: every range of memray's temporal-peak.json / temporal-leaks.json has memray's
 * nodes, bytes and allocations (sibling order and thread labels compared loosely, docs/views.md),
 * the whole range is the ordinary peak / leaks document exactly, and times map to memray's
 * snapshots at the boundaries.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureOpenRequest } from '../../protocol/src/capture.js';
import type { TreeDocument, TreeDocumentNode } from '../../protocol/src/tree-document.js';
import { TreeExportRequest, type ViewOptions } from '../../protocol/src/tree.js';
import { localTree } from '../../daemon/src/local.js';
import { DaemonInstance } from '../helpers/daemon-instance.js';
import { readExpected, type MemrayFrame, type MemrayTemporalRange } from '../helpers/expected.js';
import { nativeSkipReason } from '../helpers/native-env.js';
import { CAPTURES, EXPECTED } from '../helpers/paths.js';
import { runMemtree } from '../helpers/run-cli.js';

let daemon: DaemonInstance;
beforeAll(async () => {
  daemon = await DaemonInstance.start();
});
afterAll(async () => {
  await daemon.stop();
});

interface TemporalFile {
  n_snapshots: number;
  ranges: MemrayTemporalRange[];
}

const NATIVE_SKIP = nativeSkipReason();
const CAPTURES_WITH_RANGES = fs
  .readdirSync(EXPECTED)
  .filter((c) => fs.existsSync(path.join(EXPECTED, c, 'temporal-peak.json.gz')) && fs.existsSync(path.join(CAPTURES, `${c}.bin`)))
  .filter((c) => c !== 'native_sqlite' || NATIVE_SKIP === undefined)
  .sort();

/** Nodes by their path of locations -> "bytes/allocations". */
function nodes(root: { fn: string; file: string; line: number; bytes: number; allocations: number; children: unknown[] }): Map<string, string> {
  const out = new Map<string, string>();
  const stack: [typeof root, string][] = [[root, '']];
  while (stack.length > 0) {
    const [n, parent] = stack.pop()!;
    const key = `${parent}\u0001${n.fn}\u0000${n.file}\u0000${n.line}`;
    out.set(key, `${n.bytes}/${n.allocations}`);
    for (const c of n.children as (typeof root)[]) stack.push([c, key]);
  }
  return out;
}
const ours = (n: TreeDocumentNode): Parameters<typeof nodes>[0] => ({ fn: n.function, file: n.file, line: n.line, bytes: n.bytes, allocations: n.allocations, children: n.children.map(ours) });
const memrays = (n: MemrayFrame): Parameters<typeof nodes>[0] => ({ fn: n.location[0], file: n.location[1], line: n.location[2], bytes: n.value, allocations: n.n_allocations, children: n.children.map(memrays) });

async function tree(args: string[], where: string[]): Promise<TreeDocument> {
  const r = await runMemtree(['tree', '--json', '-b', '1000000', ...args, ...where]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as TreeDocument;
}

const WHERE = { daemon: () => ['--state-dir', daemon.stateDir], 'no daemon': () => ['--no-daemon'] };

function viewOf(kind: 'peak' | 'leaks', range?: [number, number]): ViewOptions {
  return { mode: { kind }, biggestAllocs: 1_000_000, hideImportSystem: false, hideUninteresting: false, ...(range === undefined ? {} : { range: { start: range[0], end: range[1] } }) };
}

/** The documents of a view through memtreed (one connection) and in-process (the --no-daemon path). */
async function documents(file: string): Promise<{ daemon: (v: ViewOptions) => Promise<TreeDocument>; local: (v: ViewOptions) => TreeDocument; close(): void }> {
  const rpc = await daemon.connect();
  const open = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: file });
  return {
    daemon: (v) => rpc.conn.sendRequest(TreeExportRequest.type, { captureId: open.captureId, mode: v.mode, biggestAllocs: v.biggestAllocs, view: v }),
    local: (v) => localTree(file, v).doc,
    close: () => rpc.close(),
  };
}

describe('every range of memray 1.20 temporal references, through memtreed and in-process', () => {
  it('has references to compare with', () => expect(CAPTURES_WITH_RANGES.length).toBeGreaterThanOrEqual(14));
  for (const capture of CAPTURES_WITH_RANGES) {
    it(capture, async () => {
      const file = path.join(CAPTURES, `${capture}.bin`);
      const d = await documents(file);
      try {
        for (const kind of ['peak', 'leaks'] as const) {
          const ref = readExpected<TemporalFile>(capture, `temporal-${kind}.json`);
          for (const r of ref.ranges) {
            for (const doc of [await d.daemon(viewOf(kind, r.range)), d.local(viewOf(kind, r.range))]) {
              expect(nodes(ours(doc.root)), `${kind} ${r.name}`).toEqual(nodes(memrays(r.tree)));
              expect(doc.range).toMatchObject({ start: r.range[0], end: r.range[1] });
              if (kind === 'peak') expect([doc.range!.snapshot, doc.range!.bytes]).toEqual([r.hwm_snapshot, r.hwm_bytes]);
            }
          }
          // The whole range is the ordinary tree, exactly (only `range` is added).
          for (const get of [d.daemon, async (v: ViewOptions) => d.local(v)]) {
            const { range, ...rest } = await get(viewOf(kind, [0, ref.n_snapshots]));
            expect(range).toBeDefined();
            expect(rest).toEqual(await get(viewOf(kind)));
          }
        }
      } finally {
        d.close();
      }
    });
  }

  it('the CLI gives the same documents, with and without memtreed', async () => {
    const file = path.join(CAPTURES, 'peak_then_free.bin');
    for (const args of [['--snapshot-range', '0:5'], ['--leaks', '--snapshot-range', '6:10']]) {
      const viaDaemon = await tree([...args, file], WHERE.daemon());
      expect(await tree([...args, file], WHERE['no daemon']())).toEqual(viaDaemon);
      expect(viaDaemon.range).toBeDefined();
    }
    const printed = await runMemtree(['tree', '--print', '--snapshot-range', '0:5', '--no-daemon', file]);
    expect(printed.stdout.split('\n')[0]).toMatch(/^Memory snapshots 0-5 of 10: their peak, \S+MB before snapshot 5 \(/);
  });
});

describe('--time-range maps times to the snapshots memray plots them at', () => {
  // simple.bin's memory snapshots, ms since its start: 1, 17, 29, 40, 50, 60, 71.
  const file = path.join(CAPTURES, 'simple.bin');
  const cases: [string, number, number][] = [
    ['17ms:40ms', 1, 4], // at a snapshot's time: starts there; ends at the first snapshot after
    ['16ms:39ms', 1, 3],
    ['18ms:41ms', 2, 4],
    ['0.017s:0.04s', 1, 4],
    [':29ms', 0, 3],
    ['50ms:', 4, 7],
    ['72ms:', 7, 7], // after the last snapshot: the period after it
    [':0ms', 0, 0],
  ];
  it('at the boundaries, through memtreed and --no-daemon', async () => {
    const snaps = readExpected<{ snapshots: number[][]; start_time_ms: number }>('simple', 'memory.json');
    expect(snaps.snapshots.map((s) => s[0]! - snaps.start_time_ms)).toEqual([1, 17, 29, 40, 50, 60, 71]);
    for (const [i, [range, start, end]] of cases.entries()) {
      const where = i % 2 === 0 ? WHERE.daemon() : WHERE['no daemon']();
      const doc = await tree(['--leaks', '--time-range', range, file], where);
      expect([range, doc.range!.start, doc.range!.end]).toEqual([range, start, end]);
      const local = localTree(file, { ...viewOf('leaks', [start, end]), hideUninteresting: false }).doc;
      expect(doc.root).toEqual(local.root);
    }
  });

  it('rejects what is not a range', async () => {
    for (const args of [['--snapshot-range', '3:1'], ['--snapshot-range', 'a:b'], ['--time-range', '2s:1s'], ['--time-range', '1x:'], ['--snapshot-range', '0:1', '--time-range', '1s:'], ['--temporary-allocations', '--snapshot-range', '0:1']]) {
      const r = await runMemtree(['tree', '--json', ...args, file]);
      expect(r.code, args.join(' ')).toBe(2);
    }
    for (const where of [['--no-daemon'], ['--state-dir', daemon.stateDir]]) {
      const r = await runMemtree(['tree', '--json', '--snapshot-range', '0:8', ...where, file]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/0:8 .*0:7/);
      const agg = await runMemtree(['tree', '--json', '--snapshot-range', '0:1', ...where, path.join(CAPTURES, 'aggregated_simple.bin')]);
      expect(agg.code).toBe(1);
      expect(agg.stderr).toContain("Can't get allocation history using a pre-aggregated capture file.");
    }
  });
});
