// Streams a realistic synthetic memray capture of N ALLOCATION records to disk without holding
// it in memory: a few named threads, a few hundred code objects with real line tables, call
// stacks that drift, pymalloc-like churn (allocate, free soon after, freed blocks re-used
// LIFO from a small pool of 16-byte aligned addresses) with a live set that does not grow
// with N, occasional large mallocs, reallocs, mmaps and partial munmaps, memory samples.
// Optionally a block of M live allocations on M distinct deep stacks first.
//
//   npx tsc -b && node dist/test/bench/generate-capture.js OUT --records 10m [--raw]
//        [--distinct-stacks 1000000] [--seed 1] [--threads 4] [--version 11]

import * as fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { CaptureWriter } from '../helpers/capture-stream.js';
import { Allocator } from '../helpers/capture-types.js';
import { buildLineTable } from '../helpers/line-tables.js';
import { Rng } from '../helpers/rng.js';

/** What to generate. */
export interface GenerateOptions {
  /** ALLOCATION records to write (allocations and deallocations), exactly. */
  records: number;
  /** Write a raw (zero-padded) file instead of memray's default LZ4 frame. */
  raw?: boolean;
  /** First write this many live allocations, each on its own deep Python stack. */
  distinctStacks?: number;
  seed?: number;
  threads?: number;
  /** PY_VERSION_HEX selecting the line-table format (default 3.11). */
  pythonVersion?: number;
  /** Header version 9-13 (default 13): the same workload in memray 1.4-1.20's formats. */
  version?: 9 | 10 | 11 | 12 | 13;
}

/** What was written. */
export interface GenerateResult {
  records: number;
  /** Uncompressed capture bytes. */
  rawBytes: number;
  /** Bytes on disk. */
  fileBytes: number;
  ms: number;
}

const CODE_OBJECTS = 320;
const LINES_PER_CODE = 24;
const FILES = 40;
/** Per-thread pool of live small blocks: the live set is bounded by threads x this. */
const POOL = 512;
const HEAP_BASE = 0x7f1200000000;
const BIG_BASE = 0x7e5000000000;
const MMAP_BASE = 0x7d8000000000;

interface ThreadState {
  tid: number;
  /** Current Python stack, outermost first: code id and instruction index per frame. */
  codes: number[];
  ins: number[];
  /** Live small blocks: address and size per slot, `live` of them in use. */
  addr: Float64Array;
  size: Float64Array;
  live: number;
  /** Freed addresses, re-used LIFO like pymalloc's free lists. */
  freeList: number[];
  bump: number;
  /** The loop being run: operation kinds and arguments, and the next step. */
  kinds: number[];
  args: number[];
  pc: number;
  /** A large block or mapping waiting to be released: address, size, allocator (0 = none). */
  bigAddr: number;
  bigSize: number;
  bigKind: number;
}

