/**
 * Faults and concurrency against a real memtreed: killed mid-index, many clients while
 * another capture indexes, a capture rewritten after indexing, a corrupt index file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CancellationTokenSource, ResponseError } from 'vscode-jsonrpc';
import { CaptureForgetRequest, CaptureOpenRequest, CaptureProgressNotification } from '../../protocol/src/capture.js';
import { DaemonStatusRequest } from '../../protocol/src/daemon.js';
import { MemtreeErrorCodes } from '../../protocol/src/errors.js';
import { displayedChildren, DEFAULT_FILTER } from '../../protocol/src/display.js';
import type { TreeDocument, TreeDocumentNode } from '../../protocol/src/tree-document.js';
import { TreeExpandRequest, TreeExportRequest, type ViewOptions } from '../../protocol/src/tree.js';
import { DaemonInstance, tempStateDir, waitFor, type Rpc } from '../helpers/daemon-instance.js';
import { localTreeOf } from '../helpers/local-tree.js';
import { CAPTURES } from '../helpers/paths.js';
import { generateWorkerCapture } from '../helpers/big-capture.js';

const VIEW: ViewOptions = { mode: { kind: 'peak' }, biggestAllocs: 200, hideImportSystem: false, hideUninteresting: true };
const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0)) await f();
});

let big: string;
beforeAll(() => {
  // Two seconds or so of indexing (40 000 live allocations on distinct deep stacks make a big
  // tree to store; reading it in-process for the expected document takes a fraction of that):
  // long enough to kill the daemon mid-index, or for 20 clients to walk another capture several
  // times over meanwhile, on a loaded machine too.
  big = path.join(tempStateDir('memtree-big-'), 'big.bin');
  generateWorkerCapture(big);
});

async function expected(file: string): Promise<TreeDocument> {
  return (await localTreeOf(file)).doc;
}

async function exportTree(rpc: Rpc, file: string): Promise<{ captureId: string; indexed: boolean; doc: TreeDocument }> {
  const open = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: file });
  const doc = await rpc.conn.sendRequest(TreeExportRequest.type, { captureId: open.captureId, mode: { kind: 'peak' }, biggestAllocs: 200 });
  return { captureId: open.captureId, indexed: open.indexed, doc };
}

/** Walks the default view of a capture with tree/expand and returns its rows. */
async function walkRows(rpc: Rpc, captureId: string): Promise<string[]> {
  const rows: string[] = [];
  const walk = async (id: number, depth: number): Promise<void> => {
    const page = await rpc.conn.sendRequest(TreeExpandRequest.type, { captureId, view: VIEW, nodeId: id, limit: 10000 });
    for (const n of page.nodes) {
      rows.push(`${depth} ${n.function} ${n.file}:${n.line} ${n.bytes}`);
      if (n.childCount > 0) await walk(n.id, depth + 1);
    }
  };
  await walk(0, 0);
  return rows;
}

function docRows(doc: TreeDocument): string[] {
  const rows: string[] = [];
  const walk = (n: TreeDocumentNode, depth: number): void => {
    for (const c of displayedChildren(n.children, (x) => x.children, DEFAULT_FILTER)) {
      rows.push(`${depth} ${c.function} ${c.file}:${c.line} ${c.bytes}`);
      walk(c, depth + 1);
    }
  };
  walk(doc.root, 0);
  return rows;
}

function indexFiles(stateDir: string): string[] {
  return fs.readdirSync(path.join(stateDir, 'index')).sort();
}

