// Provisional snapshots during the reading pass (LoadOptions.onProvisional, issue 13 item 3):
// on two threads the request travels in-band through the record ring, so each answer must be
// exactly the one-thread pass's snapshot at the same record (the one-thread snapshots are
// checked against memray's literal model in snapshot-property.test.ts); and every snapshot is
// a consistent heap: the peak snapshot holds the peak so far, never more than the final peak.
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCapture, type ProvisionalCapture } from '../../daemon/src/capture/load.js';
import { BATCH, SLOTS } from '../../daemon/src/snapshot/pipeline-ring.js';
import type { SnapshotRecords } from '../../daemon/src/snapshot/snapshot-builder.js';
import { pipelineAvailable } from '../../daemon/src/snapshot/snapshot-pipeline.js';
import { generateCapture } from '../bench/generate-capture.js';
import { tempDir } from '../helpers/paths.js';

interface Seen {
  records: number;
  peakBytes: number;
  peak: SnapshotRecords;
  leaks: SnapshotRecords;
}

function read(file: string, threads: 1 | 2): { seen: Seen[]; peakMemory: number; records: number } {
  const seen: Seen[] = [];
  const onProvisional = (p: ProvisionalCapture): void => {
    seen.push({ records: p.records, peakBytes: p.peakBytes, peak: p.peak.records, leaks: p.leaks.records });
  };
  const c = loadCapture(file, { threads, onProvisional, provisionalTiming: { firstMs: 0, everyMs: 0, waitFactor: 0 } });
  return { seen, peakMemory: c.peakMemory, records: c.totalAllocations };
}

const sum = (a: Float64Array): number => a.reduce((s, x) => s + x, 0);

describe('provisional snapshots only while wanted (the daemon: once a client asks for a tree while indexing)', () => {
  it('the first snapshot is always taken; later ones only once wanted() says so', () => {
    const file = path.join(tempDir('memtree-provisional-'), 'gen.bin');
    generateCapture(file, { records: 3_000_000, distinctStacks: 500 });
    for (const threads of pipelineAvailable() ? ([1, 2] as const) : ([1] as const)) {
      const count = (wanted: (records: number) => boolean): number[] => {
        const seen: number[] = [];
        let last = 0;
        loadCapture(file, {
          threads,
          onProgress: (_d, _b, records) => void (last = records),
          onProvisional: (p) => void seen.push(p.records),
          provisionalTiming: { firstMs: 0, everyMs: 0, waitFactor: 0, wanted: () => wanted(last) },
        });
        return seen;
      };
      if (threads === 1) {
        // One thread answers at the progress point that asks (one per MiB of records: 5 here).
        const always = count(() => true);
        expect(always.length).toBeGreaterThan(3);
        expect(count(() => false)).toHaveLength(1);
        // Wanted from the middle on: snapshots again, all of them from there.
        const half = always[Math.floor(always.length / 2)]!;
        const late = count((records) => records >= half);
        expect(late.length).toBeGreaterThan(1);
        expect(late.slice(1).every((r) => r >= half)).toBe(true);
      } else {
        // Two threads: an answer is taken at a later progress point, so how many arrive before
        // the pass ends depends on the decoder thread's pace (a loaded machine gets fewer). What
        // holds on any machine: never more than the first when not wanted; more than one when
        // wanted, within a few passes; none from before wanted() turned true.
        for (let i = 0; i < 3; i++) expect(count(() => false).length).toBeLessThanOrEqual(1);
        let always: number[] = [];
        for (let i = 0; i < 10 && always.length < 2; i++) always = count(() => true);
        expect(always.length).toBeGreaterThan(1);
        const half = always[1]!;
        const late = count((records) => records >= half);
        expect(late.slice(1).every((r) => r >= half)).toBe(true);
      }
    }
  }, 180_000);
});

describe.runIf(pipelineAvailable())('provisional snapshots while reading', () => {
  it('two threads answer with the one-thread snapshot of the same record; every snapshot is the heap at the peak so far', () => {
    const file = path.join(tempDir('memtree-provisional-'), 'gen.bin');
    generateCapture(file, { records: 8 * BATCH * SLOTS + 12_345, distinctStacks: 5000, threads: 3 });
    const one = read(file, 1);
    const two = read(file, 2);
    expect(one.seen.length).toBeGreaterThan(1); // a snapshot at every MiB of records
    expect(two.seen.length).toBeGreaterThan(0);
    const byRecords = new Map(one.seen.map((s) => [s.records, s]));
    for (const s of two.seen) expect(s).toEqual(byRecords.get(s.records));
    for (const run of [one, two]) {
      let last: Seen | undefined;
      for (const s of run.seen) {
        expect(sum(s.peak.bytes)).toBe(s.peakBytes); // the live set at the peak adds up to it
        expect(sum(s.leaks.bytes)).toBeLessThanOrEqual(s.peakBytes);
        expect(s.peakBytes).toBeLessThanOrEqual(run.peakMemory);
        if (last !== undefined) {
          expect(s.records).toBeGreaterThan(last.records);
          expect(s.peakBytes).toBeGreaterThanOrEqual(last.peakBytes);
        }
        last = s;
      }
      expect(last!.records).toBeLessThanOrEqual(run.records);
    }
  }, 180_000);
});