/** Writes a capture to `out` and returns its sizes and how long it took. */
export function generateCapture(out: string, opts: GenerateOptions): GenerateResult {
  const t0 = performance.now();
  const rng = new Rng(opts.seed ?? 1);
  const pythonVersion = opts.pythonVersion ?? 0x030b07f0;
  const nThreads = Math.max(1, opts.threads ?? 4);
  const distinct = Math.max(0, opts.distinctStacks ?? 0);
  const total = Math.max(opts.records, distinct);
  const fd = fs.openSync(out, 'w');
  let fileBytes = 0;
  const sink = (chunk: Uint8Array): void => {
    fs.writeSync(fd, chunk);
    fileBytes += chunk.length;
  };
  const w = new CaptureWriter(sink, {
    version: opts.version ?? 13,
    compress: !opts.raw,
    pythonVersion,
    nAllocations: total, // known up front, so the LZ4 header needs no rewrite
    commandLine: `python3 synthetic_workload.py --records ${total}`,
    sysPath: ['/app', '/usr/lib/python3.11'],
    sitePackages: ['/venv/lib/python3.11/site-packages'],
  });

  // Code objects: functions spread over a few modules, each with a real line table.
  const offsets: (readonly number[])[] = [[]];
  for (let id = 1; id <= CODE_OBJECTS; id++) {
    const first = 1 + rng.int(900);
    const lines: number[] = [];
    for (let i = 0, line = first + 1; i < LINES_PER_CODE; i++) {
      lines.push(line);
      if (rng.chance(0.6)) line += 1 + rng.int(3);
    }
    const built = buildLineTable(pythonVersion, first, lines, { seed: id });
    offsets.push(built.offsets);
    const file = id % FILES === 0 ? '/usr/lib/python3.11/json/decoder.py' : `/app/pkg${id % FILES}/module${id % 7}.py`;
    w.write({ type: 'code', id, function: id === 1 ? '<module>' : `func_${id}`, file, firstLine: first, lineTable: built.table });
  }
  w.write({ type: 'memory', rss: 30 << 20, ms: 0 });

  const threads: ThreadState[] = [];
  for (let t = 0; t < nThreads; t++) {
    const tid = t + 1;
    threads.push({
      tid,
      codes: [],
      ins: [],
      addr: new Float64Array(POOL),
      size: new Float64Array(POOL),
      live: 0,
      freeList: [],
      bump: HEAP_BASE + t * 0x1000000000, // 64 GiB apart: threads never share addresses
      kinds: [OP_ALLOC],
      args: [64],
      pc: 0,
      bigAddr: 0,
      bigSize: 0,
      bigKind: 0,
    });
    if (t > 0) w.write({ type: 'thread', tid, name: `worker-${t}` });
  }
  const push = (th: ThreadState, code: number, ins: number): void => {
    th.codes.push(code);
    th.ins.push(ins);
    w.write({ type: 'push', tid: th.tid, code, offset: offsets[code]![ins]! });
  };
  const pop = (th: ThreadState, n: number): void => {
    if (n <= 0) return;
    th.codes.length -= n;
    th.ins.length -= n;
    w.write({ type: 'pop', tid: th.tid, count: n });
  };
  // Every thread starts inside <module> plus a few frames.
  for (const th of threads) {
    push(th, 1, 0);
    for (let d = 0; d < 4 + rng.int(6); d++) push(th, 2 + rng.int(CODE_OBJECTS - 1), rng.int(LINES_PER_CODE));
  }

  let written = 0;
  if (distinct > 0) written += distinctStacks(w, threads[0]!, distinct, pop, push);

  // Churn until exactly `total` records are written.
  let th = threads[0]!;
  let untilSwitch = 0;
  let untilDrift = 0;
  let untilMemory = 100_000;
  let bigBump = BIG_BASE;
  let mmapBump = MMAP_BASE;
  while (written < total) {
    if (untilSwitch-- <= 0) {
      th = threads[rng.int(nThreads)]!;
      untilSwitch = 20 + rng.int(400);
    }
    if (untilDrift-- <= 0) {
      // The program moves on: return from a few frames and call others, or step to another
      // line; the new code runs a new loop.
      untilDrift = 20 + rng.int(2000);
      newLoop(th, rng);
      if (rng.chance(0.5) && th.codes.length > 1) {
        const code = th.codes[th.codes.length - 1]!;
        pop(th, 1);
        push(th, code, rng.int(LINES_PER_CODE));
      } else {
        pop(th, Math.min(th.codes.length - 1, rng.int(4)));
        const depth = th.codes.length < 6 ? 3 : th.codes.length > 40 ? 0 : rng.int(4);
        for (let d = 0; d < depth; d++) push(th, 2 + rng.int(CODE_OBJECTS - 1), rng.int(LINES_PER_CODE));
      }
    }
    if (untilMemory-- <= 0) {
      untilMemory = 100_000;
      w.write({ type: 'memory', rss: (40 << 20) + rng.int(20 << 20), ms: Math.floor(written / 5000) });
    }
    const left = total - written;
    const r = rng.u32() / 4294967296;
    if (th.bigKind !== 0 && (r < 0.002 || left <= 1)) {
      // Release the pending big block: free, or munmap it (sometimes in two partial calls).
      if (th.bigKind === Allocator.MMAP) {
        if (left >= 2 && th.bigSize > 8192 && rng.chance(0.5)) {
          const cut = 4096 * (1 + rng.int(th.bigSize / 4096 - 1));
          w.allocation(th.tid, th.bigAddr + cut, th.bigSize - cut, Allocator.MUNMAP); // trims the tail
          w.allocation(th.tid, th.bigAddr, cut, Allocator.MUNMAP);
          written += 2;
        } else {
          w.allocation(th.tid, th.bigAddr, th.bigSize, Allocator.MUNMAP);
          written++;
        }
      } else {
        w.allocation(th.tid, th.bigAddr, 0, Allocator.FREE);
        written++;
      }
      th.bigKind = 0;
    } else if (th.bigKind === 0 && r < 0.0015 && left > 2) {
      // Occasionally a large malloc (numpy-style buffer) or an mmap'd region.
      if (rng.chance(0.6)) {
        th.bigSize = (1 + rng.int(64)) << 20;
        th.bigAddr = bigBump;
        bigBump += th.bigSize + 0x10000;
        if (bigBump > BIG_BASE + 0x100000000) bigBump = BIG_BASE; // addresses get re-used
        th.bigKind = Allocator.MALLOC;
      } else {
        th.bigSize = 4096 * (64 + rng.int(4096));
        th.bigAddr = mmapBump;
        mmapBump += th.bigSize + 4096;
        if (mmapBump > MMAP_BASE + 0x100000000) mmapBump = MMAP_BASE;
        th.bigKind = Allocator.MMAP;
      }
      w.allocation(th.tid, th.bigAddr, th.bigSize, th.bigKind);
      written++;
    } else {
      // One step of the thread's current loop body (programs allocate in loops, which is what
      // makes real captures repetitive and compressible).
      const kind = th.kinds[th.pc]!;
      const arg = th.args[th.pc]!;
      th.pc = th.pc + 1 === th.kinds.length ? 0 : th.pc + 1;
      if ((kind === OP_FREE && th.live > 0) || th.live >= POOL - 1) {
        // Free one of the youngest blocks (a temporary), or an older one now and then.
        const k = r > 0.995 ? rng.int(th.live) : th.live - 1 - Math.min(arg, th.live - 1);
        const address = th.addr[k]!;
        const size = th.size[k]!;
        th.live--;
        th.addr[k] = th.addr[th.live]!;
        th.size[k] = th.size[th.live]!;
        w.allocation(th.tid, address, 0, size <= 512 ? Allocator.PYMALLOC_FREE : Allocator.FREE);
        th.freeList.push(address);
        written++;
      } else if (kind === OP_REALLOC && th.live > 0 && left >= 2) {
        // realloc: FREE of the old block, then REALLOC (in place when it grows little).
        const k = th.live - 1;
        const old = th.addr[k]!;
        const size = th.size[k]! + arg;
        const address = arg < 256 ? old : nextAddress(th);
        w.allocation(th.tid, old, 0, Allocator.FREE);
        w.allocation(th.tid, address, size, Allocator.REALLOC);
        if (address !== old) th.freeList.push(old);
        th.addr[k] = address;
        th.size[k] = size;
        written += 2;
      } else {
        // Sizes repeat with the loop, but some vary per iteration (strings, growing lists).
        const size = kind === OP_FREE || kind === OP_REALLOC ? 64 : r < 0.12 ? arg + rng.int(arg <= 512 ? 24 : 4096) : arg;
        const address = nextAddress(th);
        th.addr[th.live] = address;
        th.size[th.live] = size;
        th.live++;
        w.allocation(th.tid, address, size, kind === OP_CALLOC ? (size <= 512 ? Allocator.PYMALLOC_CALLOC : Allocator.CALLOC) : size <= 512 ? Allocator.PYMALLOC_MALLOC : Allocator.MALLOC);
        written++;
      }
    }
  }
  w.end();
  if (opts.raw) {
    const h = w.finalHeader();
    fs.writeSync(fd, h, 0, h.length, 0);
  }
  fs.closeSync(fd);
  return { records: w.allocations, rawBytes: w.bytesWritten, fileBytes, ms: performance.now() - t0 };
}

