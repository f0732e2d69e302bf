/**
 * Protocol promises a script relies on, against a real memtreed: ids from capture/list outlive
 * a restart, and `memtree rpc` resolves relative paths against the caller's directory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CaptureListRequest, CaptureOpenRequest } from '../../protocol/src/capture.js';
import { MemtreeErrorCodes } from '../../protocol/src/errors.js';
import { TreeExportRequest } from '../../protocol/src/tree.js';
import { DaemonInstance } from '../helpers/daemon-instance.js';
import { localTreeOf } from '../helpers/local-tree.js';
import { CAPTURES } from '../helpers/paths.js';
import { runMemtree } from '../helpers/run-cli.js';

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0)) await f();
});

function started(d: DaemonInstance): DaemonInstance {
  cleanup.push(() => d.stop());
  return d;
}

describe('protocol loose ends', () => {
  it('an id from capture/list works after a daemon restart', async () => {
    const file = path.join(CAPTURES, 'threads.bin');
    const d = started(await DaemonInstance.start());
    cleanup.push(() => fs.rmSync(d.stateDir, { recursive: true, force: true }));
    const rpc = await d.connect();
    const opened = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: file });
    rpc.close();
    await d.stop();

    const again = started(await DaemonInstance.start({ stateDir: d.stateDir }));
    const rpc2 = await again.connect();
    try {
      const { captures } = await rpc2.conn.sendRequest(CaptureListRequest.type);
      expect(captures.map((c) => [c.captureId, c.path])).toEqual([[opened.captureId, file]]);
      const doc = await rpc2.conn.sendRequest(TreeExportRequest.type, { captureId: captures[0]!.captureId, mode: { kind: 'peak' }, biggestAllocs: 200 });
      expect(doc).toEqual((await localTreeOf(file)).doc);
      // An id no index has is still an UnknownCapture error.
      await expect(
        rpc2.conn.sendRequest(TreeExportRequest.type, { captureId: '0'.repeat(24), mode: { kind: 'peak' }, biggestAllocs: 200 }),
      ).rejects.toMatchObject({ code: MemtreeErrorCodes.UnknownCapture });
    } finally {
      rpc2.close();
    }
  });

  it('memtree rpc resolves a relative capture path against the caller\'s directory, not the daemon\'s', async () => {
    const d = started(await DaemonInstance.start());
    cleanup.push(() => fs.rmSync(d.stateDir, { recursive: true, force: true }));
    const env = { MEMTREE_STATE_DIR: d.stateDir };
    const r = await runMemtree(['rpc', '--no-spawn', 'capture/open', '{"path": "simple.bin"}'], { env, cwd: CAPTURES });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { captureId, info } = JSON.parse(r.stdout);
    expect(info.peakMemory).toBe((await localTreeOf(path.join(CAPTURES, 'simple.bin'))).doc.capture.peakMemory);
    // node/detail's source lookup gets the caller's directory too.
    const detail = await runMemtree(
      ['rpc', '--no-spawn', 'node/detail', JSON.stringify({ captureId, nodeId: 1, view: { mode: { kind: 'peak' }, biggestAllocs: 200 } })],
      { env, cwd: CAPTURES },
    );
    expect(detail.code).toBe(0);
    // A cwd given by the caller wins.
    const other = await runMemtree(['rpc', '--no-spawn', 'capture/open', JSON.stringify({ path: 'simple.bin', cwd: d.stateDir })], { env, cwd: CAPTURES });
    expect(other.code).toBe(1);
    expect(JSON.parse(other.stderr).message).toBe('No such file: simple.bin');
  });
});
