/**
 * Child process of the versions bench: one part of reading a capture, timed alone in a fresh
 * process, printed as one JSON line ({ ms, bytes, records }).
 *
 *   node dist/test/bench/read-phases.js CAPTURE lz4      the file into the record window (LZ4 frame decoded), no record decoding
 *   node dist/test/bench/read-phases.js CAPTURE decode   that plus the records decoded into a sink that only counts them
 *   node dist/test/bench/read-phases.js CAPTURE warm     loadCapture twice in this process: the second read (the decoding thread's code compiled)
 *   node dist/test/bench/read-phases.js CAPTURE threads  loadCapture on two threads: CPU time of each (load-independent, unlike wall time)
 *   node dist/test/bench/read-phases.js CAPTURE order    after loadCapture, memray 1.19 and older's record order alone (the second read; 0 if none)
 */
import { loadCapture, openCapture } from '../../daemon/src/capture/load.js';
import { readLegacyAllocationRecords } from '../../daemon/src/capture/records-legacy.js';
import { readAllocationRecords, type AllocationSink } from '../../daemon/src/capture/records.js';
import { lastPipelineStats } from '../../daemon/src/snapshot/snapshot-pipeline.js';

/** Counts the records and keeps a checksum of what it is given, so nothing is optimized away. */
class CountingSink implements AllocationSink {
  records = 0;
  check = 0;
  allocation(tid: number, address: number, size: number, allocator: number, stackId: number): void {
    this.records++;
    this.check = (this.check + size + allocator + stackId) | 0;
  }
  memory(): void {}
}

const [file, phase] = process.argv.slice(2) as [string, string];
let ms = 0;
let bytes = 0;
let records = 0;
let decoderCpuMs: number | undefined;
let builderCpuMs: number | undefined;
if (phase === 'threads') {
  const t0 = performance.now();
  const c = loadCapture(file, { threads: 2 });
  ms = performance.now() - t0;
  bytes = c.bytesRead;
  records = c.totalAllocations;
  decoderCpuMs = lastPipelineStats?.decoderCpuMs;
  builderCpuMs = lastPipelineStats?.builderCpuMs;
} else if (phase === 'order') {
  const c = loadCapture(file);
  bytes = c.bytesRead;
  records = c.totalAllocations;
  const t0 = performance.now();
  c.legacyOrder?.();
  ms = performance.now() - t0;
} else if (phase === 'warm') {
  loadCapture(file);
  const t0 = performance.now();
  const c = loadCapture(file);
  ms = performance.now() - t0;
  bytes = c.bytesRead;
  records = c.totalAllocations;
} else {
  const t0 = performance.now();
  const open = openCapture(file);
  const sb = open.buffer;
  if (phase === 'lz4') {
    while (!sb.eof) {
      sb.pos = sb.end;
      sb.fill(1);
    }
    bytes = sb.base + sb.end;
  } else if (phase === 'decode') {
    const sink = new CountingSink();
    const read = open.header.version >= 12 ? readAllocationRecords : readLegacyAllocationRecords;
    const outcome = read(sb, open.header, open.state, sink);
    bytes = outcome.bytes;
    records = sink.records;
  } else {
    throw new Error(`unknown phase ${phase} (lz4, decode, warm, threads or order)`);
  }
  open.close();
  ms = performance.now() - t0;
}
process.stdout.write(`${JSON.stringify({ ms, bytes, records, decoderCpuMs, builderCpuMs })}\n`);
