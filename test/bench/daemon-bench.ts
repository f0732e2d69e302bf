/**
 * Daemon benchmarks: first index vs reopen through the real CLI and daemon, index size, and
 * tree/expand latency inside the daemon (handler time) and over the socket.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CaptureOpenRequest } from '../../protocol/src/capture.js';
import { DaemonShutdownRequest } from '../../protocol/src/daemon.js';
import { TreeExpandRequest, TreeRootRequest, type ViewOptions } from '../../protocol/src/tree.js';
import { Lz4FrameSource, isLz4Frame } from '../../daemon/src/capture/lz4.js';
import * as capture from '../../daemon/src/handlers/capture.js';
import type { ConnectionContext } from '../../daemon/src/handlers/context.js';
import * as tree from '../../daemon/src/handlers/tree.js';
import { DaemonInstance } from '../helpers/daemon-instance.js';
import { handlerContext } from '../helpers/handler-context.js';
import { tempDir } from '../helpers/paths.js';
import { stopDaemonIn, timedMemtree as cli } from './cli.js';

function uncompressedSize(file: string): number {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(4);
    fs.readSync(fd, head, 0, 4, 0);
    const size = fs.fstatSync(fd).size;
    if (!isLz4Frame(head)) return size;
    const src = new Lz4FrameSource(fd, size);
    let n = 0;
    for (let c = src.next(); c !== null; c = src.next()) n += c.length;
    return n;
  } finally {
    fs.closeSync(fd);
  }
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  return `p50 ${pct(s, 50).toFixed(3)} ms, p99 ${pct(s, 99).toFixed(3)} ms, max ${s[s.length - 1]!.toFixed(3)} ms (${s.length} calls)`;
}

export function benchDaemon(large: { file: string; label: string }): void {
  console.log(`\n## Daemon: first index vs reopen, through \`memtree tree --json\`: ${large.label}`);
  const dir = tempDir('memtree-bench-');
  try {
    const first = cli(['tree', '--json', '--state-dir', dir, large.file]);
    const reopen: number[] = [];
    for (let i = 0; i < 5; i++) reopen.push(cli(['tree', '--json', '--state-dir', dir, large.file]));
    reopen.sort((a, b) => a - b);
    console.log(`  first run (starts memtreed, indexes): ${(first / 1000).toFixed(2)} s wall`);
    console.log(`  reopen with the daemon running: best ${(reopen[0]! / 1000).toFixed(3)} s, median ${(reopen[2]! / 1000).toFixed(3)} s wall`);
    const temp = cli(['tree', '--json', '--temporary-allocations', '--state-dir', dir, large.file]);
    console.log(`  first --temporary-allocations (one more pass): ${(temp / 1000).toFixed(2)} s wall`);
    const indexBytes = fs
      .readdirSync(path.join(dir, 'index'))
      // The index and its write-ahead log (what a later job wrote may not be checkpointed yet).
      .filter((f) => f.endsWith('.sqlite') || f.endsWith('.sqlite-wal'))
      .reduce((s, f) => s + fs.statSync(path.join(dir, 'index', f)).size, 0);
    const raw = uncompressedSize(large.file);
    console.log(`  index: ${(indexBytes / 1e6).toFixed(2)} MB = ${((100 * indexBytes) / raw).toFixed(2)} % of the ${(raw / 1e6).toFixed(1)} MB uncompressed capture`);
  } finally {
    stopDaemonIn(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Node ids with children in the default view, breadth first, up to `max`. */
async function expandable(ctx: ConnectionContext, captureId: string, view: ViewOptions, max: number): Promise<number[]> {
  const out: number[] = [];
  const queue = [0];
  while (queue.length > 0 && out.length < max) {
    const id = queue.shift()!;
    out.push(id);
    for (let offset = 0; ; offset += 1000) {
      const page = await tree.expand(ctx, { captureId, view, nodeId: id, offset, limit: 1000 });
      for (const n of page.nodes) if (n.childCount > 0) queue.push(n.id);
      if (offset + 1000 >= page.total || queue.length > max) break;
    }
  }
  return out;
}

async function expandLatency(file: string, label: string, biggestAllocs: number): Promise<void> {
  const dir = tempDir('memtree-bench-');
  const ctx = handlerContext(path.join(dir, 'index'));
  const view: ViewOptions = { mode: { kind: 'peak' }, biggestAllocs, hideImportSystem: false, hideUninteresting: true };
  const t0 = performance.now();
  const { captureId } = await capture.open(ctx, { path: file });
  const root = await tree.root(ctx, { captureId, view });
  const built = performance.now() - t0;
  const ids = await expandable(ctx, captureId, view, 5000);
  const inside: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const id = ids[(i * 7919) % ids.length]!;
    const s = performance.now();
    await tree.expand(ctx, { captureId, view, nodeId: id, limit: 200 });
    inside.push(performance.now() - s);
  }
  console.log(`  ${label}, -b ${biggestAllocs}: index + tree ${(built / 1000).toFixed(1)} s, ${root.root.childCount} root children`);
  console.log(`    inside the daemon (handler): ${summary(inside)}`);

  // The same over a real socket (JSON-RPC framing and serialization included).
  const daemon = await DaemonInstance.start({ stateDir: dir });
  try {
    const rpc = await daemon.connect();
    const conn = rpc.conn;
    await conn.sendRequest(CaptureOpenRequest.type, { path: file });
    await conn.sendRequest(TreeRootRequest.type, { captureId, view });
    const rtt: number[] = [];
    for (let i = 0; i < 3000; i++) {
      const id = ids[(i * 7919) % ids.length]!;
      const t = performance.now();
      await conn.sendRequest(TreeExpandRequest.type, { captureId, view, nodeId: id, limit: 200 });
      rtt.push(performance.now() - t);
    }
    console.log(`    over the socket (round trip): ${summary(rtt)}`);
    await conn.sendRequest(DaemonShutdownRequest.type).catch(() => undefined);
    rpc.close();
  } finally {
    await daemon.stop();
    ctx.daemon.captures.closeAll();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchExpand(large: { file: string; label: string }, manyStacks: string): Promise<void> {
  console.log('\n## tree/expand latency (3000 expansions of random expandable nodes, 200 children per page)');
  await expandLatency(large.file, large.label, 200);
  await expandLatency(manyStacks, 'generated capture with 1 M distinct stacks', 200);
  await expandLatency(manyStacks, 'generated capture with 1 M distinct stacks', 100_000);
}
