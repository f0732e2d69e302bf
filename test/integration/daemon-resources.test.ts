/**
 * memtreed's resources stay bounded, with real daemons: open indexes close when idle and beyond
 * a count (file descriptors flat), the index directory keeps to its budget (least recently
 * opened evicted, never one in use), any integer `-b` means what it means to memray, and
 * `memtree cache list | clear` show and delete indexes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CaptureListRequest, CaptureOpenRequest } from '../../protocol/src/capture.js';
import { DEFAULT_FILTER } from '../../protocol/src/display.js';
import { DaemonStatusRequest, type StatusResult } from '../../protocol/src/daemon.js';
import { TreeExportRequest, TreeRootRequest } from '../../protocol/src/tree.js';
import { DaemonInstance, waitFor, type Rpc } from '../helpers/daemon-instance.js';
import { CAPTURES, tempDir } from '../helpers/paths.js';
import { runMemtree, runTreeBothWays } from '../helpers/run-cli.js';
import { generateCapture } from '../bench/generate-capture.js';
import { SMALL_CAPTURE_MAX_BYTES } from '../../daemon/src/capture/small-capture.js';

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const SIMPLE = path.join(CAPTURES, 'simple.bin');
const PEAK = { kind: 'peak' } as const;
const VIEW = { mode: PEAK, biggestAllocs: 200, ...DEFAULT_FILTER };

async function daemon(args: string[]): Promise<{ d: DaemonInstance; rpc: Rpc }> {
  const d = await DaemonInstance.start({ args });
  cleanup.push(() => fs.rmSync(d.stateDir, { recursive: true, force: true }), () => d.stop());
  const rpc = await d.connect();
  cleanup.push(() => rpc.close());
  return { d, rpc };
}

/** `count` copies of simple.bin under distinct paths: distinct captures, one index each. */
function copies(count: number): string[] {
  const dir = tempDir('memtree-copies-');
  cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return Array.from({ length: count }, (_, i) => {
    const p = path.join(dir, `copy-${i}.bin`);
    fs.copyFileSync(SIMPLE, p);
    return p;
  });
}

function status(rpc: Rpc): Promise<StatusResult> {
  return rpc.conn.sendRequest(DaemonStatusRequest.type);
}

function indexFiles(d: DaemonInstance): string[] {
  return fs.readdirSync(path.join(d.stateDir, 'index')).filter((f) => /^[0-9a-f]{12}-[0-9a-f]{24}\.sqlite$/.test(f));
}

