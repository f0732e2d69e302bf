/**
 * The daemon's index of a memray 1.19-and-older capture completes with its pass's record order
 * and resolves memray's order afterwards (daemon/src/index/memray-order.ts): views that do not
 * depend on the order are answered at once; those that do wait for it, also after a kill -9
 * and a restart; a capture replaced meanwhile is CaptureChanged, its index never half
 * rewritten. The order phase is held by the test gate (MEMTREE_TEST_ORDER_GATE: the order
 * phase waits until the gate file exists), so every step holds at any machine's pace.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { CancellationTokenSource, ResponseError } from 'vscode-jsonrpc';
import { CaptureForgetRequest, CaptureOpenRequest } from '../../protocol/src/capture.js';
import { DaemonStatusRequest } from '../../protocol/src/daemon.js';
import { MemtreeErrorCodes } from '../../protocol/src/errors.js';
import { TreeElidedRequest } from '../../protocol/src/elided.js';
import { TreeExportRequest, type ViewOptions } from '../../protocol/src/tree.js';
import { loadCapture } from '../../daemon/src/capture/load.js';
import { snapshotCount } from '../../daemon/src/snapshot/time-ranges.js';
import type { SnapshotMode } from '../../protocol/src/tree-document.js';
import { DaemonInstance, waitFor, type Rpc } from '../helpers/daemon-instance.js';
import { expectedTreeModes, fromDocument, fromMemray, hashOrdered, readExpected, type MemrayRecord, type MemrayTreeFile } from '../helpers/expected.js';
import { CAPTURES, tempDir } from '../helpers/paths.js';

// imports_v11 (memray 1.18): its peak has no tie among its 11 biggest records (-b 10 does not
// depend on the order) and ties further down (-b 200 does, and the pass's order gives another tree).
const CAPTURE = 'imports_v11';
const PEAK: SnapshotMode = { kind: 'peak' };
const LEAKS: SnapshotMode = { kind: 'leaks' };

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

interface Setup {
  readonly daemon: DaemonInstance;
  readonly rpc: Rpc;
  readonly file: string;
  readonly gate: string;
  readonly captureId: string;
  readonly indexDir: string;
  readonly logFile: string;
}

/** A daemon whose order phases wait for the gate, with a copy of the capture opened (its index complete, its order held). */
async function heldOpen(capture = CAPTURE): Promise<Setup> {
  const dir = tempDir('memtree-order-index-');
  const file = path.join(dir, `${capture}.bin`);
  fs.copyFileSync(path.join(CAPTURES, `${capture}.bin`), file);
  const gate = path.join(dir, 'gate');
  const daemon = await DaemonInstance.start({ env: { MEMTREE_TEST_ORDER_GATE: gate } });
  cleanup.push(() => daemon.stop());
  const rpc = await daemon.connect();
  cleanup.push(() => rpc.close());
  const open = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: file });
  expect(open.indexed).toBe(true);
  const { indexDir, logFile } = await rpc.conn.sendRequest(DaemonStatusRequest.type);
  return { daemon, rpc, file, gate, captureId: open.captureId, indexDir, logFile };
}

/** The daemon's jobs as "phase:captureId". */
async function jobKeys(rpc: Rpc): Promise<string[]> {
  return (await rpc.conn.sendRequest(DaemonStatusRequest.type)).jobs.map((j) => `${j.phase}:${j.captureId}`);
}

function exportTree(rpc: Rpc, captureId: string, mode: SnapshotMode, biggestAllocs: number) {
  return rpc.conn.sendRequest(TreeExportRequest.type, { captureId, mode, biggestAllocs });
}

function memray(mode: SnapshotMode, b: number, capture = CAPTURE) {
  return fromMemray(readExpected<MemrayTreeFile>(capture, `${mode.kind}-b${b}.json`));
}

