/**
 * Daemon resources and start-up: file descriptors, RSS, open indexes and the index directory
 * over 300 sequential opens of distinct captures (they must stay flat), and ten cold
 * `memtree tree` at once against one cold start.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CaptureOpenRequest } from '../../protocol/src/capture.js';
import { DaemonStatusRequest, type StatusResult } from '../../protocol/src/daemon.js';
import { DEFAULT_FILTER } from '../../protocol/src/display.js';
import { TreeRootRequest } from '../../protocol/src/tree.js';
import { DaemonInstance } from '../helpers/daemon-instance.js';
import { CAPTURES, MEMTREE_BIN, tempDir } from '../helpers/paths.js';
import { stopDaemonIn, timedMemtree } from './cli.js';

const SIMPLE = path.join(CAPTURES, 'simple.bin');

function mib(n: number): string {
  return `${(n / 2 ** 20).toFixed(1)} MiB`;
}

export async function benchOpens(count = 300): Promise<void> {
  console.log(`\n## Daemon resources: ${count} sequential opens of distinct captures (copies of simple.bin), one daemon`);
  const dir = tempDir('memtree-bench-');
  const copies = tempDir('memtree-bench-copies-');
  const d = await DaemonInstance.start({ stateDir: dir });
  const rpc = await d.connect();
  try {
    const status = (): Promise<StatusResult> => rpc.conn.sendRequest(DaemonStatusRequest.type);
    const row = (n: number, s: StatusResult, ms: number): string =>
      `  after ${String(n).padStart(3)} opens: ${String(s.usage.fileDescriptors).padStart(3)} fds, RSS ${mib(s.rssBytes).padStart(9)}, ` +
      `${String(s.usage.openCaptures).padStart(2)} open indexes, index dir ${mib(s.usage.indexDirBytes).padStart(9)}, ${ms.toFixed(0)} ms per open`;
    const s0 = await status();
    console.log(`  before:              ${s0.usage.fileDescriptors} fds, RSS ${mib(s0.rssBytes)} (at most ${s0.usage.maxOpenCaptures} indexes open)`);
    let t0 = performance.now();
    const samples: StatusResult[] = [];
    for (let i = 1; i <= count; i++) {
      const file = path.join(copies, `copy-${i}.bin`);
      fs.copyFileSync(SIMPLE, file);
      const open = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: file });
      await rpc.conn.sendRequest(TreeRootRequest.type, { captureId: open.captureId, view: { mode: { kind: 'peak' }, biggestAllocs: 200, ...DEFAULT_FILTER } });
      if (i === 1 || i % 50 === 0) {
        const s = await status();
        samples.push(s);
        console.log(row(i, s, (performance.now() - t0) / (i === 1 ? 1 : 50)));
        t0 = performance.now();
      }
    }
    const fds = samples.slice(1).map((s) => s.usage.fileDescriptors);
    const rss = samples.slice(1).map((s) => s.rssBytes);
    console.log(
      `  from 50 to ${count} opens: fds ${Math.min(...fds)}-${Math.max(...fds)}, RSS ${mib(Math.min(...rss))}-${mib(Math.max(...rss))} ` +
        `(unbounded, each open index held 3 fds: ${count * 3} more)`,
    );
  } finally {
    rpc.close();
    await d.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(copies, { recursive: true, force: true });
  }
}

/** `memtree tree --json simple.bin` in a fresh state dir (starting memtreed), its wall time. */
function cold(dir: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, [MEMTREE_BIN, 'tree', '--json', '--state-dir', dir, SIMPLE], { stdio: 'ignore' });
    p.on('close', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`memtree tree failed with ${code}`))));
  });
}

export async function benchColdStarts(): Promise<void> {
  console.log('\n## Cold starts: `memtree tree --json simple.bin` with no daemon running');
  const single: number[] = [];
  for (let i = 0; i < 3; i++) {
    const dir = tempDir('memtree-bench-');
    single.push(await cold(dir));
    stopDaemonIn(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  single.sort((a, b) => a - b);
  const dir = tempDir('memtree-bench-');
  try {
    const ten = (await Promise.all(Array.from({ length: 10 }, () => cold(dir)))).sort((a, b) => a - b);
    const log = fs.readFileSync(path.join(dir, 'memtreed.log'), 'utf8');
    const daemons = new Set([...log.matchAll(/"pid":(\d+)/g)].map((m) => m[1])).size;
    console.log(`  one cold start: median ${single[1]!.toFixed(0)} ms (of 3)`);
    console.log(
      `  ten at once: ${daemons} daemon(s); median ${ten[4]!.toFixed(0)} ms, slowest ${ten[9]!.toFixed(0)} ms = ${(ten[9]! / single[1]!).toFixed(2)}x one cold start`,
    );
    console.log(`  reopen with the daemon up: ${timedMemtree(['tree', '--json', '--state-dir', dir, SIMPLE]).toFixed(0)} ms`);
  } finally {
    stopDaemonIn(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
