/**
 * A state dir that fills up while a capture is indexed (a 2 MB tmpfs; needs root, skipped
 * otherwise): the client gets a clear error, the partial index is removed, the daemon stays
 * up with its other indexes intact, and once there is room the same capture indexes correctly.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CaptureOpenRequest } from '../../protocol/src/capture.js';
import { DaemonStatusRequest } from '../../protocol/src/daemon.js';
import { MemtreeErrorCodes } from '../../protocol/src/errors.js';
import { TreeExportRequest } from '../../protocol/src/tree.js';
import { DaemonInstance, tempStateDir } from '../helpers/daemon-instance.js';
import { localTreeOf } from '../helpers/local-tree.js';
import { CAPTURES, tempDir } from '../helpers/paths.js';
import { runMemtree } from '../helpers/run-cli.js';
import { stacksCapture } from '../helpers/stacks-capture.js';

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function run(cmd: string, args: string[]): Promise<number | null> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: 'ignore' });
    p.on('error', () => resolve(-1));
    p.on('close', resolve);
  });
}

/** 30 000 distinct stacks: an index of about 3 MB from a 1.4 MB capture. */
function bigCapture(): string {
  const file = path.join(tempDir('memtree-big-'), 'big.bin');
  const records = Array.from({ length: 30_000 }, (_, i) => ({
    size: 1000 + i,
    stack: [
      [`leaf_${i}`, `/src/mod_${i % 97}.py`, 10 + (i % 50)],
      [`mid_${i % 300}`, '/src/mid.py', 5],
      ['main', '/src/main.py', 1],
    ] as const,
  }));
  fs.writeFileSync(file, stacksCapture(records));
  return file;
}

describe('a full index directory', () => {
  it('while indexing: a clear error, no partial file, the daemon up, other indexes intact; later, with room, correct', async (ctx) => {
    const dir = tempStateDir();
    if (process.getuid?.() !== 0 || (await run('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'tmpfs', dir])) !== 0) {
      ctx.skip(); // mounting a small file system needs root
    }
    cleanup.push(() => run('umount', [dir]));
    const big = bigCapture();
    const d = await DaemonInstance.start({ stateDir: dir });
    cleanup.push(() => d.stop());
    const rpc = await d.connect();
    cleanup.push(() => rpc.close());
    const peak = { kind: 'peak' } as const;
    const exportOf = (captureId: string) => rpc.conn.sendRequest(TreeExportRequest.type, { captureId, mode: peak, biggestAllocs: 200 });

    const small = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: path.join(CAPTURES, 'simple.bin') });
    const smallDoc = await exportOf(small.captureId);

    const err = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: big }).then(
      () => undefined,
      (e: { code: number; message: string }) => e,
    );
    expect(err?.code).toBe(MemtreeErrorCodes.IndexUnwritable);
    expect(err?.message).toBe(`cannot write the index of ${big}: no space left on device (in ${path.join(dir, 'index')})`);
    expect(fs.readdirSync(path.join(dir, 'index')).filter((f) => f.includes('.partial'))).toEqual([]);
    expect((await rpc.conn.sendRequest(DaemonStatusRequest.type)).pid).toBe(d.pid);

    // The index made before is whole: reopened, not rebuilt, with the same tree.
    const again = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: path.join(CAPTURES, 'simple.bin') });
    expect(again.indexed).toBe(false);
    expect(await exportOf(again.captureId)).toEqual(smallDoc);

    // Through the CLI: the message, status 1.
    const cli = await runMemtree(['tree', '--json', '--state-dir', dir, big]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toBe(`cannot write the index of ${big}: no space left on device (in ${path.join(dir, 'index')})\n`);

    // Room again: the capture indexes, and its tree is the in-process one.
    expect(await run('mount', ['-o', 'remount,size=64m', dir])).toBe(0);
    const opened = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: big });
    expect(opened.indexed).toBe(true);
    expect(await exportOf(opened.captureId)).toEqual((await localTreeOf(big)).doc);
    expect(d.exitCode).toBeUndefined();
  }, 120_000);

  it('no room even for the log: the daemon serves on, and says how many log lines were lost once it can write again', async (ctx) => {
    const dir = tempStateDir();
    if (process.getuid?.() !== 0 || (await run('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'tmpfs', dir])) !== 0) {
      ctx.skip(); // mounting a small file system needs root
    }
    cleanup.push(() => run('umount', [dir]));
    const d = await DaemonInstance.start({ stateDir: dir });
    cleanup.push(() => d.stop());
    const rpc = await d.connect();
    cleanup.push(() => rpc.close());
    const peak = { kind: 'peak' } as const;
    const simple = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: path.join(CAPTURES, 'simple.bin') });
    const simpleDoc = await rpc.conn.sendRequest(TreeExportRequest.type, { captureId: simple.captureId, mode: peak, biggestAllocs: 200 });

    // Fill the file system to the last block: the log cannot take a line. First the log's own
    // last block (a file's partly used last page takes lines without a new one), with a line.
    const log = path.join(dir, 'memtreed.log');
    const room = 4096 - (fs.statSync(log).size % 4096);
    const pad = (n: number): string => `${JSON.stringify({ level: 30, msg: 'pad', pad: 'x'.repeat(n - 34) })}\n`;
    fs.appendFileSync(log, room >= 40 ? pad(room) : pad(room + 4096));
    expect(fs.statSync(log).size % 4096).toBe(0);
    const filler = path.join(dir, 'filler');
    const fd = fs.openSync(filler, 'w');
    const chunk = Buffer.alloc(64 * 1024, 1);
    try {
      for (;;) fs.writeSync(fd, chunk);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
    }
    for (let n = chunk.length; n >= 1; n >>= 1) {
      try {
        for (;;) fs.writeSync(fd, chunk, 0, n);
      } catch {
        // the next smaller size
      }
    }
    fs.closeSync(fd);
    const logBytes = fs.statSync(log).size;

    // A new capture: its job's log lines are lost, its index cannot be written; the daemon answers.
    const threads = path.join(CAPTURES, 'threads.bin');
    const err = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: threads }).then(
      () => undefined,
      (e: { code: number }) => e,
    );
    expect(err?.code).toBe(MemtreeErrorCodes.IndexUnwritable);
    const again = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: path.join(CAPTURES, 'simple.bin') });
    expect(await rpc.conn.sendRequest(TreeExportRequest.type, { captureId: again.captureId, mode: peak, biggestAllocs: 200 })).toEqual(simpleDoc);
    expect(fs.statSync(log).size).toBe(logBytes);

    // Room again: the next lines are written, the first saying how many were lost.
    fs.rmSync(filler);
    const opened = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: threads });
    expect(opened.indexed).toBe(true);
    const lines = fs.readFileSync(log, 'utf8').slice(logBytes).split('\n').filter(Boolean);
    const report = lines.map((l) => JSON.parse(l) as { msg: string; lostLines?: number }).find((l) => l.msg.startsWith('log lines were lost'));
    expect(report?.lostLines).toBeGreaterThan(0);
    expect((await rpc.conn.sendRequest(DaemonStatusRequest.type)).pid).toBe(d.pid);
    expect(d.exitCode).toBeUndefined();
  });
});