/** memray's records of a mode in its order, sorted by size as its tree does (a stable sort): [bytes, allocations]. */
function memraySorted(mode: SnapshotMode, capture: string): [number, number][] {
  const theirs = readExpected<{ records: MemrayRecord[] }>(capture, `${mode.kind}-records.json`).records;
  return [...theirs].sort((a, b) => b.size - a.size).map((r) => [r.size, r.n_allocations]);
}

function viewOf(mode: SnapshotMode, biggestAllocs: number): ViewOptions {
  return { mode, biggestAllocs, hideImportSystem: false, hideUninteresting: false };
}

/** The index file of `captureId` and what it holds about the order: pending modes and each mode's stored rows. */
function indexState(dir: string, captureId: string): { pending: string[]; rows: Record<string, Buffer[]> } {
  const name = fs.readdirSync(dir).find((f) => f.endsWith(`-${captureId}.sqlite`));
  if (name === undefined) throw new Error(`no index of ${captureId} in ${dir}`);
  const db = new Database(path.join(dir, name), { readonly: true, fileMustExist: true });
  try {
    const pending = db.prepare('SELECT mode FROM order_pending ORDER BY mode').pluck().all() as string[];
    const rows: Record<string, Buffer[]> = {};
    for (const m of ['peak', 'leaks']) {
      rows[m] = db.prepare('SELECT r.path FROM records r JOIN modes m ON m.id = r.mode WHERE m.mode = ? ORDER BY r.chunk').pluck().all(m) as Buffer[];
    }
    return { pending, rows };
  } finally {
    db.close();
  }
}

