// A synthetic capture shaped like ../shared/captures/large_9m.bin (memray run
// --trace-python-allocators large.py SCALE): a dict of n str -> tuple entries, n small lists,
// half the dict churned, n strings, all alive at the peak, then freed at exit. About 38
// ALLOCATION records and 9 live objects per n (large_9m: 9.47 M records, 2.25 M live at its
// peak for n = 250,000), pymalloc-like addresses (one region per size class, freed blocks
// re-used LIFO), dict tables grown by malloc/free, temporaries freed at once, memory records.
// Used by `npm run bench -- scale` for the 47 M-record (SCALE 5) comparison with memray.
import * as fs from 'node:fs';
import { CaptureWriter } from '../helpers/capture-stream.js';
import { Allocator } from '../helpers/capture-types.js';
import { buildLineTable } from '../helpers/line-tables.js';
import { Rng } from '../helpers/rng.js';
import type { GenerateResult } from './generate-capture.js';

const HEAP = 0x7f3000000000;
const BIG = 0x7e9000000000;
const PY = 0x030b07f0;

/** Per size class (16-byte steps): bump pointer and LIFO free list, like pymalloc's pools. */
class Pools {
  private bump: number[] = [];
  private free: number[][] = [];

  alloc(size: number): number {
    const c = Math.min(31, (size + 15) >> 4);
    const list = (this.free[c] ??= []);
    if (list.length > 0) return list.pop()!;
    const a = this.bump[c] ?? HEAP + c * 2 ** 34;
    this.bump[c] = a + 16 * Math.max(1, c);
    return a;
  }

  release(address: number, size: number): void {
    (this.free[Math.min(31, (size + 15) >> 4)] ??= []).push(address);
  }
}

/** Writes a capture of exactly `records` ALLOCATION records to `out`. */
export function generateLargeCapture(out: string, opts: { records: number; seed?: number }): GenerateResult {
  const t0 = performance.now();
  const total = opts.records;
  const n = Math.max(1, Math.floor(total / 38));
  const rng = new Rng(opts.seed ?? 7);
  const fd = fs.openSync(out, 'w');
  let fileBytes = 0;
  const w = new CaptureWriter(
    (chunk) => {
      fs.writeSync(fd, chunk);
      fileBytes += chunk.length;
    },
    { compress: true, pythonVersion: PY, nAllocations: total, commandLine: `python3 large.py ${Math.round(n / 250_000)}`, sysPath: ['/app'] },
  );
  const names = ['<module>', 'main', 'build_dict', '<dictcomp>', 'build_lists', '<listcomp>', 'churn', '<listcomp>'];
  for (let id = 1; id <= names.length; id++) {
    const first = 10 * id;
    const built = buildLineTable(PY, first, [first + 1, first + 2, first + 3], { seed: id });
    w.write({ type: 'code', id, function: names[id - 1]!, file: '/app/large.py', firstLine: first, lineTable: built.table });
  }
  const pools = new Pools();
  let written = 0;
  let ms = 0;
  const room = (): boolean => written < total;
  const alloc = (size: number): number => {
    const a = pools.alloc(size);
    w.allocation(1, a, size, Allocator.PYMALLOC_MALLOC);
    written++;
    if (written % 200_000 === 0) w.write({ type: 'memory', rss: 40e6 + written * 12, ms: ++ms * 10 });
    return a;
  };
  const free = (a: number, size: number): void => {
    w.allocation(1, a, 0, Allocator.PYMALLOC_FREE);
    pools.release(a, size);
    written++;
  };
  const temp = (size: number): void => {
    if (written + 2 > total) return;
    free(alloc(size), size);
  };
  let depth = 0;
  const call = (code: number, line = 0): void => {
    w.write({ type: 'push', tid: 1, code, offset: line });
    depth++;
  };
  const ret = (k = 1): void => {
    w.write({ type: 'pop', tid: 1, count: k });
    depth -= k;
  };
  /** Live objects: address and size, in allocation order, per structure. */
  const live = { addr: new Float64Array(9 * n + 64), size: new Float64Array(9 * n + 64), len: 0 };
  const keep = (size: number): number => {
    const a = alloc(size);
    live.addr[live.len] = a;
    live.size[live.len++] = size;
    return live.len - 1;
  };
  let table = 0;
  let tableSize = 0;
  const grow = (entries: number): void => {
    // A dict or list table outgrowing itself: malloc the new one, free the old.
    if (entries * 24 <= tableSize || written + 2 > total) return;
    const size = Math.max(1024, 2 ** Math.ceil(Math.log2(entries * 48)));
    const a = BIG + (table % 2 === 0 ? 0 : 2 ** 36);
    w.allocation(1, a, size, Allocator.MALLOC);
    if (tableSize > 0) w.allocation(1, BIG + (table % 2 === 0 ? 2 ** 36 : 0), 0, Allocator.FREE);
    else w.allocation(1, a + size, 8, Allocator.MALLOC); // a small header block the first time
    written += 2;
    table++;
    tableSize = size;
  };

  call(1);
  call(2, 1);
  // build_dict: "key-%d" (str), i (int), i * 0.5 (float), the tuple; a temporary format buffer.
  call(3, 1);
  call(4, 1);
  const dictKeys: number[] = [];
  for (let i = 0; i < n && room(); i++) {
    temp(64);
    dictKeys.push(keep(49 + (i % 8)));
    keep(32);
    keep(24);
    keep(56);
    grow(i);
  }
  ret(2);
  // build_lists: the list, its item array, str(i), int.
  call(5, 2);
  call(6, 1);
  tableSize = 0;
  for (let i = 0; i < n && room(); i++) {
    keep(56);
    keep(32);
    keep(40 + (i % 10));
    keep(32);
    temp(48);
    grow(i);
  }
  ret(2);
  // churn: list(d) (big), delete every other key (4 frees), re-add (4 allocations + temporaries).
  call(7, 3);
  for (let k = 0; k < dictKeys.length && room(); k += 2) {
    for (let j = 0; j < 4 && room(); j++) {
      const e = dictKeys[k]! + j;
      free(live.addr[e]!, live.size[e]!);
      if (!room()) break;
      const size = live.size[e]!;
      live.addr[e] = pools.alloc(size);
      w.allocation(1, live.addr[e]!, size, Allocator.PYMALLOC_MALLOC);
      written++;
    }
    temp(64);
    temp(32);
    if (rng.chance(0.5)) temp(24);
  }
  ret();
  // strings: ("x" * (i % 50)) + str(i), with two temporaries each.
  call(8, 1);
  for (let i = 0; i < n && room(); i++) {
    temp(33 + (i % 50));
    temp(40);
    keep(49 + (i % 50) + 6);
  }
  ret(depth - 1);
  // Exit: everything freed (the peak is just before).
  for (let e = 0; e < live.len && room(); e++) free(live.addr[e]!, live.size[e]!);
  while (room()) {
    if (written + 2 <= total) temp(16 + 16 * rng.int(8));
    else alloc(16);
  }
  w.end();
  fs.closeSync(fd);
  return { records: w.allocations, rawBytes: w.bytesWritten, fileBytes, ms: performance.now() - t0 };
}