describe('memtreed faults', () => {
  it('kill -9 in the middle of indexing: nothing half-built is served, a new daemon re-indexes correctly', async () => {
    const d = await DaemonInstance.start();
    const rpc = await d.connect();
    const reading = new Promise<void>((resolve) => {
      rpc.conn.onNotification(CaptureProgressNotification.type, (p) => {
        if (p.phase === 'reading' && p.percent > 0) resolve();
      });
    });
    void rpc.conn.sendRequest(CaptureOpenRequest.type, { path: big }).catch(() => undefined);
    await reading;
    await d.kill9();
    rpc.close();
    expect(indexFiles(d.stateDir).filter((f) => f.endsWith('.sqlite'))).toEqual([]);

    const again = await DaemonInstance.start({ stateDir: d.stateDir });
    cleanup.push(() => again.stop());
    const rpc2 = await again.connect();
    try {
      const r = await exportTree(rpc2, big);
      expect(r.indexed).toBe(true);
      expect(r.doc).toEqual(await expected(big));
      expect(indexFiles(d.stateDir).filter((f) => f.includes('.partial'))).toEqual([]);
    } finally {
      rpc2.close();
    }
  }, 120_000);

  it('20 clients expanding nodes while another capture indexes all get correct answers', async () => {
    const d = await DaemonInstance.start();
    cleanup.push(() => d.stop());
    // threads.bin: 26 expansions per walk, so all 20 walks take a fraction of the indexing
    // (about a twentieth at load 7).
    const small = path.join(CAPTURES, 'threads.bin');
    const want = docRows(await expected(small));
    const first = await d.connect();
    const { captureId } = await exportTree(first, small);
    const clients = await Promise.all(Array.from({ length: 20 }, () => d.connect()));
    // Should the indexing still end before the walks (this process starved far more than the
    // daemon's worker), the capture is forgotten and indexed again: 3 attempts.
    for (let attempt = 1; ; attempt++) {
      let indexed = false;
      const indexing = exportTree(first, big).finally(() => (indexed = true));
      // The other capture is being indexed before the 20 clients start walking the tree...
      expect((await first.conn.sendRequest(DaemonStatusRequest.type)).jobs).toHaveLength(1);
      const results = await Promise.all(clients.map((c) => walkRows(c, captureId)));
      // ...and still is after every walk has finished: the walks overlapped the indexing throughout.
      const overlapped = !indexed && (await first.conn.sendRequest(DaemonStatusRequest.type)).jobs.length === 1;
      for (const rows of results) expect(rows).toEqual(want);
      const done = await indexing;
      expect(done.doc).toEqual(await expected(big));
      if (overlapped) break;
      expect(attempt, 'the walks overlapped the indexing').toBeLessThan(3);
      await first.conn.sendRequest(CaptureForgetRequest.type, { captureId: done.captureId });
    }
    for (const c of [first, ...clients]) c.close();
  }, 120_000);

  it('a capture rewritten after indexing is re-indexed, and the old index removed', async () => {
    const d = await DaemonInstance.start();
    cleanup.push(() => d.stop());
    const file = path.join(tempStateDir('memtree-rewrite-'), 'capture.bin');
    fs.copyFileSync(path.join(CAPTURES, 'simple.bin'), file);
    const rpc = await d.connect();
    try {
      const a = await exportTree(rpc, file);
      expect(a.doc.root).toEqual((await expected(path.join(CAPTURES, 'simple.bin'))).root);
      fs.copyFileSync(path.join(CAPTURES, 'threads.bin'), file);
      const b = await exportTree(rpc, file);
      expect(b.indexed).toBe(true);
      expect(b.captureId).not.toBe(a.captureId);
      expect(b.doc.root).toEqual((await expected(path.join(CAPTURES, 'threads.bin'))).root);
      expect(indexFiles(d.stateDir).filter((f) => f.endsWith('.sqlite'))).toHaveLength(1);
    } finally {
      rpc.close();
    }
  });

  it('a corrupt or truncated index file is discarded and rebuilt', async () => {
    const stateDir = tempStateDir();
    const file = path.join(CAPTURES, 'threads.bin');
    const want = await expected(file);
    for (const damage of ['garbage', 'truncate'] as const) {
      const d = await DaemonInstance.start({ stateDir });
      let rpc = await d.connect();
      expect((await exportTree(rpc, file)).doc).toEqual(want);
      rpc.close();
      await d.stop();
      const [index] = indexFiles(stateDir).filter((f) => f.endsWith('.sqlite'));
      const p = path.join(stateDir, 'index', index!);
      if (damage === 'garbage') {
        const fd = fs.openSync(p, 'r+');
        fs.writeSync(fd, Buffer.alloc(8192, 0xab), 0, 8192, 4096);
        fs.closeSync(fd);
      } else {
        fs.truncateSync(p, 5000);
      }
      const d2 = await DaemonInstance.start({ stateDir });
      rpc = await d2.connect();
      const r = await exportTree(rpc, file);
      expect(r.indexed).toBe(true);
      expect(r.doc).toEqual(want);
      rpc.close();
      await d2.stop();
    }
  });
});


describe('cancellation', () => {
  it('capture/open cancelled by every waiter stops the indexing and leaves no partial file; a later open indexes it fully', async () => {
    const d = await DaemonInstance.start();
    cleanup.push(() => d.stop());
    const [a, b] = [await d.connect(), await d.connect()];
    const reading = new Promise<void>((resolve) => {
      a.conn.onNotification(CaptureProgressNotification.type, (p) => {
        if (p.phase === 'reading' && p.percent > 0) resolve();
      });
    });
    const [ta, tb] = [new CancellationTokenSource(), new CancellationTokenSource()];
    const openA = a.conn.sendRequest(CaptureOpenRequest.type, { path: big }, ta.token).catch((e: unknown) => e);
    const openB = b.conn.sendRequest(CaptureOpenRequest.type, { path: big }, tb.token).catch((e: unknown) => e);
    await reading;
    // One waiter leaves: the shared job goes on for the other.
    ta.cancel();
    expect(((await openA) as ResponseError).code).toBe(MemtreeErrorCodes.RequestCancelled);
    expect((await a.conn.sendRequest(DaemonStatusRequest.type)).jobs).toHaveLength(1);
    // The last one leaves: the job stops and its .partial file goes.
    tb.cancel();
    expect(((await openB) as ResponseError).code).toBe(MemtreeErrorCodes.RequestCancelled);
    await waitFor(async () => ((await a.conn.sendRequest(DaemonStatusRequest.type)).jobs.length === 0 ? true : undefined));
    await waitFor(() => (indexFiles(d.stateDir).some((f) => f.includes('.partial')) ? undefined : true), 30_000, 'partial index removed');
    expect(indexFiles(d.stateDir).filter((f) => f.endsWith('.sqlite'))).toEqual([]);

    const r = await exportTree(b, big);
    expect(r.indexed).toBe(true);
    expect(r.doc).toEqual(await expected(big));
    a.close();
    b.close();
  }, 120_000);
});
