/**
 * The daemon's handlers as plain functions, without a socket: a real index on disk, jobs run
 * in-process, a pino logger writing nowhere.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ResponseError } from 'vscode-jsonrpc';
import type { CaptureProgressParams } from '../../protocol/src/capture.js';
import { MemtreeErrorCodes } from '../../protocol/src/errors.js';
import { PROTOCOL_VERSION, daemonIsOutdated } from '../../protocol/src/version.js';
import type { ViewOptions } from '../../protocol/src/tree.js';
import * as capture from '../../daemon/src/handlers/capture.js';
import type { ConnectionContext } from '../../daemon/src/handlers/context.js';
import * as daemon from '../../daemon/src/handlers/daemon.js';
import * as tree from '../../daemon/src/handlers/tree.js';
import type { FileLines } from '../../daemon/src/source/read-source.js';
import { handlerContext } from '../helpers/handler-context.js';
import { tempStateDir } from '../helpers/daemon-instance.js';
import { CAPTURES } from '../helpers/paths.js';

/** Where memray was installed on the machine that recorded the fixtures. */
const RUN_PY = '/usr/local/lib/python3.11/dist-packages/memray/commands/run.py';

const progress: CaptureProgressParams[] = [];
let ctx: ConnectionContext;

beforeAll(() => {
  ctx = handlerContext(path.join(tempStateDir(), 'index'), (p) => progress.push(p));
});

const view: ViewOptions = { mode: { kind: 'peak' }, biggestAllocs: 200, hideImportSystem: false, hideUninteresting: true };

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<number | undefined> {
  try {
    await (typeof p === 'function' ? p() : p);
    return undefined;
  } catch (err) {
    if (err instanceof ResponseError) return err.code;
    throw err;
  }
}

