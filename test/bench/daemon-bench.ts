/**
 * Daemon benchmarks: first index vs reopen through the real CLI and daemon, index size, and
 * tree/expand latency inside the daemon (handler time) and over the socket.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createMessageConnection, SocketMessageReader, SocketMessageWriter } from 'vscode-jsonrpc/node';
import * as net from 'node:net';
import { CaptureOpenRequest } from '../../protocol/src/capture.js';
import { DaemonInitializeRequest, DaemonShutdownRequest } from '../../protocol/src/daemon.js';
import { TreeExpandRequest, TreeRootRequest, type ViewOptions } from '../../protocol/src/tree.js';
import { PROTOCOL_VERSION } from '../../protocol/src/version.js';
import { Lz4FrameSource, isLz4Frame } from '../../daemon/src/capture/lz4.js';
import * as capture from '../../daemon/src/handlers/capture.js';
import type { ConnectionContext } from '../../daemon/src/handlers/context.js';
import * as tree from '../../daemon/src/handlers/tree.js';
import { handlerContext } from '../helpers/handler-context.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const MEMTREE = path.join(ROOT, 'bin/memtree.js');
const MEMTREED = path.join(ROOT, 'bin/memtreed.js');

function cli(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [MEMTREE, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`memtree ${args.join(' ')} failed: ${r.stderr}`);
  return performance.now() - t0;
}

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
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memtree-bench-'));
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
      .filter((f) => f.endsWith('.sqlite'))
      .reduce((s, f) => s + fs.statSync(path.join(dir, 'index', f)).size, 0);
    const raw = uncompressedSize(large.file);
    console.log(`  index: ${(indexBytes / 1e6).toFixed(2)} MB = ${((100 * indexBytes) / raw).toFixed(2)} % of the ${(raw / 1e6).toFixed(1)} MB uncompressed capture`);
  } finally {
    spawnSync(process.execPath, [MEMTREE, 'daemon', 'stop', '--state-dir', dir]);
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
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memtree-bench-'));
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
  const child = spawn(process.execPath, [MEMTREED, '--foreground', '--state-dir', dir], { stdio: 'ignore' });
  try {
    const sock = path.join(dir, 'memtreed.sock');
    let s: net.Socket | undefined;
    for (let i = 0; i < 200 && s === undefined; i++) {
      s = await new Promise<net.Socket | undefined>((resolve) => {
        const c = net.connect(sock, () => resolve(c));
        c.once('error', () => setTimeout(() => resolve(undefined), 25));
      });
    }
    const conn = createMessageConnection(new SocketMessageReader(s!), new SocketMessageWriter(s!));
    conn.listen();
    await conn.sendRequest(DaemonInitializeRequest.type, { protocolVersion: PROTOCOL_VERSION, clientVersion: 'bench' });
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
    conn.dispose();
    s!.destroy();
  } finally {
    child.kill();
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