describe('bounded resources', () => {
  it('open indexes close when unused; their ids keep working; file descriptors come back down', async () => {
    const { rpc } = await daemon(['--capture-idle', '0.3']);
    const before = (await status(rpc)).usage.fileDescriptors;
    const open = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: SIMPLE });
    const view = VIEW;
    const asked = Date.now();
    const first = await rpc.conn.sendRequest(TreeRootRequest.type, { captureId: open.captureId, view });
    // Open while used: closed already only if the root and the status took 0.3 s (the daemon
    // last used it after `asked`), which a loaded machine may take.
    if ((await status(rpc)).usage.openCaptures !== 1) expect(Date.now() - asked).toBeGreaterThanOrEqual(300);
    const closed = await waitFor(async () => {
      const s = await status(rpc);
      return s.usage.openCaptures === 0 ? s : undefined;
    });
    expect(closed.captures).toEqual([]);
    if (before >= 0) expect(closed.usage.fileDescriptors).toBeLessThanOrEqual(before);
    // The id still answers: the index reopens from its file.
    expect(await rpc.conn.sendRequest(TreeRootRequest.type, { captureId: open.captureId, view })).toEqual(first);
    expect((await status(rpc)).usage.openCaptures).toBe(1);
  });

  it('at most --max-open indexes are open; file descriptors stay flat over more captures', async () => {
    const { rpc } = await daemon(['--max-open', '2']);
    const paths = copies(8);
    const openOne = async (p: string) => {
      const open = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: p });
      await rpc.conn.sendRequest(TreeRootRequest.type, { captureId: open.captureId, view: VIEW });
      expect((await status(rpc)).usage.openCaptures).toBeLessThanOrEqual(2);
    };
    // Workers of finished jobs close their descriptors a moment after answering: wait for that.
    const fds = async () => (await status(rpc)).usage.fileDescriptors;
    for (const p of paths.slice(0, 2)) await openOne(p);
    let baseline = await fds();
    await waitFor(async () => {
      const now = await fds();
      if (now === baseline) return true;
      baseline = now;
      await new Promise((r) => setTimeout(r, 100));
      return undefined;
    });
    for (const p of paths.slice(2)) await openOne(p);
    // Unbounded, each capture would add 3 (database, WAL, shared memory): 18 more.
    if (baseline >= 0) await waitFor(async () => ((await fds()) <= baseline + 1 ? true : undefined), 30_000, 'fds back to the baseline');
    expect((await rpc.conn.sendRequest(CaptureListRequest.type)).captures).toHaveLength(8);
  });

  it('the index directory keeps to --cache-size: least recently opened evicted first, never an open one', async () => {
    // One closed index of simple.bin, measured, sets a budget for two and a half of them (an
    // open one has a shared-memory file too).
    const probe = await daemon(['--capture-idle', '0.2']);
    await probe.rpc.conn.sendRequest(CaptureOpenRequest.type, { path: SIMPLE });
    const one = await waitFor(async () => {
      const u = (await status(probe.rpc)).usage;
      return u.openCaptures === 0 ? u.indexDirBytes : undefined;
    });
    expect(one).toBeGreaterThan(0);

    const [a, b, c] = copies(3) as [string, string, string];
    const { d, rpc } = await daemon(['--max-open', '1', '--cache-size', String(Math.floor(one * 2.5))]);
    const ids: string[] = [];
    for (const p of [a, b, c]) ids.push((await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: p })).captureId);
    const listed = async () => (await rpc.conn.sendRequest(CaptureListRequest.type)).captures.map((x) => x.path).sort();
    expect(await listed()).toEqual([b, c]);
    expect((await status(rpc)).usage.indexDirBytes).toBeLessThanOrEqual(Math.floor(one * 2.5));
    // Reopening a is indexing it again; now b is the least recently opened.
    expect((await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: a })).indexed).toBe(true);
    expect(await listed()).toEqual([a, c]);

    // A budget smaller than one index: the open one stays (it is in use).
    const tiny = await daemon(['--cache-size', '1']);
    const kept = await tiny.rpc.conn.sendRequest(CaptureOpenRequest.type, { path: SIMPLE });
    expect((await tiny.rpc.conn.sendRequest(CaptureListRequest.type)).captures.map((x) => x.captureId)).toEqual([kept.captureId]);
    expect(indexFiles(d)).toHaveLength(2);
  });

  it('small Python captures are indexed on the daemon\'s thread; larger and native ones by a worker; the trees equal --no-daemon\'s', async () => {
    const { d, rpc } = await daemon([]);
    const dir = tempDir('memtree-threads-');
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const larger = path.join(dir, 'larger.bin');
    let records = 200_000;
    generateCapture(larger, { records, distinctStacks: 2_000 });
    while (fs.statSync(larger).size <= SMALL_CAPTURE_MAX_BYTES) generateCapture(larger, { records: (records *= 2), distinctStacks: 2_000 });
    expect(fs.statSync(SIMPLE).size).toBeLessThanOrEqual(SMALL_CAPTURE_MAX_BYTES);
    const native = path.join(CAPTURES, 'native_sqlite.bin');
    expect(fs.statSync(native).size).toBeLessThanOrEqual(SMALL_CAPTURE_MAX_BYTES);
    for (const file of [SIMPLE, larger]) expect((await runTreeBothWays(d.stateDir, ['--json', file])).code).toBe(0);
    expect((await runMemtree(['tree', '--json', '--state-dir', d.stateDir, native])).code).toBe(0);
    const started = fs
      .readFileSync(path.join(d.stateDir, 'memtreed.log'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"job started"'))
      .map((l) => JSON.parse(l) as { key: string; thread: string });
    expect(started.map((j) => j.thread)).toEqual(['daemon', 'worker', 'worker']);
    // The workers are gone once their jobs are, and status says so (memory samples wait for it).
    await waitFor(async () => ((await status(rpc)).usage.workerThreads === 0 ? true : undefined), 20_000, 'the worker threads to exit');
    const s = await status(rpc);
    expect(s.memory!.heapUsedBytes).toBeGreaterThan(0);
    expect(s.memory!.heapTotalBytes).toBeGreaterThanOrEqual(s.memory!.heapUsedBytes);
    expect(s.rssBytes).toBeGreaterThan(s.memory!.heapTotalBytes);
  });

  it('-b takes any integer with memray\'s meaning (Python slicing)', async () => {
    const { rpc } = await daemon([]);
    const open = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: SIMPLE });
    const exportOf = (b: number) => rpc.conn.sendRequest(TreeExportRequest.type, { captureId: open.captureId, mode: PEAK, biggestAllocs: b });
    const all = await exportOf(1e9);
    expect(all.elided.locations).toBe(0);
    // The number of records: -b n keeps all, -b n-1 elides exactly one.
    let n = 1;
    while ((await exportOf(n)).elided.locations > 0) n++;
    const { biggestAllocs: _a, ...minusThree } = await exportOf(-3);
    const { biggestAllocs: _b, ...nMinusThree } = await exportOf(n - 3);
    expect(minusThree).toEqual(nMinusThree);
    expect(nMinusThree.elided.locations).toBe(3);
    const none = await exportOf(-1e300);
    expect(none.root.bytes).toBe(0);
    expect(none.elided.locations).toBe(n);
    const { biggestAllocs: _c, ...huge } = await exportOf(1e300);
    const { biggestAllocs: _d, ...whole } = all;
    expect(huge).toEqual(whole);
    expect(none.biggestAllocs).toBe(-1e300);
    // Non-integers are refused.
    await expect(exportOf(1.5)).rejects.toMatchObject({ code: -32602 });
  });

  it('memtree cache list | clear [CAPTURE] show and delete indexes', async () => {
    const { d } = await daemon([]);
    const [a, b] = copies(2) as [string, string];
    for (const p of [a, b]) expect((await runMemtree(['tree', '--json', '--state-dir', d.stateDir, p])).code).toBe(0);
    const list = await runMemtree(['cache', 'list', '--state-dir', d.stateDir]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(a);
    expect(list.stdout).toContain(b);
    expect(list.stdout).toMatch(/2 indexes; .* of 2\.147GB in /);
    const json = JSON.parse((await runMemtree(['cache', 'list', '--json', '--state-dir', d.stateDir])).stdout);
    expect(json.captures).toHaveLength(2);
    expect(json.usage.indexDirBytes).toBeGreaterThan(0);

    // A relative path names the capture from the caller's directory.
    const one = await runMemtree(['cache', 'clear', '--state-dir', d.stateDir, path.basename(a)], { cwd: path.dirname(a) });
    expect(one.stdout).toMatch(/^removed 1 index \(/);
    const after = await runMemtree(['cache', 'list', '--state-dir', d.stateDir]);
    expect(after.stdout).not.toContain(a);
    expect(after.stdout).toContain(b);
    expect((await runMemtree(['cache', 'clear', '--state-dir', d.stateDir])).stdout).toMatch(/^removed 1 index/);
    expect(indexFiles(d)).toEqual([]);
    expect((await runMemtree(['cache', 'frob', '--state-dir', d.stateDir])).code).toBe(2);
  });
});
