/**
 * Child process of the benchmark: reads one capture completely (peak + leaks snapshots in one
 * pass, then the peak tree) and prints one JSON line of measurements. Run alone so its peak
 * RSS is its own.
 */
import * as fs from 'node:fs';
import { loadCapture } from '../../daemon/src/capture/load.js';
import { lastPipelineStats } from '../../daemon/src/snapshot/snapshot-pipeline.js';
import { treeDocument } from '../../daemon/src/tree/tree-document.js';

/**
 * This process's peak RSS: VmHWM, which belongs to the address space exec made. (getrusage's
 * maxRSS carries the forking parent's peak over the exec: after a memory-heavy bench section
 * every child reported the parent's ~930 MiB.)
 */
function peakRss(): number {
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m === null ? process.resourceUsage().maxRSS * 1024 : Number(m[1]) * 1024;
}

const file = process.argv[2]!;
const t0 = performance.now();
const c = loadCapture(file);
const t1 = performance.now();
const doc = treeDocument(c, file, { kind: 'peak' }, 200);
const t2 = performance.now();
process.stdout.write(
  `${JSON.stringify({
    file,
    fileBytes: fs.statSync(file).size,
    decompressedBytes: c.bytesRead,
    records: c.totalAllocations,
    peakMemory: c.peakMemory,
    readMs: t1 - t0,
    treeMs: t2 - t1,
    totalMs: t2 - t0,
    maxRssBytes: peakRss(),
    // CPU time of each thread of a two-thread read (absent on one thread): unlike wall time,
    // it does not grow with other processes' load.
    decoderCpuMs: lastPipelineStats?.decoderCpuMs,
    builderCpuMs: lastPipelineStats?.builderCpuMs,
    cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
    rootBytes: doc.root.bytes,
  })}\n`,
);
