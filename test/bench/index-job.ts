/**
 * The daemon's index job in this process (issue 13's profile of the daemon path): runTask as
 * the job worker runs it, with provisional snapshots (MEMTREE_BENCH_PROVISIONAL=0 leaves them
 * out), timed per phase, the index written to a temporary directory. Prints one JSON line.
 *
 *   node [--cpu-prof] dist/test/bench/index-job.js CAPTURE
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fingerprint } from '../../daemon/src/capture/fingerprint.js';
import { runTask } from '../../daemon/src/index/tasks.js';
import { lastPipelineStats, threadCpuMs } from '../../daemon/src/snapshot/snapshot-pipeline.js';

const file = path.resolve(process.argv[2]!);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memtree-index-job-'));
try {
  const { captureId } = fingerprint(file);
  const provisional = process.env['MEMTREE_BENCH_PROVISIONAL'] !== '0';
  let provisionals = 0;
  let readEnd = 0;
  const c0 = threadCpuMs();
  const t0 = performance.now();
  const outcome = runTask(
    { kind: 'index', captureId, path: file, indexFile: path.join(dir, 'index.sqlite') },
    (p) => {
      if (p.phase === 'writing' && readEnd === 0) readEnd = performance.now();
    },
    provisional ? () => provisionals++ : undefined,
  );
  const t1 = performance.now();
  if (!outcome.ok) throw new Error(outcome.failure.message);
  process.stdout.write(
    `${JSON.stringify({
      totalMs: Math.round(t1 - t0),
      readMs: Math.round(readEnd - t0),
      writeMs: Math.round(t1 - readEnd),
      provisionals,
      mainCpuMs: threadCpuMs() - c0,
      decoderCpuMs: lastPipelineStats?.decoderCpuMs,
      builderCpuMs: lastPipelineStats?.builderCpuMs,
      indexBytes: fs.statSync(path.join(dir, 'index.sqlite')).size,
    })}\n`,
  );
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