const OP_ALLOC = 0;
const OP_CALLOC = 1;
const OP_FREE = 2;
const OP_REALLOC = 3;

/**
 * A new loop body: a few allocations (mostly small pymalloc sizes) and about as many frees
 * of young blocks, so the live set stays small.
 */
function newLoop(th: ThreadState, rng: Rng): void {
  th.kinds = [];
  th.args = [];
  th.pc = 0;
  const allocs = 1 + rng.int(5);
  let pending = 0;
  for (let i = 0; i < allocs; i++) {
    const small = rng.chance(0.85);
    th.kinds.push(rng.chance(0.05) ? OP_CALLOC : OP_ALLOC);
    th.args.push(small ? 16 * (1 + rng.int(32)) - rng.int(8) : 513 + rng.int(rng.chance(0.9) ? 4096 : 256 << 10));
    pending++;
    if (rng.chance(0.1)) {
      th.kinds.push(OP_REALLOC);
      th.args.push(16 + rng.int(rng.chance(0.5) ? 200 : 8192));
    }
    while (pending > 0 && rng.chance(0.5)) {
      th.kinds.push(OP_FREE);
      th.args.push(rng.int(pending--));
    }
  }
  // Balance the loop: as many frees as allocations, give or take one.
  const extra = rng.chance(0.1) ? 1 : rng.chance(0.1) ? -1 : 0;
  for (let n = pending + extra; n > 0; n--) {
    th.kinds.push(OP_FREE);
    th.args.push(rng.int(Math.max(1, n)));
  }
}

