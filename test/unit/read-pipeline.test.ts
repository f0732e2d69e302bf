// The two-thread reading pass (daemon/src/snapshot/snapshot-pipeline.ts) must give exactly what
// the one-thread pass gives: every snapshot, the timeline, warnings and errors, for every
// fixture capture (all header versions, damaged ones included) and for a generated capture long
// enough to wrap the ring of batches several times. The one-thread pass is itself checked
// against memray (good-captures, format-fixtures, snapshot-property).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCapture, type LoadedCapture, type LoadOptions } from '../../daemon/src/capture/load.js';
import { lastPipelineStats, pipelineAvailable } from '../../daemon/src/snapshot/snapshot-pipeline.js';
import { BATCH, SLOTS } from '../../daemon/src/snapshot/pipeline-ring.js';
import { generateCapture } from '../bench/generate-capture.js';
import { Allocator, writeCapture, type CaptureEvent } from '../helpers/capture-writer.js';
import { bytesFile } from '../helpers/load-bytes.js';
import { CAPTURES, FORMAT, tempDir } from '../helpers/paths.js';

/** What a read produced, or the error it threw (message and class). */
function outcome(file: string, opts: LoadOptions): unknown {
  let c: LoadedCapture;
  try {
    c = loadCapture(file, opts);
  } catch (err) {
    return { error: (err as Error).constructor.name, message: (err as Error).message };
  }
  // memray 1.19 and older's order (a function reading the file again): compared by its value.
  const { state: _state, legacyOrder, ...rest } = c;
  return { ...rest, legacyOrder: legacyOrder?.() };
}

function same(file: string, opts: LoadOptions = {}): void {
  const one = outcome(file, { ...opts, threads: 1 });
  const two = outcome(file, { ...opts, threads: 2 });
  expect(two).toEqual(one);
}

const fixtures = [
  ...fs.readdirSync(CAPTURES).map((f) => path.join(CAPTURES, f)),
  ...fs.readdirSync(FORMAT).filter((f) => f.endsWith('.bin')).map((f) => path.join(FORMAT, f)),
];

describe.runIf(pipelineAvailable())('the two-thread reading pass', () => {
  it('gives what one thread gives for every fixture capture, with and without temporary allocations', () => {
    for (const file of fixtures) {
      same(file);
      same(file, { temporaryThreshold: 1 });
    }
  }, 180_000);

  it('gives what one thread gives on a capture that wraps the ring of batches several times', () => {
    const file = path.join(tempDir('memtree-pipeline-'), 'gen.bin');
    generateCapture(file, { records: 3 * BATCH * SLOTS + 12_345, distinctStacks: 5000, threads: 3 });
    same(file, { temporaryThreshold: 3 });
    expect(lastPipelineStats?.builderCpuMs).toBeGreaterThan(0); // the worker did the work
    const legacy = path.join(path.dirname(file), 'gen-v11.bin');
    generateCapture(legacy, { records: BATCH * SLOTS + 999, threads: 2, version: 11 });
    same(legacy);
  }, 180_000);

  it('a size the builder refuses (beyond 2^53) stops reading at that record, as on one thread', () => {
    const HEAP = 0x7f0000000000;
    const events: CaptureEvent[] = [];
    for (let i = 0; i < 2 * BATCH; i++) events.push({ type: 'alloc', tid: 1, address: HEAP + 16 * i, size: 32, allocator: Allocator.MALLOC });
    events.push({ type: 'alloc', tid: 1, address: HEAP - 64, size: 2 ** 60, allocator: Allocator.MALLOC });
    for (let i = 0; i < 100; i++) events.push({ type: 'alloc', tid: 1, address: HEAP + 16 * i, size: 0, allocator: Allocator.FREE });
    const file = bytesFile(writeCapture(events, { compress: true }));
    same(file);
    const two = loadCapture(file, { threads: 2 });
    expect(two.totalAllocations).toBe(2 * BATCH);
    expect(two.warnings[0]).toMatch(/allocation record 65536 has a size of 1152921504606846976 bytes/);
  });
});