describe('handlers', () => {
  it('initialize accepts protocol 1.x and rejects other majors', async () => {
    expect(daemon.initialize(ctx, { protocolVersion: '1.7', clientVersion: 'x' }).protocolVersion).toBe(PROTOCOL_VERSION);
    expect(await codeOf(() => daemon.initialize(ctx, { protocolVersion: '2.0', clientVersion: 'x' }))).toBe(MemtreeErrorCodes.ProtocolMismatch);
    expect(await codeOf(() => daemon.initialize(ctx, {}))).toBe(-32602);
  });

  it('capture/open indexes once, reports progress, then reuses the index', async () => {
    const file = path.join(CAPTURES, 'simple.bin');
    const first = await capture.open(ctx, { path: file });
    expect(first.indexed).toBe(true);
    expect(first.info.peakMemory).toBe(19138731);
    expect(progress.some((p) => p.captureId === first.captureId && p.phase === 'done')).toBe(true);
    const second = await capture.open(ctx, { path: 'simple.bin', cwd: CAPTURES });
    expect(second).toMatchObject({ captureId: first.captureId, indexed: false });
    expect(capture.list(ctx).captures.map((c) => c.captureId)).toContain(first.captureId);
  });

  it('tree/root, tree/expand and node/detail follow the view', async () => {
    const { captureId } = await capture.open(ctx, { path: path.join(CAPTURES, 'simple.bin') });
    const root = await tree.root(ctx, { captureId, view });
    expect(root.root).toMatchObject({ id: 0, function: '<ROOT>', bytes: 19138731, childCount: 3 });
    const top = await tree.expand(ctx, { captureId, view, nodeId: 0 });
    expect(top.nodes.map((n) => [n.function, n.line])).toEqual([
      ['_run_tracker', 83],
      ['_run_tracker', 80],
      ['_run_tracker', 58],
    ]);
    // With uninteresting frames shown, runpy frames appear under the first node.
    const under = await tree.expand(ctx, { captureId, view: { ...view, hideUninteresting: false }, nodeId: top.nodes[0]!.id, limit: 1 });
    expect(under.nodes[0]).toMatchObject({ function: 'run_path', file: '<frozen runpy>', interesting: false });
    expect(under.total).toBe(3);
    const page = await tree.expand(ctx, { captureId, view, nodeId: 0, offset: 2, limit: 5 });
    expect(page).toMatchObject({ total: 3, offset: 2 });
    expect(page.nodes).toHaveLength(1);
    const detail = await tree.detail(ctx, { captureId, view, nodeId: top.nodes[0]!.id });
    expect(detail.node.function).toBe('_run_tracker');
    // Sources come from the fixtures only (the context's reader): memray's file is "not there",
    // whether or not memray is installed on this machine, and the answer says where it looked.
    expect(detail.source).toBeNull();
    expect(detail.sourceTried).toEqual([{ path: RUN_PY, problem: 'no such file' }]);
    expect((await tree.detail(ctx, { captureId, view, nodeId: top.nodes[0]!.id, source: false })).sourceTried).toBeUndefined();
    // A checkout root: /usr/local/…/run.py is tried as ROOT/usr/local/…/run.py, then ROOT/local/…, …, ROOT/run.py.
    const rooted = await tree.detail(ctx, { captureId, view, nodeId: top.nodes[0]!.id, sourceRoots: ['/elsewhere'] });
    const parts = RUN_PY.split('/').slice(1);
    expect(rooted.sourceTried!.map((t) => t.path)).toEqual([...parts.map((_, i) => path.join('/elsewhere', ...parts.slice(i))), RUN_PY]);
  });

  it('node/detail reads through the injected reader, and maps paths into --source-root checkouts', async () => {
    const lines = Array.from({ length: 100 }, (_, i) => `# run.py line ${i + 1}`);
    const files = new Map([[RUN_PY, lines], ['/checkout/memray/commands/run.py', lines.map((l) => `${l} (checkout)`)]]);
    const read = (f: string): FileLines => (files.has(f) ? { lines: files.get(f)! } : { problem: 'no such file' });
    const own = handlerContext(path.join(tempStateDir(), 'index'), () => {}, read);
    try {
      const { captureId } = await capture.open(own, { path: path.join(CAPTURES, 'simple.bin') });
      const nodeId = (await tree.expand(own, { captureId, view, nodeId: 0 })).nodes[0]!.id; // run.py:83
      const installed = await tree.detail(own, { captureId, view, nodeId, context: 1 });
      expect(installed.source).toEqual({ path: RUN_PY, firstLine: 82, lines: lines.slice(81, 84) });
      const mapped = await tree.detail(own, { captureId, view, nodeId, context: 0, sourceRoots: ['/checkout'] });
      expect(mapped.source).toEqual({ path: '/checkout/memray/commands/run.py', firstLine: 83, lines: ['# run.py line 83 (checkout)'] });
      // Not in the checkout: the recorded path is tried after it.
      expect((await tree.detail(own, { captureId, view, nodeId, context: 0, sourceRoots: ['/elsewhere'] })).source?.path).toBe(RUN_PY);
      expect(await codeOf(tree.detail(own, { captureId, view, nodeId, sourceRoots: 'x' }))).toBe(-32602);
      expect(await codeOf(tree.detail(own, { captureId, view, nodeId, source: 'no' }))).toBe(-32602);
    } finally {
      own.daemon.captures.closeAll();
    }
  });

  it('tree/export gives the JSON document, for another -b and mode too', async () => {
    const { captureId } = await capture.open(ctx, { path: path.join(CAPTURES, 'threads.bin') });
    const doc = await tree.exportTree(ctx, { captureId, mode: { kind: 'temporary', threshold: 1 }, biggestAllocs: 5 });
    expect(doc.mode).toEqual({ kind: 'temporary', threshold: 1 });
    expect(doc.biggestAllocs).toBe(5);
    expect(doc.elided.locations).toBeGreaterThan(0);
  });

  it('errors: unknown capture, unknown node, bad params, missing file, bad file, temporary of an aggregated capture', async () => {
    const { captureId } = await capture.open(ctx, { path: path.join(CAPTURES, 'simple.bin') });
    expect(await codeOf(tree.root(ctx, { captureId: 'nope', view }))).toBe(MemtreeErrorCodes.UnknownCapture);
    expect(await codeOf(tree.expand(ctx, { captureId, view, nodeId: 1e6 }))).toBe(MemtreeErrorCodes.UnknownNode);
    expect(await codeOf(tree.expand(ctx, { captureId, view, nodeId: 'x' }))).toBe(-32602);
    expect(await codeOf(tree.expand(ctx, { captureId, view: { ...view, mode: { kind: 'median' } }, nodeId: 0 }))).toBe(-32602);
    expect(await codeOf(tree.expand(ctx, { captureId, view, nodeId: 0, limit: 1e9 }))).toBe(-32602);
    expect(await codeOf(capture.open(ctx, { path: '/no/such.bin' }))).toBe(MemtreeErrorCodes.CaptureNotFound);
    expect(await codeOf(capture.open(ctx, { path: path.join(CAPTURES, 'bad_empty.bin') }))).toBe(MemtreeErrorCodes.CaptureInvalid);
    const agg = await capture.open(ctx, { path: path.join(CAPTURES, 'aggregated_simple.bin') });
    expect(await codeOf(tree.root(ctx, { captureId: agg.captureId, view: { ...view, mode: { kind: 'temporary', threshold: 1 } } }))).toBe(
      MemtreeErrorCodes.ModeUnavailable,
    );
    expect(await codeOf(capture.open(ctx, { path: path.join(CAPTURES, 'aggregated_simple.bin'), modes: [{ kind: 'temporary', threshold: 0 }] }))).toBe(
      MemtreeErrorCodes.ModeUnavailable,
    );
  });

  it('capture/forget deletes the index', async () => {
    const { captureId } = await capture.open(ctx, { path: path.join(CAPTURES, 'unicode.bin') });
    const before = ctx.daemon.captures.get(captureId).file;
    expect(fs.existsSync(before)).toBe(true);
    await capture.forget(ctx, { captureId });
    expect(fs.existsSync(before)).toBe(false);
    expect(await codeOf(tree.root(ctx, { captureId, view }))).toBe(MemtreeErrorCodes.UnknownCapture);
  });

  it('status reports the open captures', async () => {
    // A context of its own: what earlier tests opened does not matter.
    const own = handlerContext(path.join(tempStateDir(), 'index'));
    try {
      expect(daemon.status(own)).toMatchObject({ pid: process.pid, captures: [], clients: 1 });
      const file = path.join(CAPTURES, 'threads.bin');
      const { captureId } = await capture.open(own, { path: file });
      const s = daemon.status(own);
      expect(s.pid).toBe(process.pid);
      expect(s.captures).toEqual([{ captureId, path: file, state: 'ready' }]);
    } finally {
      own.daemon.captures.closeAll();
    }
  });
});

describe('daemonIsOutdated', () => {
  it('replaces another major or an older minor, keeps the same or a newer minor', () => {
    expect(daemonIsOutdated('0.9', '1.1')).toBe(true);
    expect(daemonIsOutdated('2.0', '1.1')).toBe(true);
    expect(daemonIsOutdated('1.0', '1.1')).toBe(true);
    expect(daemonIsOutdated('1.1', '1.1')).toBe(false);
    expect(daemonIsOutdated('1.5', '1.1')).toBe(false);
    expect(daemonIsOutdated('1', '1.0')).toBe(false);
  });
});
