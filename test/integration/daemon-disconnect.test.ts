/**
 * Clients leaving while a capture indexes (`q` during "Indexing…", Ctrl-C on a pipe, a script
 * closing its socket) must cost nothing but their own connection: the daemon keeps its pid, the
 * job goes on for the clients still waiting, and other clients keep getting correct answers.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureOpenRequest, CaptureProgressNotification } from '../../protocol/src/capture.js';
import { DaemonStatusRequest } from '../../protocol/src/daemon.js';
import type { TreeDocument } from '../../protocol/src/tree-document.js';
import { TreeExportRequest } from '../../protocol/src/tree.js';
import { generateCapture } from '../bench/generate-capture.js';
import { DaemonInstance, tempStateDir, type Rpc } from '../helpers/daemon-instance.js';
import { localTreeOf } from '../helpers/local-tree.js';
import { CAPTURES } from '../helpers/paths.js';

let dir: string;
let big: string;
let d: DaemonInstance;
beforeAll(async () => {
  dir = tempStateDir('memtree-disconnect-');
  big = path.join(dir, 'c10m.bin');
  // 10 M records: about a second to write, a few seconds to index on a loaded machine.
  generateCapture(big, { records: 10_000_000 });
  d = await DaemonInstance.start();
});
afterAll(async () => {
  await d?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  if (d !== undefined) fs.rmSync(d.stateDir, { recursive: true, force: true });
});

/** `p`, or a failure as soon as the daemon exits (a dead daemon never answers). */
function alive<T>(p: Promise<T>): Promise<T> {
  died ??= d.exited().then((code) => Promise.reject(new Error(`memtreed exited (${code}): ${d.stderr.join('')}`)));
  died.catch(() => undefined);
  return Promise.race([p, died]);
}
let died: Promise<never> | undefined;

async function exportOf(rpc: Rpc, file: string): Promise<TreeDocument> {
  const { captureId } = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: file });
  return rpc.conn.sendRequest(TreeExportRequest.type, { captureId, mode: { kind: 'peak' }, biggestAllocs: 200 });
}

/** A raw socket that sends a capture/open and is destroyed when `leave` says so. */
function leaver(i: number, socket: string, file: string, leave: (bytes: number, total: number) => boolean): Promise<number> {
  return new Promise((resolve) => {
    const s = net.connect(socket);
    const frame = (id: number, method: string, params: unknown): string => {
      const body = JSON.stringify({ jsonrpc: '2.0', id, method, params });
      return `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    };
    let buffered = '';
    s.on('connect', () => {
      s.write(frame(1, 'daemon/initialize', { protocolVersion: '1.1', clientVersion: `leaver-${i}` }));
      const open = frame(2, 'capture/open', { path: file });
      if (i === 0) {
        // Leaves in the middle of its own request frame.
        s.write(open.slice(0, open.length - 10));
        s.destroy();
      } else if (i === 1) {
        // Leaves right after asking, before any progress.
        s.end(open);
      } else s.write(open);
    });
    s.on('data', (b) => {
      buffered += b.toString();
      for (const m of buffered.matchAll(/"bytes":(\d+),"totalBytes":(\d+)/g)) {
        if (!s.destroyed && leave(Number(m[1]), Number(m[2]))) s.destroy();
      }
      buffered = buffered.slice(-200);
    });
    s.on('error', () => undefined);
    s.on('close', () => resolve(Date.now()));
  });
}

describe('clients disconnecting during indexing', () => {
  it('20 disconnects at different moments of indexing 10 M records: same pid, the waiter and a browser get correct answers', async () => {
    const pid = d.pid;
    const waiter = await d.connect();
    const browser = await d.connect();
    const small = path.join(CAPTURES, 'threads.bin');
    const [wantBig, wantSmall] = [(await localTreeOf(big)).doc, (await localTreeOf(small)).doc];
    let progress = 0;
    waiter.conn.onNotification(CaptureProgressNotification.type, () => {
      progress++;
    });
    let doneAt = 0;
    const waited = exportOf(waiter, big).finally(() => (doneAt = Date.now()));
    // Leaver i goes when indexing has read i/20 of the file (0 and 1 before it starts).
    const leavers = Array.from({ length: 20 }, (_, i) => leaver(i, d.socket, big, (bytes, total) => bytes >= ((i - 1) / 19) * total));
    // A third client browses another capture meanwhile.
    let browsed = 0;
    while (doneAt === 0) {
      expect(await alive(exportOf(browser, small))).toEqual(wantSmall);
      browsed++;
    }
    expect(await alive(waited)).toEqual(wantBig);
    const left = await Promise.all(leavers);
    // Every leaver left before the waiter had its answer: they left during the indexing.
    for (const t of left) expect(t).toBeLessThanOrEqual(doneAt);
    expect(progress).toBeGreaterThan(5);
    expect(browsed).toBeGreaterThan(0);
    const status = await waiter.conn.sendRequest(DaemonStatusRequest.type);
    expect(status.pid).toBe(pid);
    expect(d.exitCode).toBeUndefined();
    // Still serving: a new client gets the indexed capture at once.
    const late = await d.connect();
    expect(await exportOf(late, big)).toEqual(wantBig);
    for (const c of [waiter, browser, late]) c.close();
  }, 240_000);
});