describe("the daemon's index of a memray <= 1.19 capture: memray's record order after the index is complete", () => {
  it('GIVEN the order phase held THEN the index is complete and a view that does not depend on the order is answered; one that does waits for it and is memray\'s', async () => {
    const { rpc, gate, captureId, indexDir } = await heldOpen();
    // The order job runs (held) while the index is already served.
    expect(await jobKeys(rpc)).toEqual([`memray order:${captureId}`]);
    expect(indexState(indexDir, captureId).pending).toEqual(['leaks', 'peak']);
    const ten = await exportTree(rpc, captureId, PEAK, 10);
    expect(fromDocument(ten.root)).toEqual(memray(PEAK, 10));
    expect(await jobKeys(rpc)).toEqual([`memray order:${captureId}`]);

    const sensitive = exportTree(rpc, captureId, PEAK, 200);
    fs.writeFileSync(gate, '');
    expect(fromDocument((await sensitive).root)).toEqual(memray(PEAK, 200));
    expect(indexState(indexDir, captureId).pending).toEqual([]);
    for (const mode of [PEAK, LEAKS]) {
      for (const b of [10, 200, 1000000]) expect(fromDocument((await exportTree(rpc, captureId, mode, b)).root)).toEqual(memray(mode, b));
    }
  });

  // Each kind of order-dependent request, as the first one after the restart (the first finds
  // the order pending), on a capture where the pass's order gives another answer.
  const FIRST: [string, string, (rpc: Rpc, captureId: string) => Promise<void>][] = [
    [CAPTURE, 'tree/export peak -b 200', async (rpc, id) => expect(fromDocument((await exportTree(rpc, id, PEAK, 200)).root)).toEqual(memray(PEAK, 200))],
    [
      'pyalloc_v11',
      'tree/elided of peak -b 10 (the tree does not depend on the order, its left-out list does)',
      async (rpc, id) => {
        const left = await rpc.conn.sendRequest(TreeElidedRequest.type, { captureId: id, view: viewOf(PEAK, 10), limit: 10000 });
        expect(left.locations.map((l) => [l.bytes, l.allocations])).toEqual(memraySorted(PEAK, 'pyalloc_v11').slice(10));
      },
    ],
    [
      CAPTURE,
      "the whole capture's leaks as a time range, -b 1000000 (its records are the leaks snapshot's)",
      async (rpc, id) => {
        const n = snapshotCount(loadCapture(path.join(CAPTURES, `${CAPTURE}.bin`)).timeline!.data.memoryRecords);
        const doc = await rpc.conn.sendRequest(TreeExportRequest.type, { captureId: id, mode: LEAKS, biggestAllocs: 1000000, view: { ...viewOf(LEAKS, 1000000), range: { start: 0, end: n } } });
        expect(doc.range).toBeDefined();
        expect(fromDocument(doc.root)).toEqual(memray(LEAKS, 1000000));
      },
    ],
  ];

  for (const [capture, what, first] of FIRST) {
    it(`GIVEN memtreed killed (SIGKILL) with the order pending WHEN a new one opens the index THEN ${what} is memray's, never the pass's (${capture})`, async () => {
      const { daemon, rpc, file, captureId, indexDir } = await heldOpen(capture);
      const before = indexState(indexDir, captureId);
      expect(before.pending).toEqual(['leaks', 'peak']);
      rpc.close();
      await daemon.kill9();
      expect(indexState(indexDir, captureId)).toEqual(before);

      const again = await DaemonInstance.start({ stateDir: daemon.stateDir });
      cleanup.push(() => again.stop());
      const rpc2 = await again.connect();
      cleanup.push(() => rpc2.close());
      const open = await rpc2.conn.sendRequest(CaptureOpenRequest.type, { path: file });
      expect(open).toMatchObject({ captureId, indexed: false });
      expect(indexState(indexDir, captureId).pending).toEqual(['leaks', 'peak']);
      await first(rpc2, captureId);
      expect(indexState(indexDir, captureId).pending).toEqual([]);
      for (const mode of [PEAK, LEAKS]) {
        for (const b of [10, 200, 1000000]) expect(fromDocument((await exportTree(rpc2, captureId, mode, b)).root)).toEqual(memray(mode, b, capture));
      }
    });
  }

  it('GIVEN the capture replaced while its order is held THEN the order job fails, the index keeps the pass\'s order marked pending, and views get CaptureChanged', async () => {
    const { rpc, file, gate, captureId, indexDir, logFile } = await heldOpen();
    const before = indexState(indexDir, captureId);
    fs.copyFileSync(path.join(CAPTURES, 'imports_v10.bin'), `${file}.new`);
    fs.renameSync(`${file}.new`, file);
    fs.writeFileSync(gate, '');
    await waitFor(async () => ((await jobKeys(rpc)).length === 0 ? true : undefined), 30_000, 'the order job to end');
    // Not a row rewritten: the index holds the pass's order, still marked pending.
    expect(indexState(indexDir, captureId)).toEqual(before);
    for (const b of [200, 10]) {
      const err = await exportTree(rpc, captureId, PEAK, b).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(ResponseError);
      expect((err as ResponseError<unknown>).code).toBe(MemtreeErrorCodes.CaptureChanged);
    }
    const log = fs.readFileSync(logFile, 'utf8');
    expect(log).toMatch(/"key":"order:[0-9a-f]+".*"failure":\{"kind":"changed"/);
  });

  it("GIVEN the order held WHEN the capture is opened again with force THEN the old index's order job stops, and the new index's order is memray's", async () => {
    const { rpc, file, gate, captureId, indexDir, logFile } = await heldOpen();
    const again = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: file, force: true });
    expect(again).toMatchObject({ captureId, indexed: true });
    expect(fs.readFileSync(logFile, 'utf8')).toMatch(new RegExp(`"key":"order:${captureId}".*"msg":"job stopped"`));
    expect(indexState(indexDir, captureId).pending).toEqual(['leaks', 'peak']);
    const sensitive = exportTree(rpc, captureId, PEAK, 200);
    fs.writeFileSync(gate, '');
    expect(fromDocument((await sensitive).root)).toEqual(memray(PEAK, 200));
    expect(indexState(indexDir, captureId).pending).toEqual([]);
  });

  it('GIVEN the order held WHEN an order-dependent request is cancelled THEN it gets RequestCancelled and the order job goes on to its end (no worker left)', async () => {
    const { rpc, gate, captureId, indexDir } = await heldOpen();
    const cancel = new CancellationTokenSource();
    const waiting = rpc.conn.sendRequest(TreeExportRequest.type, { captureId, mode: PEAK, biggestAllocs: 200 }, cancel.token).then(() => undefined, (e: unknown) => e);
    // The daemon handles a connection's messages in order, each on a macrotask of its own: once a
    // later request is answered, the export waits for the order job (a cancel sent with the
    // request itself: the next test).
    expect(await jobKeys(rpc)).toEqual([`memray order:${captureId}`]);
    cancel.cancel();
    expect(((await waiting) as ResponseError<unknown>).code).toBe(MemtreeErrorCodes.RequestCancelled);
    expect(await jobKeys(rpc)).toEqual([`memray order:${captureId}`]);
    fs.writeFileSync(gate, '');
    await waitFor(async () => ((await rpc.conn.sendRequest(DaemonStatusRequest.type)).usage.workerThreads === 0 ? true : undefined), 30_000, 'no worker thread');
    expect(await jobKeys(rpc)).toEqual([]);
    expect(indexState(indexDir, captureId).pending).toEqual([]);
    expect(fromDocument((await exportTree(rpc, captureId, PEAK, 200)).root)).toEqual(memray(PEAK, 200));
  });

  it('GIVEN the order held WHEN an order-dependent request is cancelled at once (its cancel sent with it) THEN it gets RequestCancelled', async () => {
    const { rpc, gate, captureId } = await heldOpen();
    const cancel = new CancellationTokenSource();
    const waiting = rpc.conn.sendRequest(TreeExportRequest.type, { captureId, mode: PEAK, biggestAllocs: 200 }, cancel.token).then(() => undefined, (e: unknown) => e);
    cancel.cancel();
    // Without the daemon seeing the cancel, the export would wait for the held order forever.
    expect(((await waiting) as ResponseError<unknown>).code).toBe(MemtreeErrorCodes.RequestCancelled);
    fs.writeFileSync(gate, '');
    expect(fromDocument((await exportTree(rpc, captureId, PEAK, 200)).root)).toEqual(memray(PEAK, 200));
  });

  it('GIVEN the order held WHEN the capture is forgotten THEN its order job stops (no worker left) and the index goes', async () => {
    const { rpc, captureId, indexDir } = await heldOpen();
    await rpc.conn.sendRequest(CaptureForgetRequest.type, { captureId });
    expect(await jobKeys(rpc)).toEqual([]);
    await waitFor(async () => ((await rpc.conn.sendRequest(DaemonStatusRequest.type)).usage.workerThreads === 0 ? true : undefined), 30_000, 'no worker thread');
    expect(fs.readdirSync(indexDir).filter((f) => f.includes(captureId))).toEqual([]);
  });

  it("GIVEN the order held WHEN temporary thresholds 0, 1 and 5 are asked THEN each is stored in its pass's order marked pending and an order-dependent view of one waits; after a kill -9 a new memtreed's order job resolves them all: memray's trees", async () => {
    const capture = 'temporary_v11';
    const temp = (threshold: number): SnapshotMode => ({ kind: 'temporary', threshold });
    const theirs = (threshold: number, b: number) => fromMemray(readExpected<MemrayTreeFile>(capture, `temp${threshold}-b${b}.json`));
    const { daemon, rpc, file, captureId, indexDir } = await heldOpen(capture);
    for (const t of [0, 1, 5]) await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: file, modes: [temp(t)] });
    // The temporary jobs stored their pass's order (the held order job is the index's).
    expect(indexState(indexDir, captureId).pending).toEqual(['leaks', 'peak', 'temp:0', 'temp:1', 'temp:5']);
    let answered = false;
    void exportTree(rpc, captureId, temp(1), 1000000).then(
      () => (answered = true),
      () => undefined, // the daemon is killed below
    );
    // Requests are handled in order: once a later one is answered, the export waits for the order.
    expect(await jobKeys(rpc)).toEqual([`memray order:${captureId}`]);
    expect(answered).toBe(false);
    await daemon.kill9();
    rpc.close();
    expect(indexState(indexDir, captureId).pending).toEqual(['leaks', 'peak', 'temp:0', 'temp:1', 'temp:5']);

    const again = await DaemonInstance.start({ stateDir: daemon.stateDir });
    cleanup.push(() => again.stop());
    const rpc2 = await again.connect();
    cleanup.push(() => rpc2.close());
    const open = await rpc2.conn.sendRequest(CaptureOpenRequest.type, { path: file, modes: [temp(5)] });
    expect(open).toMatchObject({ captureId, indexed: false });
    expect(fromDocument((await exportTree(rpc2, captureId, temp(5), 1000000)).root)).toEqual(theirs(5, 1000000));
    // One order job read the capture once per threshold: nothing is left pending.
    expect(indexState(indexDir, captureId).pending).toEqual([]);
    for (const t of [0, 1, 5]) {
      for (const b of [10, 200, 1000000]) expect(fromDocument((await exportTree(rpc2, captureId, temp(t), b)).root), `temp${t} -b ${b}`).toEqual(theirs(t, b));
    }
  });
});