/**
 * A freed address of this thread (LIFO, like pymalloc's free lists) or a fresh 16-byte aligned
 * one from its arena; re-using every freed address keeps the arena as small as the live set.
 */
function nextAddress(th: ThreadState): number {
  if (th.freeList.length > 0) return th.freeList.pop()!;
  const a = th.bump;
  th.bump += 256; // room for the block: exact extents do not matter for simple allocations
  return a;
}

/**
 * `n` live allocations, each on its own stack of depth ~34: a fixed prefix, then three "digit"
 * frames spelling the allocation's index in base 100 (code object and line), then a short
 * tail; consecutive stacks differ in the innermost digit, so the pushes and pops stay small.
 */
function distinctStacks(
  w: CaptureWriter,
  th: ThreadState,
  n: number,
  pop: (th: ThreadState, n: number) => void,
  push: (th: ThreadState, code: number, ins: number) => void,
): number {
  const base = 100;
  const digits = Math.max(1, Math.ceil(Math.log(n) / Math.log(base)));
  while (th.codes.length < 24) push(th, 2 + (th.codes.length % (CODE_OBJECTS - 1)), th.codes.length % LINES_PER_CODE);
  const prefix = th.codes.length;
  const tail = 6;
  let address = HEAP_BASE + 0x40000000;
  let prev = -1;
  for (let i = 0; i < n; i++) {
    // The first digit position (from the outside) that changed since the previous index.
    let keep = 0;
    if (prev >= 0) {
      for (let d = digits - 1; d >= 0; d--) {
        if (Math.floor(prev / base ** d) % base !== Math.floor(i / base ** d) % base) break;
        keep++;
      }
      pop(th, th.codes.length - prefix - keep);
    }
    for (let d = digits - 1 - keep; d >= 0; d--) {
      const digit = Math.floor(i / base ** d) % base;
      push(th, 2 + ((digit * 3 + d * 7) % (CODE_OBJECTS - 1)), digit % LINES_PER_CODE);
    }
    for (let k = 0; k < tail; k++) push(th, 2 + ((i + k * 11) % (CODE_OBJECTS - 1)), k);
    const size = 32 + ((i * 2654435761) >>> 0) % 4000;
    w.allocation(th.tid, address, size, Allocator.MALLOC);
    address += 16 * Math.ceil(size / 16);
    prev = i;
  }
  pop(th, th.codes.length - prefix);
  return n;
}

/** Parses 10m / 50M / 1e6 / 250k. */
function parseCount(s: string | undefined, flag: string): number {
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)([kmg]?)$/i.exec(s ?? '');
  if (!m) throw new Error(`${flag} needs a count like 1000000, 10m or 1e7, not ${s}`);
  const mult = { '': 1, k: 1e3, m: 1e6, g: 1e9 }[m[2]!.toLowerCase()]!;
  return Math.round(Number(m[1]) * mult);
}

function main(argv: string[]): void {
  let out: string | undefined;
  const opts: GenerateOptions = { records: 1_000_000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--records') opts.records = parseCount(argv[++i], a);
    else if (a === '--raw') opts.raw = true;
    else if (a === '--distinct-stacks') opts.distinctStacks = parseCount(argv[++i], a);
    else if (a === '--seed') opts.seed = Number(argv[++i]);
    else if (a === '--threads') opts.threads = Number(argv[++i]);
    else if (a === '--version') opts.version = Number(argv[++i]) as GenerateOptions['version'];
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else out = a;
  }
  if (out === undefined) {
    console.error('usage: node dist/test/bench/generate-capture.js OUT --records N [--raw] [--distinct-stacks M] [--seed S] [--threads T] [--version 9-13]');
    process.exit(2);
  }
  const r = generateCapture(out, opts);
  const s = r.ms / 1000;
  console.log(
    `${out}: ${r.records.toLocaleString('en')} records, ${(r.rawBytes / 1e6).toFixed(1)} MB raw, ` +
      `${(r.fileBytes / 1e6).toFixed(1)} MB on disk${opts.raw ? '' : ' (LZ4)'}, ${s.toFixed(2)} s ` +
      `(${((r.records / s) / 1e6).toFixed(2)} M records/s, ${(r.rawBytes / 1e6 / s).toFixed(0)} MB/s)`,
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv.slice(2));
