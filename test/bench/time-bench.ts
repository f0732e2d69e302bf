/**
 * Issue 11's benchmark: memory over time and time ranges on the 47 M-record capture shaped like
 * large_9m (scale-bench.ts): the first open through the daemon (the index with the memory series,
 * periods and allocation lifetimes), the index's size against the uncompressed capture, and
 * range trees (peak and leaks) timed at the client, an upper bound of their time in the daemon.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CaptureOpenRequest } from '../../protocol/src/capture.js';
import { DaemonStatusRequest } from '../../protocol/src/daemon.js';
import { DEFAULT_FILTER } from '../../protocol/src/display.js';
import { CaptureMemoryRequest } from '../../protocol/src/memory.js';
import { TreeRootRequest } from '../../protocol/src/tree.js';
import { DaemonInstance } from '../helpers/daemon-instance.js';
import { Rng } from '../helpers/rng.js';
import { large47m } from './scale-bench.js';

const DIST = path.join(import.meta.dirname);

function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

export async function benchTime(): Promise<void> {
  const file = large47m();
  console.log('\n## Time ranges (issue 11): 47 M records shaped like large_9m, through the daemon');
  const read = JSON.parse(execFileSync(process.execPath, [path.join(DIST, 'read-capture.js'), file], { encoding: 'utf8' })) as { decompressedBytes: number; totalMs: number };
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'memtree-bench-'));
  const d = await DaemonInstance.start({ stateDir });
  const rpc = await d.connect();
  try {
    const t0 = performance.now();
    const open = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: file });
    const openMs = performance.now() - t0;
    const status = await rpc.conn.sendRequest(DaemonStatusRequest.type);
    const indexBytes = status.usage.indexDirBytes;
    console.log(
      `  first open (index written, lifetimes included): ${(openMs / 1000).toFixed(2)} s; --no-daemon read ${(read.totalMs / 1000).toFixed(2)} s; ` +
        `index ${(indexBytes / 1e6).toFixed(1)} MB = ${((100 * indexBytes) / read.decompressedBytes).toFixed(2)} % of the ${(read.decompressedBytes / 1e6).toFixed(0)} MB uncompressed capture (target ≤ 10 %)`,
    );
    const n = (await rpc.conn.sendRequest(CaptureMemoryRequest.type, { captureId: open.captureId, points: 10 })).count;
    const rng = new Rng(20261207);
    for (const kind of ['peak', 'leaks'] as const) {
      const ms: number[] = [];
      for (let i = 0; i < 40; i++) {
        const a = rng.int(n + 1);
        const b = a + rng.int(n + 1 - a);
        const t = performance.now();
        await rpc.conn.sendRequest(TreeRootRequest.type, {
          captureId: open.captureId,
          view: { mode: { kind }, biggestAllocs: 200, ...DEFAULT_FILTER, range: { start: a, end: b } },
        });
        ms.push(performance.now() - t);
      }
      console.log(
        `  ${kind} of a range (${n} snapshots, 40 random ranges, round trip): first ${ms[0]!.toFixed(1)} ms, p50 ${percentile(ms, 50).toFixed(1)} ms, ` +
          `p99 ${percentile(ms, 99).toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms (target ≤ 100 ms in the daemon)`,
      );
    }
  } finally {
    rpc.close();
    await d.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}
