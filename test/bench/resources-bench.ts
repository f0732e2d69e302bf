/**
 * Daemon resources and start-up: file descriptors, RSS, open indexes and the index directory
 * over 300 sequential opens of distinct captures (they must stay flat after the first 50), and
 * ten cold `memtree tree` at once against one cold start, with what bounds that ratio.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CaptureOpenRequest } from '../../protocol/src/capture.js';
import { DaemonStatusRequest, type StatusResult } from '../../protocol/src/daemon.js';
import { DEFAULT_FILTER } from '../../protocol/src/display.js';
import { TreeRootRequest } from '../../protocol/src/tree.js';
import { DaemonInstance } from '../helpers/daemon-instance.js';
import { CAPTURES, MEMTREE_BIN, tempDir } from '../helpers/paths.js';
import { SMALL_CAPTURE_MAX_BYTES } from '../../daemon/src/capture/small-capture.js';
import { stopDaemonIn } from './cli.js';
import { generateCapture } from './generate-capture.js';

const SIMPLE = path.join(CAPTURES, 'simple.bin');

function mib(n: number): string {
  return `${(n / 2 ** 20).toFixed(1)} MiB`;
}

/**
 * The daemon's status once no indexing worker thread is alive: a finished job's thread still
 * holds its heap for a moment after the answer, and a sample taken then is not comparable.
 */
async function quiet(status: () => Promise<StatusResult>): Promise<StatusResult> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const s = await status();
    if ((s.usage.workerThreads ?? 0) === 0 || Date.now() > deadline) return s;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * `count` sequential opens (and a peak tree) of distinct copies of `source` on one daemon; prints
 * fds, RSS, open indexes and the index dir every 50 opens, and their range after the first 50.
 */
async function openSeries(label: string, source: string, count: number): Promise<void> {
  console.log(`\n## Daemon resources: ${count} sequential opens of distinct captures (copies of ${label}), one daemon`);
  const dir = tempDir('memtree-bench-');
  const copies = tempDir('memtree-bench-copies-');
  const d = await DaemonInstance.start({ stateDir: dir });
  const rpc = await d.connect();
  try {
    const status = (): Promise<StatusResult> => rpc.conn.sendRequest(DaemonStatusRequest.type);
    const row = (n: number, s: StatusResult, ms: number): string =>
      `  after ${String(n).padStart(3)} opens: ${String(s.usage.fileDescriptors).padStart(3)} fds, RSS ${mib(s.rssBytes).padStart(9)} (heap ${mib(s.memory?.heapUsedBytes ?? 0)}/${mib(s.memory?.heapTotalBytes ?? 0)}, external ${mib(s.memory?.externalBytes ?? 0)}), ` +
      `${String(s.usage.openCaptures).padStart(2)} open indexes, index dir ${mib(s.usage.indexDirBytes).padStart(9)}, ${ms.toFixed(0)} ms per open`;
    const s0 = await status();
    console.log(`  before:              ${s0.usage.fileDescriptors} fds, RSS ${mib(s0.rssBytes)} (at most ${s0.usage.maxOpenCaptures} indexes open; load average ${loadAverage()})`);
    let t0 = performance.now();
    const samples: StatusResult[] = [];
    for (let i = 1; i <= count; i++) {
      const file = path.join(copies, `copy-${i}.bin`);
      fs.copyFileSync(source, file);
      const open = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: file });
      await rpc.conn.sendRequest(TreeRootRequest.type, { captureId: open.captureId, view: { mode: { kind: 'peak' }, biggestAllocs: 200, ...DEFAULT_FILTER } });
      if (i === 1 || i % 50 === 0) {
        const s = await quiet(status);
        samples.push(s);
        console.log(row(i, s, (performance.now() - t0) / (i === 1 ? 1 : 50)));
        t0 = performance.now();
      }
    }
    const fds = samples.slice(1).map((s) => s.usage.fileDescriptors);
    const rss = samples.slice(1).map((s) => s.rssBytes);
    console.log(
      `  from 50 to ${count} opens: fds ${Math.min(...fds)}-${Math.max(...fds)}, RSS ${mib(Math.min(...rss))}-${mib(Math.max(...rss))} ` +
        `(spread ${mib(Math.max(...rss) - Math.min(...rss))}; load average ${loadAverage()})`,
    );
  } finally {
    rpc.close();
    await d.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(copies, { recursive: true, force: true });
  }
}

/**
 * Opens of small captures (indexed on the daemon's thread), then of captures just over
 * SMALL_CAPTURE_MAX_BYTES (each indexed by a worker thread of its own). Samples are taken once no
 * worker thread is alive. The second series crept by ~35 MiB over its first 150 opens while
 * the main thread's young generation grew to V8's 16 MiB semi-spaces; memtreed's main thread
 * now runs with 2 MiB ones (DAEMON_NODE_FLAGS) and the series is flat (MALLOC_ARENA_MAX and
 * MALLOC_MMAP_THRESHOLD_ changed little).
 */
