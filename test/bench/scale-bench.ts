/**
 * Issue 13's scale benchmarks: a 47 M-record capture shaped like large_9m (large.py at scale 5)
 * read with --no-daemon and opened through the daemon, side by side with memray 1.20 (run when
 * installed, else its recorded numbers from ../shared/docs/performance-notes.md); 1e9 records
 * through the reader with flat memory; the live table's bytes per entry and operations per second.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tempDir } from '../helpers/paths.js';
import { stopDaemonIn, timedMemtree as cli } from './cli.js';
import { generateBillionCapture } from './generate-billion.js';
import { generateLargeCapture } from './generate-large.js';

const DIST = path.join(import.meta.dirname);
const CACHE = path.join(os.tmpdir(), 'memtree-bench');

/** memray 1.20 on the 47 M-record capture of large.py (performance-notes.md). */
const MEMRAY_47M = { seconds: 24.8, rssMiB: 1165 };

interface Read {
  records: number;
  totalMs: number;
  maxRssBytes: number;
  /** CPU time of the decoding and the live-table thread (two-thread reads), and of the whole process. */
  decoderCpuMs?: number;
  builderCpuMs?: number;
  cpuMs: number;
}

/** The 1-minute load average, to print beside wall times (2 cores: above 2, others share them). */
function load(): string {
  return os.loadavg()[0]!.toFixed(1);
}

function readOnce(file: string, env: NodeJS.ProcessEnv = {}): Read {
  const out = execFileSync(process.execPath, [path.join(DIST, 'read-capture.js'), file], { encoding: 'utf8', env: { ...process.env, ...env } });
  return JSON.parse(out) as Read;
}

function stats(xs: number[]): { best: number; median: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { best: s[0]!, median: s[Math.floor(s.length / 2)]! };
}

