/**
 * `npm run bench`: speed and memory of the reader, the daemon and the client, printed as
 * numbers (never asserted). Every measurement that reports a peak RSS runs in its own process.
 *
 *   npm run bench                 everything
 *   npm run bench -- reader       one section: reader, versions (versions-daemon: its daemon point alone), memory, errors, daemon, expand, views, native, tui, provisional,
 *                                 resources, coldstart, livetable, pipeline, small (a 1 MB capture end to end), scale (47 M records vs memray), billion (1e9 records;
 *                                 MEMTREE_BENCH_BILLION=N for fewer), time (issue 11's ranges on the 47 M records)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CAPTURES, MEMTREE_BIN, ROOT, sharedCapture } from '../helpers/paths.js';
import { generateCapture, type GenerateOptions } from './generate-capture.js';
import { benchDaemon, benchExpand } from './daemon-bench.js';
import { benchNative, benchTui } from './native-tui-bench.js';
import { benchViews } from './views-bench.js';
import { benchProvisional } from './provisional-bench.js';
import { benchColdStarts, benchOpens } from './resources-bench.js';
import { benchTime } from './time-bench.js';
import { benchBillion, benchLiveTable, benchPipeline, benchScale } from './scale-bench.js';
import { benchVersions } from './versions-bench.js';
import { benchDaemonIndexVersions } from './versions-daemon-bench.js';
import { benchSmall } from './small-bench.js';

const DIST = path.join(ROOT, 'dist/test/bench');
/** Generated captures, kept between runs. */
const CACHE = path.join(os.tmpdir(), 'memtree-bench');

export interface ReadResult {
  file: string;
  fileBytes: number;
  decompressedBytes: number;
  records: number;
  readMs: number;
  treeMs: number;
  totalMs: number;
  maxRssBytes: number;
}

export function mib(n: number): string {
  return `${(n / 2 ** 20).toFixed(0)} MiB`;
}

/** A generated capture, cached between runs. */
export function generated(name: string, opts: GenerateOptions): string {
  fs.mkdirSync(CACHE, { recursive: true });
  const file = path.join(CACHE, `${name}.bin`);
  if (!fs.existsSync(file)) {
    process.stdout.write(`  (generating ${name}: ${opts.records.toLocaleString('en')} records…)\n`);
    generateCapture(`${file}.tmp`, opts);
    fs.renameSync(`${file}.tmp`, file);
  }
  return file;
}

/** The 9.5 M-record sample when the shared corpus is next to the repo, else a generated 10 M. */
export function largeCapture(): { file: string; label: string } {
  const large = sharedCapture('large_9m.bin');
  if (large !== undefined) return { file: large, label: 'large_9m.bin (shared corpus)' };
  return { file: generated('gen-10m', { records: 10_000_000 }), label: 'generated 10 M records (large_9m.bin not found)' };
}

function readOnce(file: string): ReadResult {
  const out = execFileSync(process.execPath, [path.join(DIST, 'read-capture.js'), file], { encoding: 'utf8' });
  return JSON.parse(out) as ReadResult;
}

function benchReader(): void {
  const { file, label } = largeCapture();
  console.log(`\n## Reader: full read + peak and leaks snapshots (one pass) + peak tree: ${label}`);
  const runs = [readOnce(file), readOnce(file), readOnce(file)];
  for (const [i, r] of runs.entries()) {
    const s = r.totalMs / 1000;
    console.log(
      `  run ${i + 1}: ${s.toFixed(2)} s wall, ${(r.records / s / 1e6).toFixed(2)} M records/s, ` +
        `${(r.decompressedBytes / 1e6 / s).toFixed(0)} MB/s decompressed (${(r.fileBytes / 1e6 / s).toFixed(1)} MB/s of file), ` +
        `peak RSS ${mib(r.maxRssBytes)} (read ${r.readMs.toFixed(0)} ms, tree ${r.treeMs.toFixed(0)} ms)`,
    );
  }
  const best = runs.reduce((a, b) => (a.totalMs < b.totalMs ? a : b));
  console.log(`  best: ${(best.totalMs / 1000).toFixed(2)} s, ${(best.records / (best.totalMs / 1000) / 1e6).toFixed(2)} M records/s; memray 1.20: 4.93 s, 271 MiB for large_9m`);
}

