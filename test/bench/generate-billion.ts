// A capture of about 1e9 ALLOCATION records written without encoding 1e9 records: a prologue
// (a live set of `live` allocations that stays to the end) and then one block of churn repeated
// byte for byte. A block starts and ends in the same decoder state (the same thread and stack,
// every block allocation freed again, the same addresses in the same order, so the address
// cache and delta accumulators end where they started), which the generator checks by encoding
// three blocks and comparing the second and third. The raw bytes go through the LZ4 frame
// encoder into the file, so the disk holds the compressed capture only (never the ~4 GB).
import * as fs from 'node:fs';
import { Lz4FrameEncoder } from '../../daemon/src/capture/lz4-encode.js';
import { CaptureWriter } from '../helpers/capture-stream.js';
import { Allocator } from '../helpers/capture-types.js';
import { buildLineTable } from '../helpers/line-tables.js';
import { Rng } from '../helpers/rng.js';
import type { GenerateResult } from './generate-capture.js';

const PY = 0x030b07f0;
const LIVE_BASE = 0x7f4000000000;
const CHURN_BASE = 0x7f6000000000;
/** ALLOCATION records per repeated block. */
const BLOCK = 1 << 20;
const CODES = 40;

/** One block: stack changes, pymalloc-like churn over a small pool, everything freed at its end. */
function block(w: CaptureWriter): void {
  const rng = new Rng(12345);
  const pool = 4096;
  const addr = new Float64Array(pool);
  const live: number[] = [];
  const free: number[] = [];
  for (let i = 0; i < pool; i++) free.push(CHURN_BASE + 64 * (pool - 1 - i));
  let records = 0;
  let depth = 0;
  w.write({ type: 'memory', rss: 400 << 20, ms: 1000 });
  while (records < BLOCK) {
    if (rng.chance(0.002)) {
      if (depth > 0 && rng.chance(0.5)) {
        w.write({ type: 'pop', tid: 1, count: depth });
        depth = 0;
      } else {
        w.write({ type: 'push', tid: 1, code: 2 + rng.int(CODES - 1), offset: rng.int(3) });
        depth++;
      }
    }
    const left = BLOCK - records;
    if (live.length > 0 && (live.length >= left || live.length === pool || rng.chance(0.5))) {
      const k = rng.chance(0.9) ? live.length - 1 : rng.int(live.length);
      const a = live[k]!;
      live[k] = live[live.length - 1]!;
      live.pop();
      w.allocation(1, a, 0, Allocator.PYMALLOC_FREE);
      free.push(a);
    } else {
      const a = free.pop()!;
      live.push(a);
      addr[live.length - 1] = a;
      w.allocation(1, a, 16 * (1 + rng.int(4)), Allocator.PYMALLOC_MALLOC);
    }
    records++;
  }
  if (depth > 0) w.write({ type: 'pop', tid: 1, count: depth });
}

/** Writes a capture of at least `records` records (a whole number of blocks) with `live` allocations alive throughout. */
export function generateBillionCapture(out: string, opts: { records: number; live: number }): GenerateResult {
  const t0 = performance.now();
  const blocks = Math.max(3, Math.ceil((opts.records - opts.live) / BLOCK));
  const total = opts.live + blocks * BLOCK;
  const chunks: Uint8Array[] = [];
  const w = new CaptureWriter((c) => chunks.push(c.slice()), { compress: false, pad: false, pythonVersion: PY, nAllocations: total, sysPath: ['/app'] });
  for (let id = 1; id <= CODES; id++) {
    const built = buildLineTable(PY, 10 * id, [10 * id + 1, 10 * id + 2, 10 * id + 3], { seed: id });
    w.write({ type: 'code', id, function: id === 1 ? '<module>' : `step_${id}`, file: `/app/m${id % 5}.py`, firstLine: 10 * id, lineTable: built.table });
  }
  w.write({ type: 'push', tid: 1, code: 1, offset: 0 });
  for (let i = 0; i < opts.live; i++) {
    if (i % 65536 === 0) w.write({ type: 'push', tid: 1, code: 2 + ((i >> 16) % (CODES - 1)), offset: 1 });
    w.allocation(1, LIVE_BASE + 48 * i, 48, Allocator.PYMALLOC_MALLOC);
    if (i % 65536 === 65535 || i === opts.live - 1) w.write({ type: 'pop', tid: 1, count: 1 });
  }
  const marks = [w.bytesWritten];
  for (let b = 0; b < 3; b++) {
    block(w);
    marks.push(w.bytesWritten);
  }
  w.end();
  const raw = Buffer.concat(chunks);
  const second = raw.subarray(marks[1], marks[2]);
  if (!second.equals(raw.subarray(marks[2], marks[3]))) throw new Error('generate-billion: a block does not end in the state it started in');

  const fd = fs.openSync(out, 'w');
  let fileBytes = 0;
  const put = (c: Uint8Array): void => {
    if (c.length === 0) return;
    fs.writeSync(fd, c);
    fileBytes += c.length;
  };
  try {
    const lz4 = new Lz4FrameEncoder({ blockSize: 4194304 });
    put(lz4.write(raw.subarray(0, marks[1])));
    for (let b = 1; b < blocks; b++) put(lz4.write(second));
    put(lz4.write(raw.subarray(marks[3])));
    put(lz4.end());
  } finally {
    fs.closeSync(fd);
  }
  const rawBytes = marks[1]! + (blocks - 1) * second.length + (raw.length - marks[3]!);
  return { records: total, rawBytes, fileBytes, ms: performance.now() - t0 };
}