// Every version 9-11 capture of the fixtures, every mode and -b, through the order job's own
// read (the index written with the order held, memtreed killed, a new one started): memray's.
describe("every memray <= 1.19 capture of the fixtures, indexed with its order pending, after a kill -9: memray's trees", () => {
  const cases = expectedTreeModes().filter(([capture]) => hashOrdered(capture) && fs.existsSync(path.join(CAPTURES, `${capture}.bin`)));
  const captures = [...new Set(cases.map(([c]) => c))];
  const modeOf = (m: string): SnapshotMode => (m === 'peak' || m === 'leaks' ? { kind: m } : { kind: 'temporary', threshold: Number(m.slice(4)) });

  // 20 worker-thread passes and 147 trees: seconds here, more on a loaded machine (explicit timeout).
  it(`${captures.length} captures, ${cases.length} modes, -b 10 / 200 / 1000000`, async () => {
    expect(captures.length).toBe(20);
    const dir = tempDir('memtree-order-index-');
    const daemon = await DaemonInstance.start({ env: { MEMTREE_TEST_ORDER_GATE: path.join(dir, 'gate') } });
    cleanup.push(() => daemon.stop());
    const rpc = await daemon.connect();
    let pending = 0;
    const { indexDir } = await rpc.conn.sendRequest(DaemonStatusRequest.type);
    for (const capture of captures) {
      const temp = cases.filter(([c, m]) => c === capture && m.startsWith('temp')).map(([, m]) => modeOf(m));
      const open = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: path.join(CAPTURES, `${capture}.bin`), modes: temp });
      if (indexState(indexDir, open.captureId).pending.length > 0) pending++;
    }
    // Most have ties (the rest have no order to wait for).
    expect(pending).toBeGreaterThanOrEqual(15);
    rpc.close();
    await daemon.kill9();

    const again = await DaemonInstance.start({ stateDir: daemon.stateDir });
    cleanup.push(() => again.stop());
    const rpc2 = await again.connect();
    cleanup.push(() => rpc2.close());
    for (const [capture, mode] of cases) {
      const m = modeOf(mode);
      const open = await rpc2.conn.sendRequest(CaptureOpenRequest.type, { path: path.join(CAPTURES, `${capture}.bin`), modes: [m] });
      expect(open.indexed, capture).toBe(false);
      for (const b of [10, 200, 1000000]) {
        const doc = await exportTree(rpc2, open.captureId, m, b);
        const expected = readExpected<MemrayTreeFile>(capture, `${mode}-b${b}.json`);
        expect(fromDocument(doc.root), `${capture} ${mode} -b ${b}`).toEqual(fromMemray(expected));
        const e = expected.elided_locations;
        expect(doc.elided).toEqual({ locations: e.n_locations, allocations: e.n_allocations, bytes: e.n_bytes });
      }
    }
  }, 180_000);
});