function benchMemory(): void {
  console.log('\n## Memory follows the live set, not the file (generated captures, small live set)');
  const small = readOnce(generated('gen-10m', { records: 10_000_000 }));
  const big = readOnce(generated('gen-50m', { records: 50_000_000 }));
  for (const r of [small, big]) {
    console.log(
      `  ${r.records.toLocaleString('en')} records (${(r.decompressedBytes / 1e6).toFixed(0)} MB uncompressed): ` +
        `peak RSS ${mib(r.maxRssBytes)}, ${(r.totalMs / 1000).toFixed(2)} s (${(r.records / (r.totalMs / 1000) / 1e6).toFixed(2)} M records/s)`,
    );
  }
  console.log(`  50 M / 10 M peak RSS: ${((100 * big.maxRssBytes) / small.maxRssBytes - 100).toFixed(1)} %`);
}

function benchErrors(): void {
  console.log('\n## Errors: a foreign file (whole CLI process, node start-up included)');
  const bad = path.join(CAPTURES, 'bad_random.bin');
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    spawnSync(process.execPath, [MEMTREE_BIN, 'tree', '--no-daemon', bad]);
    times.push(performance.now() - t0);
  }
  console.log(`  memtree tree --no-daemon bad_random.bin: best ${Math.min(...times).toFixed(0)} ms, worst ${Math.max(...times).toFixed(0)} ms`);
}

/** The versions bench's workload as version 13 and version 11 (generated once, kept). */
function versionFiles(): Record<13 | 11, string> {
  return { 13: generated('gen-5m-v13', { records: 5_000_000, version: 13 }), 11: generated('gen-5m-v11', { records: 5_000_000, version: 11 }) };
}

const SECTIONS: Record<string, () => void | Promise<void>> = {
  reader: benchReader,
  versions: async () => {
    benchVersions(versionFiles(), 5_000_000);
    await benchDaemonIndexVersions(versionFiles());
  },
  'versions-daemon': () => benchDaemonIndexVersions(versionFiles()),
  memory: benchMemory,
  errors: benchErrors,
  daemon: () => benchDaemon(largeCapture()),
  expand: () => benchExpand(largeCapture(), generated('gen-1m-stacks', { records: 2_000_000, distinctStacks: 1_000_000, raw: false })),
  views: () => benchViews(generated('gen-1m-stacks', { records: 2_000_000, distinctStacks: 1_000_000, raw: false })),
  native: benchNative,
  tui: () => benchTui(largeCapture()),
  // 250 M records with a million live allocations on distinct stacks: 20 s or more to index here
  // (60 M took 16 s, 90 M 18 s and 150 M 20 s once the reading pass got faster).
  provisional: () =>
    benchProvisional({ file: generated('gen-250m-1m-stacks', { records: 250_000_000, distinctStacks: 1_000_000 }), label: 'generated 250 M records, 1 M distinct stacks' }),
  resources: () => benchOpens(300),
  coldstart: benchColdStarts,
  livetable: benchLiveTable,
  pipeline: () => benchPipeline((name, records) => generated(name, { records })),
  // About 1 MB on disk (1.6 M records): issue 13's small-capture point.
  small: () => benchSmall(generated('gen-1mb', { records: 1_600_000 })),
  scale: benchScale,
  billion: benchBillion,
  time: benchTime,
};

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  console.log(`memtree benchmark — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${new Date().toISOString()}`);
  for (const [name, fn] of Object.entries(SECTIONS)) {
    if (only.length > 0 && !only.includes(name)) continue;
    await fn();
  }
}

await main();
