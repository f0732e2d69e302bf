// Provisional trees through a real memtreed (issue 13 item 3): tree/* on a capture still being
// indexed, with the capture id of its progress notifications, answers from the peak so far,
// marked `provisional`; a pinned tree keeps its node ids; once indexing ends the answers are
// final (no mark), the final peak is at least every provisional one, and a pinned provisional
// tree is gone. Provisional roots carry the capture's sys.path and format (module names). A
// generated capture big enough to index for seconds; no timing asserts.
import * as path from 'node:path';
import { ResponseError } from 'vscode-jsonrpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureForgetRequest, CaptureOpenRequest, CaptureProgressNotification } from '../../protocol/src/capture.js';
import { MemtreeErrorCodes } from '../../protocol/src/errors.js';
import { TreeExpandRequest, TreeRootRequest, type ViewOptions } from '../../protocol/src/tree.js';
import { generateCapture } from '../bench/generate-capture.js';
import { DaemonInstance } from '../helpers/daemon-instance.js';
import { tempDir } from '../helpers/paths.js';

const view: ViewOptions = { mode: { kind: 'peak' }, biggestAllocs: 200, hideImportSystem: false, hideUninteresting: true };

describe('provisional trees while a capture is indexed', () => {
  let daemon: DaemonInstance;
  let capture: string;

  beforeAll(async () => {
    capture = path.join(tempDir('memtree-provisional-'), 'big.bin');
    generateCapture(capture, { records: 4_000_000, distinctStacks: 20_000, threads: 3, seed: 3 });
    daemon = await DaemonInstance.start();
  }, 120_000);

  afterAll(async () => {
    await daemon?.stop();
  });

  it('tree/root and tree/expand answer provisionally while indexing, then finally; a pinned tree goes with the index', async () => {
    const rpc = await daemon.connect();
    try {
      // The first tree/root goes out at the first progress notification. Should the indexing end
      // before it reaches the daemon (this process starved that long on a loaded machine), the
      // answer is the final tree, the open is done, and the capture is forgotten and opened again.
      let open, captureId, first;
      for (let attempt = 1; ; attempt++) {
        const idOf = new Promise<string>((resolve) => rpc.conn.onNotification(CaptureProgressNotification.type, (p) => resolve(p.captureId)));
        open = rpc.conn.sendRequest(CaptureOpenRequest.type, { path: capture });
        captureId = await idOf;
        first = await rpc.conn.sendRequest(TreeRootRequest.type, { captureId, view });
        if (first.provisional !== undefined || attempt === 3) break;
        expect(first.peakMemory).toBe((await open).info.peakMemory);
        await rpc.conn.sendRequest(CaptureForgetRequest.type, { captureId });
      }
      const p = first.provisional!;
      expect(p).toBeDefined();
      expect(p.tree).toBeGreaterThan(0);
      expect(p.percent).toBeGreaterThanOrEqual(0);
      expect(p.percent).toBeLessThanOrEqual(100);
      expect(first.peakMemory).toBe(p.peakBytes);
      expect(first.root.bytes).toBeGreaterThan(0);
      expect(first.root.bytes).toBeLessThanOrEqual(p.peakBytes); // -b 200 of the peak so far
      // Pinned: the same tree whatever newer snapshots came meanwhile.
      const page = await rpc.conn.sendRequest(TreeExpandRequest.type, { captureId, view, nodeId: 0, limit: 50, provisionalTree: p.tree });
      expect(page.provisional?.tree).toBe(p.tree);
      expect(page.total).toBe(first.root.childCount);
      expect(page.nodes.reduce((s, n) => s + n.bytes, 0)).toBeLessThanOrEqual(first.root.bytes);

      const opened = await open;
      expect(p.peakBytes).toBeLessThanOrEqual(opened.info.peakMemory);
      // Labelled as the final tree is (protocol 1.5): the sys.path and format capture/open gives later.
      expect(first.capture).toEqual({ searchPath: opened.searchPath, formatVersion: opened.info.formatVersion, writtenBy: opened.info.writtenBy });
      expect(opened.searchPath).toEqual(['/app', '/usr/lib/python3.11']);
      const final = await rpc.conn.sendRequest(TreeRootRequest.type, { captureId, view });
      expect(final.provisional).toBeUndefined();
      expect(final.capture).toBeUndefined();
      expect(final.peakMemory).toBe(opened.info.peakMemory);
      const gone = await rpc.conn.sendRequest(TreeRootRequest.type, { captureId, view, provisionalTree: p.tree }).catch((e: unknown) => e);
      expect(gone).toBeInstanceOf(ResponseError);
      expect((gone as ResponseError<unknown>).code).toBe(MemtreeErrorCodes.ProvisionalGone);
    } finally {
      rpc.close();
    }
  }, 120_000);
});
