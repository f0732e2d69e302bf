/**
 * The second read of a memray 1.19-and-older capture (its record order, LoadedCapture.legacyOrder)
 * reports its progress like the first: to the loader's caller, as capture/progress phase
 * "ordering" to a client waiting on it (an order-dependent view waiting for the order job, also
 * of a temporary mode's first use), and in the view's line above the tree to come. Generated version-11
 * captures big enough to have progress points (one per MiB of records); a real memtreed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CaptureOpenRequest, type CaptureProgressParams } from '../../protocol/src/capture.js';
import { DaemonStatusRequest } from '../../protocol/src/daemon.js';
import { TreeExportRequest, type ViewOptions } from '../../protocol/src/tree.js';
import { loadCapture } from '../../daemon/src/capture/load.js';
import { onCaptureProgress } from '../../client/src/daemon/progress-hub.js';
import { DaemonTreeSource } from '../../client/src/tui/daemon-source.js';
import { startTree } from '../../client/src/tui/tree-controller.js';
import { header, waitingLine } from '../../client/src/tui/tree-panel.js';
import { generateCapture } from '../bench/generate-capture.js';
import { DaemonInstance, waitFor } from '../helpers/daemon-instance.js';
import { tempDir } from '../helpers/paths.js';
import { DEFAULT_VIEW } from '../helpers/tui-tree.js';

let file = '';
beforeAll(() => {
  file = path.join(tempDir('memtree-order-progress-'), 'gen-v11.bin');
  generateCapture(file, { records: 1_500_000, version: 11 });
});
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});
afterAll(() => fs.rmSync(path.dirname(file), { recursive: true, force: true }));

const ordering = (ps: CaptureProgressParams[]) => ps.filter((p) => p.phase === 'ordering');

describe("the read for memray 1.19 and older's record order reports its progress", () => {
  it('GIVEN a version-11 capture whose snapshots tie WHEN its order is read THEN the caller hears increasing progress through the file, once', () => {
    const c = loadCapture(file, { threads: 1 });
    expect(c.legacyOrder).toBeDefined(); // its sizes tie: the order is a second read
    const seen: number[] = [];
    c.legacyOrder!((_decompressed, bytes) => seen.push(bytes));
    expect(seen.length).toBeGreaterThan(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]!);
    expect(seen.at(-1)).toBeLessThanOrEqual(c.fileSize);
    const again: number[] = [];
    c.legacyOrder!((_d, bytes) => again.push(bytes)); // memoised: no read, no progress
    expect(again).toEqual([]);
  });

  /** A memtreed with the capture open and a view of it (DaemonTreeSource), whose capture/progress and view lines are recorded. */
  async function viewOfCapture() {
    const daemon = await DaemonInstance.start();
    cleanup.push(() => daemon.stop());
    const rpc = await daemon.connect();
    cleanup.push(() => rpc.close());
    const open = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: file });
    const heard: CaptureProgressParams[] = [];
    cleanup.push(onCaptureProgress(rpc.conn, (p) => heard.push(p)));
    const tree = startTree(new DaemonTreeSource(rpc.conn, open.captureId, open.searchPath), DEFAULT_VIEW);
    cleanup.push(() => tree.close());
    await tree.idle();
    const lines: string[] = [];
    tree.listen({ onChange: (s) => lines.push(header(s) || waitingLine(s, tree.waitingFor)) });
    const show = async (view: ViewOptions): Promise<void> => {
      tree.dispatch({ type: 'view', view });
      await waitFor(() => (tree.pending === 0 ? true : undefined), 120_000, 'the view');
      await tree.idle();
    };
    return { rpc, heard, lines, show };
  }

  it("GIVEN memtreed WHEN a temporary view that depends on memray's order is asked (every location) THEN the client hears the first read, then the second as 'ordering', before the answer; the view's line names the second", async () => {
    const { heard, lines, show } = await viewOfCapture();
    await show({ ...DEFAULT_VIEW, mode: { kind: 'temporary', threshold: 3 }, biggestAllocs: 1_000_000 });
    const first = heard.findIndex((p) => p.phase === 'reading');
    const second = heard.findIndex((p) => p.phase === 'ordering');
    expect(first).toBeGreaterThanOrEqual(0);
    expect(second).toBeGreaterThan(first);
    for (const p of ordering(heard)) expect(p.percent).toBeLessThanOrEqual(98);
    expect(lines.some((l) => l.startsWith("memtreed is reading the capture again for memray 1.19's record order: "))).toBe(true);
    expect(lines.at(-1)).toMatch(/^Temporary allocations \(threshold 3\)/);
  }, 180_000);

  it("GIVEN memtreed WHEN a temporary view that does not depend on the order is asked (-b 10) THEN it is answered after the first read, and the order is resolved after it", async () => {
    const { rpc, heard, lines, show } = await viewOfCapture();
    const mode = { kind: 'temporary', threshold: 3 } as const;
    await show({ ...DEFAULT_VIEW, mode, biggestAllocs: 10 });
    expect(heard.some((p) => p.phase === 'reading')).toBe(true);
    expect(ordering(heard)).toEqual([]);
    expect(lines.at(-1)).toMatch(/^Temporary allocations \(threshold 3\)/);
    // The job's thread goes on with memray's order: once it is done, the order-dependent view waits for nothing.
    await waitFor(async () => ((await rpc.conn.sendRequest(DaemonStatusRequest.type)).jobs.length === 0 ? true : undefined), 120_000, 'the order job to end');
    heard.length = 0;
    await show({ ...DEFAULT_VIEW, mode, biggestAllocs: 1_000_000 });
    expect(heard).toEqual([]);
    expect(lines.at(-1)).toMatch(/^Temporary allocations \(threshold 3\)/);
  }, 180_000);

  it("GIVEN an index whose order is held WHEN an order-dependent view waits for the order job THEN it hears that job's 'ordering' progress before its answer", async () => {
    const gate = path.join(path.dirname(file), 'gate');
    const daemon = await DaemonInstance.start({ env: { MEMTREE_TEST_ORDER_GATE: gate } });
    cleanup.push(() => daemon.stop());
    cleanup.push(() => fs.rmSync(gate, { force: true }));
    const rpc = await daemon.connect();
    cleanup.push(() => rpc.close());
    const open = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: file });
    const heard: CaptureProgressParams[] = [];
    cleanup.push(onCaptureProgress(rpc.conn, (p) => heard.push(p)));
    // Every location, in memray's order: depends on the order wherever two sizes tie.
    const answer = rpc.conn.sendRequest(TreeExportRequest.type, { captureId: open.captureId, mode: { kind: 'leaks' }, biggestAllocs: 1_000_000 });
    fs.writeFileSync(gate, '');
    await answer;
    expect(ordering(heard).length).toBeGreaterThan(0);
    expect(ordering(heard).every((p) => p.captureId === open.captureId)).toBe(true);
  }, 180_000);
});