/** memray's peak + leaks of `file` (its FileReader, as `memray tree` reads), if memray is installed. */
function memrayRead(file: string): { seconds: number; rssMiB: number } | undefined {
  const script =
    'import sys, time, resource\n' +
    'from memray import FileReader\n' +
    't = time.perf_counter()\n' +
    'r = FileReader(sys.argv[1])\n' +
    'list(r.get_high_watermark_allocation_records(merge_threads=True))\n' +
    'list(r.get_leaked_allocation_records(merge_threads=True))\n' +
    'print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)\n';
  const r = spawnSync('python3', ['-c', script, file], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const [s, rss] = r.stdout.trim().split(/\s+/).map(Number);
  return { seconds: s!, rssMiB: rss! };
}

/** The 47 M-record capture, generated once into the bench cache. */
export function large47m(): string {
  fs.mkdirSync(CACHE, { recursive: true });
  const file = path.join(CACHE, 'large-47m.bin');
  if (!fs.existsSync(file)) {
    process.stdout.write('  (generating large-47m: 47,340,000 records shaped like large.py 5…)\n');
    generateLargeCapture(`${file}.tmp`, { records: 47_340_000 });
    fs.renameSync(`${file}.tmp`, file);
  }
  return file;
}

export function benchScale(): void {
  const file = large47m();
  console.log('\n## 47 M records shaped like large_9m at 5x (generated large.py 5): first read and first open, vs memray 1.20');
  const loadBefore = load();
  const reads = [readOnce(file), readOnce(file), readOnce(file)];
  const loadReads = load();
  const t = stats(reads.map((r) => r.totalMs / 1000));
  const rss = stats(reads.map((r) => r.maxRssBytes / 2 ** 20));
  const opens: number[] = [];
  for (let i = 0; i < 3; i++) {
    const dir = tempDir('memtree-bench-');
    try {
      opens.push(cli(['tree', '--json', '--state-dir', dir, file]) / 1000);
    } finally {
      stopDaemonIn(dir);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const o = stats(opens);
  const loadOpens = load();
  const memray = memrayRead(file);
  const m = memray ?? MEMRAY_47M;
  const from = memray === undefined ? 'recorded baseline, memray not installed here' : 'measured now';
  console.log(`  ${reads[0]!.records.toLocaleString('en')} records; memray 1.20 (${from}): ${m.seconds.toFixed(2)} s, ${m.rssMiB.toFixed(0)} MiB`);
  console.log(`  --no-daemon read (peak + leaks, one pass, + tree): best ${t.best.toFixed(2)} s, median ${t.median.toFixed(2)} s = ${(t.best / m.seconds).toFixed(3)}x memray (target 0.12x); peak RSS ${rss.best.toFixed(0)} MiB = ${(rss.best / m.rssMiB).toFixed(3)}x (target 0.3x)`);
  const cpu = (k: 'decoderCpuMs' | 'builderCpuMs'): string => stats(reads.map((r) => (r[k] ?? NaN) / 1000)).best.toFixed(2);
  console.log(`  (load average ${loadBefore} -> ${loadReads}; CPU, best of 3: decoding thread ${cpu('decoderCpuMs')} s, live-table thread ${cpu('builderCpuMs')} s, process ${stats(reads.map((r) => r.cpuMs / 1000)).best.toFixed(2)} s)`);
  console.log(`  first open through the daemon (start, index written, tree): best ${o.best.toFixed(2)} s, median ${o.median.toFixed(2)} s = ${(o.best / m.seconds).toFixed(3)}x memray (target 0.15x; load average ${loadOpens})`);
  const one = readOnce(file, { MEMTREE_READ_THREADS: '1' });
  console.log(`  the same read on one thread (MEMTREE_READ_THREADS=1): ${(one.totalMs / 1000).toFixed(2)} s, ${(one.maxRssBytes / 2 ** 20).toFixed(0)} MiB`);
}

/** 1e9 records: generated into a temporary LZ4 file (about a quarter of the raw bytes), read once, deleted. */
export function benchBillion(): void {
  const records = Number(process.env['MEMTREE_BENCH_BILLION'] ?? 1e9);
  console.log(`\n## ${records.toExponential(0)} records (a live set of 1 M, then repeated churn): records/s and peak RSS`);
  const dir = tempDir('memtree-bench-1e9-');
  try {
    const file = path.join(dir, 'billion.bin');
    const g = generateBillionCapture(file, { records, live: 1_000_000 });
    console.log(`  generated ${g.records.toLocaleString('en')} records: ${(g.rawBytes / 1e9).toFixed(2)} GB raw, ${(g.fileBytes / 1e9).toFixed(2)} GB on disk (temporary), ${(g.ms / 1000).toFixed(0)} s`);
    const before = load();
    const r = readOnce(file);
    const s = r.totalMs / 1000;
    console.log(`  read: ${s.toFixed(1)} s, ${(r.records / s / 1e6).toFixed(2)} M records/s (target 15), peak RSS ${(r.maxRssBytes / 2 ** 20).toFixed(0)} MiB (target < 500); load average ${before} -> ${load()}`);
    // Wall time counts other processes' load on 2 cores; each thread's CPU time does not. The
    // pass runs as fast as its busier thread (the other waits on the ring), so with both cores
    // free its rate is records / that thread's CPU time.
    if (r.decoderCpuMs !== undefined && r.builderCpuMs !== undefined) {
      const busier = Math.max(r.decoderCpuMs, r.builderCpuMs) / 1000;
      console.log(
        `  CPU: decoding thread ${(r.decoderCpuMs / 1000).toFixed(1)} s, live-table thread ${(r.builderCpuMs / 1000).toFixed(1)} s, process ${(r.cpuMs / 1000).toFixed(1)} s: ` +
          `${(r.records / busier / 1e6).toFixed(1)} M records/s on two free cores (limited by the ${r.builderCpuMs >= r.decoderCpuMs ? 'live-table' : 'decoding'} thread)`,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * One thread vs two on captures around PIPELINE_MIN_BYTES (daemon/src/capture/load.ts): the
 * worker's start against what the second core saves, alternating runs, best of 3.
 */
export function benchPipeline(generated: (name: string, records: number) => string): void {
  console.log('\n## One thread or two: generated captures of 0.5, 1, 2, 3 and 4 M records, each forced onto one and two threads (the worker starts from an estimated 8 MiB decompressed: 4 times the size of an LZ4 file, 2 MiB here, ~3.4 M records of this generator)');
  for (const records of [500_000, 1_000_000, 2_000_000, 3_000_000, 4_000_000]) {
    const file = generated(`gen-${records / 1e6}m-pipe`, records);
    const ms: Record<string, number[]> = { 1: [], 2: [] };
    for (let run = 0; run < 3; run++) for (const t of ['1', '2']) ms[t]!.push(readOnce(file, { MEMTREE_READ_THREADS: t }).totalMs);
    const one = stats(ms['1']!).best;
    const two = stats(ms['2']!).best;
    console.log(`  ${records.toLocaleString('en')} records, ${(fs.statSync(file).size / 2 ** 20).toFixed(1)} MiB file: one thread ${one.toFixed(0)} ms, two ${two.toFixed(0)} ms (best of 3)`);
  }
}

/** The live table alone (bytes per live entry, operations per second), in a child process. */
export function benchLiveTable(): void {
  console.log('\n## Live table (daemon/src/snapshot/live-table.ts): pymalloc-like pages, 2 M live entries, then churn');
  const out = execFileSync(process.execPath, [path.join(DIST, 'live-table-bench.js')], { encoding: 'utf8' });
  process.stdout.write(out);
}