export async function benchOpens(count = 300): Promise<void> {
  await openSeries(`simple.bin, ${fs.statSync(SIMPLE).size} bytes: indexed on the daemon's thread`, SIMPLE, count);
  const gen = tempDir('memtree-bench-gen-');
  try {
    let records = 100_000;
    let file = path.join(gen, 'gen.bin');
    generateCapture(file, { records });
    while (fs.statSync(file).size <= SMALL_CAPTURE_MAX_BYTES) {
      records *= 2;
      generateCapture(file, { records });
    }
    await openSeries(`a generated capture, ${fs.statSync(file).size} bytes: each indexed by a worker thread`, file, count);
  } finally {
    fs.rmSync(gen, { recursive: true, force: true });
  }
}

/** `node ...args` to its end, its wall time (the command must succeed). */
function timed(args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, args, { stdio: 'ignore' });
    p.on('close', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`node ${args.join(' ')} failed with ${code}`))));
  });
}

/** `memtree tree --json simple.bin` with state dir `dir` (starting memtreed if none runs there). */
function tree(dir: string): Promise<number> {
  return timed([MEMTREE_BIN, 'tree', '--json', '--state-dir', dir, SIMPLE]);
}

/** Ten `node ...args` at once: each one's wall time, sorted. */
async function tenAtOnce(run: () => Promise<number>): Promise<number[]> {
  return (await Promise.all(Array.from({ length: 10 }, run))).sort((a, b) => a - b);
}

const ms = (n: number): string => `${n.toFixed(0)} ms`;
const best = (xs: number[]): number => Math.min(...xs);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function loadAverage(): string {
  return os.loadavg().map((l) => l.toFixed(2)).join(' ');
}

/**
 * One cold start against ten at once, three rounds (each in fresh state dirs), and what bounds
 * the ratio on this machine: ten bare `node -e ''` at once against one (every client is a node
 * process, and ten of them start on the same cores), and ten clients with the daemon up.
 */
export async function benchColdStarts(): Promise<void> {
  console.log(`\n## Cold starts: \`memtree tree --json simple.bin\` with no daemon running (${os.cpus().length} cores; load average ${loadAverage()})`);
  // The client's code cache (bin/memtree.js) is written by its first run: not part of a cold start.
  const warm = tempDir('memtree-bench-');
  await tree(warm);
  stopDaemonIn(warm);
  const ratios: number[] = [];
  const singles: number[] = [];
  const slowest: number[] = [];
  for (let round = 1; round <= 3; round++) {
    const one = tempDir('memtree-bench-');
    const single = await tree(one);
    stopDaemonIn(one);
    const dir = tempDir('memtree-bench-');
    try {
      const ten = await tenAtOnce(() => tree(dir));
      const log = fs.readFileSync(path.join(dir, 'memtreed.log'), 'utf8');
      const daemons = new Set([...log.matchAll(/"pid":(\d+)/g)].map((m) => m[1])).size;
      ratios.push(ten[9]! / single);
      singles.push(single);
      slowest.push(ten[9]!);
      console.log(
        `  round ${round}: one cold start ${ms(single)}; ten at once: ${daemons} daemon(s), median ${ms(ten[4]!)}, slowest ${ms(ten[9]!)} = ` +
          `${(ten[9]! / single).toFixed(2)}x (load average ${loadAverage()})`,
      );
    } finally {
      stopDaemonIn(dir);
      fs.rmSync(one, { recursive: true, force: true });
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(
    `  one cold start: best ${ms(best(singles))}, median ${ms(median(singles))}; slowest of ten: best ${ms(best(slowest))}, median ${ms(median(slowest))}; ` +
      `ratio best ${best(ratios).toFixed(2)}x, median ${median(ratios).toFixed(2)}x`,
  );

  // What bounds it: the same measure for bare node, and for the clients alone.
  const nodeRatios: number[] = [];
  const nodeSingles: number[] = [];
  for (let round = 1; round <= 3; round++) {
    const single = await timed(['-e', '']);
    const ten = await tenAtOnce(() => timed(['-e', '']));
    nodeSingles.push(single);
    nodeRatios.push(ten[9]! / single);
  }
  console.log(
    `  bare \`node -e ''\`: one ${ms(median(nodeSingles))} (median of 3); ten at once, slowest: ${nodeRatios.map((r) => `${r.toFixed(2)}x`).join(', ')} one ` +
      `(the ten node start-ups alone add ~${ms(median(nodeSingles) * (median(nodeRatios) - 1))} to a cold start)`,
  );
  const dir = tempDir('memtree-bench-');
  try {
    const reopens: number[] = [];
    for (let i = 0; i < 3; i++) reopens.push(await tree(dir));
    const tens: number[] = [];
    for (let i = 0; i < 3; i++) tens.push((await tenAtOnce(() => tree(dir)))[9]!);
    console.log(
      `  with the daemon up: one \`memtree tree --json\` ${ms(median(reopens))} (median of 3); ten at once, slowest: best ${ms(best(tens))}, median ${ms(median(tens))} ` +
        `= ${(median(tens) / median(reopens)).toFixed(2)}x`,
    );
  } finally {
    stopDaemonIn(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
