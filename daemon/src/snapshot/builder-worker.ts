/**
 * Worker-thread entry of the two-thread reading pass (snapshot-pipeline.ts): takes the record
 * batches from the ring in order, runs the live-table side of the pass on them, and posts the
 * snapshots (typed arrays, transferred) when the decoder is done.
 */
import { workerData } from 'node:worker_threads';
import type { PipelineMessage, PipelineWorkerData } from './snapshot-pipeline.js';
import {
  ABORT,
  BATCH,
  CTRL_CONSUMED,
  CTRL_CONSUMER,
  CTRL_PRODUCER,
  CTRL_WRITTEN,
  FAILED,
  FINISHED,
  META_MEMORY,
  META_PROVISIONAL,
  Ring,
  RUNNING,
  SLOTS,
  STARTED,
} from './pipeline-ring.js';
import { SPLIT } from './live-table.js';
import { SnapshotBuilder, type BuilderSums } from './snapshot-builder.js';
import { threadCpuMs } from './snapshot-pipeline.js';

const { ring: buffer, port, options } = workerData as PipelineWorkerData;
const ring = new Ring(buffer);
const ctrl = ring.ctrl;

/** The typed arrays of a result, to transfer instead of copy. */
function transferables(s: BuilderSums): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const add = (o: object): void => {
    for (const v of Object.values(o)) if (ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer) out.add(v.buffer);
  };
  for (const g of [s.peak, s.leaks, s.temporary]) if (g !== undefined) add(g);
  add(s.timeline);
  add(s.timeline.peakRuns);
  add(s.timeline.lifetimes);
  return [...out];
}

/** Time spent waiting for the decoder. */
let waitMs = 0;

/** Runs the pass; returns false if the decoder gave up. */
function consume(builder: SnapshotBuilder): boolean {
  const { addressHi, addressLo, size, group, meta, counts } = ring;
  for (let consumed = 0; ; ) {
    let written = Atomics.load(ctrl, CTRL_WRITTEN);
    while (written === consumed) {
      const producer = Atomics.load(ctrl, CTRL_PRODUCER);
      if (producer === ABORT) return false;
      written = Atomics.load(ctrl, CTRL_WRITTEN);
      if (written !== consumed) break;
      if (producer !== RUNNING) return true; // DONE and every batch taken
      const t0 = performance.now();
      Atomics.wait(ctrl, CTRL_WRITTEN, consumed, 1000);
      waitMs += performance.now() - t0;
      written = Atomics.load(ctrl, CTRL_WRITTEN);
    }
    const slot = consumed % SLOTS;
    const from = slot * BATCH;
    const to = from + counts[slot]!;
    for (let i = from; i < to; i++) {
      const m = meta[i]!;
      if ((m & META_PROVISIONAL) === META_PROVISIONAL) {
        // META_MEMORY or META_PROVISIONAL (allocator ids are far below 0xfe)
        if (m === META_MEMORY) builder.memory(addressHi[i]! * 4294967296 + (addressLo[i]! >>> 0), size[i]!);
        else {
          const s = builder.provisionalSums();
          const provisional: PipelineMessage = { provisional: s };
          port.postMessage(provisional, [s.peak.ids.buffer, s.peak.bytes.buffer, s.peak.count.buffer, s.peak.minSeq.buffer, s.leaks.ids.buffer, s.leaks.bytes.buffer, s.leaks.count.buffer, s.leaks.minSeq.buffer] as ArrayBuffer[]);
        }
      } else {
        builder.record(group[i]!, m >>> 8, addressHi[i]!, addressLo[i]!, size[i]!, m & 0xff);
      }
    }
    consumed++;
    Atomics.store(ctrl, CTRL_CONSUMED, consumed);
    Atomics.notify(ctrl, CTRL_CONSUMED);
  }
}

function done(state: number, message: PipelineMessage, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
  Atomics.store(ctrl, CTRL_CONSUMER, state);
  Atomics.notify(ctrl, CTRL_CONSUMER);
  Atomics.notify(ctrl, CTRL_CONSUMED);
  port.close();
}

Atomics.store(ctrl, CTRL_CONSUMER, STARTED);
Atomics.notify(ctrl, CTRL_CONSUMER);
try {
  const builder = new SnapshotBuilder(options);
  if (consume(builder)) {
    const sums = builder.finishSums();
    done(FINISHED, { ok: true, sums, stats: { cpuMs: threadCpuMs(), waitMs } }, transferables(sums));
  } else {
    done(FAILED, { ok: false, message: 'stopped by the decoder' });
  }
} catch (err) {
  done(FAILED, { ok: false, message: err instanceof Error ? err.message : String(err) });
}
