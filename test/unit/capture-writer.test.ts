// The synthetic capture writer: byte-exact against memray-written fixtures (capture-format.md
// 14.1, demo311, native), line tables against the reader's decoders, and round trips through
// loadCapture for every container variant.
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseHeader, type CaptureHeader } from '../../daemon/src/capture/header.js';
import { lineNumber } from '../../daemon/src/capture/line-tables.js';
import { loadCapture, type LoadedCapture, type Snapshot } from '../../daemon/src/capture/load.js';
import { Lz4FrameSource } from '../../daemon/src/capture/lz4.js';
import { Cursor } from '../../daemon/src/capture/stream-buffer.js';
import { generateCapture } from '../bench/generate-capture.js';
import {
  Allocator,
  buildLineTable,
  CaptureWriter,
  stacksCapture,
  writeAggregatedCapture,
  writeCapture,
  type CaptureEvent,
  type StackRecord,
  type WriterOptions,
} from '../helpers/capture-writer.js';
import { bytesFile, loadBytes } from '../helpers/load-bytes.js';
import { FORMAT, tempDir } from '../helpers/paths.js';

const tmp = tempDir('memtree-writer-');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function fixture(name: string): Uint8Array {
  return new Uint8Array(fs.readFileSync(path.join(FORMAT, name)));
}

function load(bytes: Uint8Array, temporaryThreshold?: number): LoadedCapture {
  return loadBytes(bytes, { temporaryThreshold });
}

function decompress(bytes: Uint8Array): Uint8Array {
  const fd = fs.openSync(bytesFile(bytes, '.lz4'), 'r');
  try {
    const src = new Lz4FrameSource(fd, bytes.length);
    const parts: Uint8Array[] = [];
    for (let c = src.next(); c; c = src.next()) parts.push(c.slice());
    return new Uint8Array(Buffer.concat(parts));
  } finally {
    fs.closeSync(fd);
  }
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

const ALLOCATOR_IDS = ['', 'pymalloc', 'pymalloc debug', 'malloc', 'unknown', 'mimalloc', 'mimalloc debug'];

/** Writer options reproducing a fixture's header. */
function optionsOf(file: Uint8Array): { opts: WriterOptions; header: CaptureHeader } {
  const c = new Cursor(file, 7, file.length);
  const version = c.i32();
  const h = parseHeader(c, version);
  const opts: WriterOptions = {
    version: h.version as 12 | 13,
    pythonVersion: h.pythonVersion,
    nativeTraces: h.nativeTraces,
    startTime: h.startTime,
    endTime: h.endTime,
    commandLine: h.commandLine,
    pid: h.pid,
    mainTid: h.mainTid,
    skippedFramesOnMainTid: h.skippedFramesOnMainTid,
    pythonAllocator: ALLOCATOR_IDS.indexOf(h.pythonAllocator),
    tracePythonAllocators: h.tracePythonAllocators,
    trackObjectLifetimes: h.trackObjectLifetimes,
    libdest: h.libdest,
    sitePackages: [...h.sitePackages],
    sysPath: [...h.sysPath],
  };
  return { opts, header: h };
}

/** The events of a fixture script (capture-format-fixtures/README.md). */
function scriptEvents(text: string): CaptureEvent[] {
  const events: CaptureEvent[] = [];
  let images: Extract<CaptureEvent, { type: 'maps' }>['images'] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    switch (f[0]) {
      case 'code':
        events.push({
          type: 'code',
          id: Number(f[1]),
          firstLine: Number(f[2]),
          function: f[3]!,
          file: f[4]!,
          lineTable: Uint8Array.from(Buffer.from(f[5] ?? '', 'hex')),
        });
        break;
      case 'push':
        events.push({ type: 'push', tid: Number(f[1]), code: Number(f[2]), offset: Number(f[3]), entry: f[4] === '1' });
        break;
      case 'pop':
        events.push({ type: 'pop', tid: Number(f[1]), count: Number(f[2]) });
        break;
      case 'alloc':
        events.push({ type: 'alloc', tid: Number(f[1]), address: parseInt(f[2]!, 16), size: Number(f[3]), allocator: Number(f[4]), native: Number(f[5]) });
        break;
      case 'thread':
        events.push({ type: 'thread', tid: Number(f[1]), name: f.slice(2).join(' ') });
        break;
      case 'native':
        events.push({ type: 'native', ip: parseInt(f[1]!, 16), parent: Number(f[2]) });
        break;
      case 'seg': {
        const segments = [];
        for (let i = 3; i + 1 < f.length; i += 2) segments.push({ vaddr: parseInt(f[i]!, 16), memsz: parseInt(f[i + 1]!, 16) });
        images.push({ file: f[1]!, load: parseInt(f[2]!, 16), segments });
        break;
      }
      case 'maps':
        events.push({ type: 'maps', images });
        images = [];
        break;
      case 'mem':
        events.push({ type: 'memory', rss: Number(f[1]), ms: Number(f[2]) });
        break;
      case undefined:
      case '':
        break;
      default:
        throw new Error(`unknown script line ${line}`);
    }
  }
  return events;
}

/** capture-format.md 14.1. */
const EXAMPLE_EVENTS: CaptureEvent[] = [
  { type: 'code', id: 1, function: '<module>', file: '/app/x.py', firstLine: 1, lineTable: Uint8Array.of(0xdf, 0x00, 0x05) },
  { type: 'code', id: 2, function: 'f', file: '/app/x.py', firstLine: 3, lineTable: Uint8Array.of(0xdf, 0x00, 0x05) },
  { type: 'push', tid: 1, code: 1, offset: 10 },
  { type: 'push', tid: 1, code: 2, offset: 4 },
  { type: 'alloc', tid: 1, address: 0x7f0000001000, size: 256, allocator: Allocator.MALLOC },
  { type: 'alloc', tid: 1, address: 0x7f0000001000, size: 0, allocator: Allocator.FREE },
  { type: 'alloc', tid: 1, address: 0x7f0000002000, size: 4096, allocator: Allocator.CALLOC },
  { type: 'thread', tid: 2, name: 'worker' },
  { type: 'alloc', tid: 2, address: 0x7f0000003000, size: 1048576, allocator: Allocator.MMAP },
  { type: 'alloc', tid: 2, address: 0x7f0000003000, size: 4096, allocator: Allocator.MUNMAP },
  { type: 'pop', tid: 1, count: 1 },
  { type: 'alloc', tid: 1, address: 0x7f0000001000, size: 32, allocator: Allocator.PYMALLOC_MALLOC },
];

/** Snapshot records as comparable rows. */
function rows(cap: LoadedCapture, snap: Snapshot): { tid: number; bytes: number; count: number; stack: string[]; thread: string }[] {
  const r = snap.records;
  const out = [];
  for (let i = 0; i < r.length; i++) {
    const tid = r.tid[i]!;
    const frames = cap.state.stackTrace(r.stackId[i]!, tid, cap.header.mainTid, cap.header.skippedFramesOnMainTid);
    out.push({
      tid,
      bytes: r.bytes[i]!,
      count: r.count[i]!,
      stack: frames.map((f) => `${f.function} ${f.file}:${f.line}`),
      thread: snap.threadNames.get(tid) ?? '',
    });
  }
  return out;
}

describe('byte-exact against memray-written fixtures', () => {
  it('reproduces example.bin (capture-format.md 14.1)', () => {
    const expected = fixture('example.bin');
    const { opts, header } = optionsOf(expected);
    expect(header.nAllocations).toBe(6);
    const bytes = writeCapture(EXAMPLE_EVENTS, opts);
    expect(hex(bytes.subarray(0, 0x7e))).toBe(hex(expected.subarray(0, 0x7e)));
    expect(hex(bytes.subarray(0x7e, 0xf4))).toBe(hex(expected.subarray(0x7e, 0xf4)));
    expect(bytes.length).toBe(4096);
    expect(hex(bytes)).toBe(hex(expected));
  });

  it('reproduces the records of example.bin with header fields of our choosing', () => {
    const expected = fixture('example.bin');
    const bytes = writeCapture(EXAMPLE_EVENTS, { skippedFramesOnMainTid: 2, pad: false });
    const h = optionsOf(bytes).header;
    expect(h.nAllocations).toBe(6);
    expect(hex(bytes.subarray(h.length))).toBe(hex(expected.subarray(0x7e, 0xf4)));
  });

  it('reproduces example.lz4.bin after decompression, with memray frame flags', () => {
    const expected = fixture('example.lz4.bin');
    const bytes = writeCapture(EXAMPLE_EVENTS, { ...optionsOf(fixture('example.bin')).opts, compress: true });
    expect(hex(bytes.subarray(0, 7))).toBe(hex(expected.subarray(0, 7))); // magic, FLG 0x40, BD 0x40, HC
    // The fixture's header carries its own times and pid; records and padding are the same.
    const theirs = decompress(expected);
    expect(theirs.length).toBe(4096);
    expect(hex(decompress(bytes).subarray(0x7e))).toBe(hex(theirs.subarray(0x7e)));
    expect(hex(decompress(bytes))).toBe(hex(fixture('example.bin')));
  });

  it('reproduces demo311.bin from demo311.script.txt', () => {
    const expected = fixture('demo311.bin');
    const events = scriptEvents(fs.readFileSync(path.join(FORMAT, 'demo311.script.txt'), 'utf8'));
    const bytes = writeCapture(events, optionsOf(expected).opts);
    expect(hex(bytes)).toBe(hex(expected));
  });

  it('reproduces demo311-crashed.bin up to its cut', () => {
    const expected = fixture('demo311-crashed.bin');
    const events = scriptEvents(fs.readFileSync(path.join(FORMAT, 'demo311.script.txt'), 'utf8'));
    const bytes = writeCapture(events, { ...optionsOf(expected).opts, trailer: false, pad: false });
    // The fixture is our crashed capture minus the last record's size varint (f4 03), then zeros.
    const cut = bytes.length - 2;
    expect(hex(bytes.subarray(cut))).toBe('f403');
    expect(hex(expected.subarray(0, cut))).toBe(hex(bytes.subarray(0, cut)));
    expect(expected.subarray(cut).every((b) => b === 0)).toBe(true);
  });

  it('reproduces native.bin from native.script.txt (native ids, maps, shared accumulators)', () => {
    const expected = fixture('native.bin');
    const events = scriptEvents(fs.readFileSync(path.join(FORMAT, 'native.script.txt'), 'utf8'));
    const bytes = writeCapture(events, optionsOf(expected).opts);
    expect(hex(bytes)).toBe(hex(expected));
  });

  it('version 12 drops the three version-13 header fields and keeps the records', () => {
    const v13 = writeCapture(EXAMPLE_EVENTS, { pad: false, libdest: '/x', sitePackages: ['/s'], sysPath: ['/p'] });
    const v12 = writeCapture(EXAMPLE_EVENTS, { pad: false, version: 12, libdest: '/x', sitePackages: ['/s'], sysPath: ['/p'] });
    expect(v13.length - v12.length).toBe('/x/s/p'.length + 5);
    expect(hex(v12.subarray(v12.length - 118))).toBe(hex(v13.subarray(v13.length - 118)));
    expect(optionsOf(v12).header.version).toBe(12);
  });
});

describe('encoding details', () => {
  const body = (events: CaptureEvent[], opts: WriterOptions = {}): string => {
    const bytes = writeCapture(events, { pad: false, trailer: false, ...opts });
    return hex(bytes.subarray(optionsOf(bytes).header.length));
  };

  it('splits FRAME_POP counts into records of at most 16', () => {
    const push = { type: 'push', tid: 1, code: 1, offset: 0 } as const;
    expect(body([...Array<CaptureEvent>(40).fill(push), { type: 'pop', tid: 1, count: 37 }]).slice(-6)).toBe('1f1f14');
  });

  it('packs allocators 1-7 into the token and 8-15 into a following byte', () => {
    expect(body([{ type: 'alloc', tid: 1, address: 0, size: 3, allocator: 7 }])).toBe('0c0100000000000000' + '87' + '03');
    expect(body([{ type: 'alloc', tid: 1, address: 0, size: 3, allocator: 9 }])).toBe('0c0100000000000000' + '80' + '09' + '03');
  });

  it('writes native ids for allocators and MUNMAP, not for simple deallocators', () => {
    const events: CaptureEvent[] = [
      { type: 'alloc', tid: 1, address: 8, size: 1, allocator: Allocator.MALLOC, native: 3 },
      { type: 'alloc', tid: 1, address: 8, size: 0, allocator: Allocator.FREE, native: 9 },
      { type: 'alloc', tid: 1, address: 8, size: 16, allocator: Allocator.MUNMAP },
    ];
    // MALLOC: miss (+1), native +3, size 1; FREE: slot 0 only; MUNMAP: slot 0, byte 15, native -3, size 16.
    expect(body(events, { nativeTraces: true }).slice(18)).toBe('fe' + '02' + '06' + '01' + '85' + '80' + '0f' + '05' + '10');
  });

  it('shares the FIFO address cache and data_pointer between ALLOCATION and OBJECT_RECORD', () => {
    const events: CaptureEvent[] = [
      { type: 'object', tid: 1, address: 0x100, created: true },
      { type: 'alloc', tid: 1, address: 0x100, size: 1, allocator: Allocator.MALLOC },
      { type: 'alloc', tid: 1, address: 0x108, size: 1, allocator: Allocator.MALLOC },
      { type: 'object', tid: 1, address: 0x100, created: false },
    ];
    // object miss (+0x20), alloc hit slot 0, alloc miss (+1), object hit slot 1.
    expect(body(events, { trackObjectLifetimes: true }).slice(18)).toBe('3f40' + '8601' + 'fe0201' + '22');
  });

  it('evicts the 16th distinct address from the cache (FIFO, hits do not reorder)', () => {
    const events: CaptureEvent[] = [];
    for (let i = 1; i <= 16; i++) events.push({ type: 'alloc', tid: 1, address: i * 8, size: 0, allocator: Allocator.MALLOC });
    events.push({ type: 'alloc', tid: 1, address: 8, size: 0, allocator: Allocator.FREE }); // evicted: miss
    events.push({ type: 'alloc', tid: 1, address: 24, size: 0, allocator: Allocator.FREE }); // slot 14 after the miss
    expect(body(events).slice(-6)).toBe('fd1d' + 'f5');
  });

  it('emits a CONTEXT_SWITCH only when the thread of a thread-specific record changes', () => {
    const events: CaptureEvent[] = [
      { type: 'thread', tid: 2, name: 'a' },
      { type: 'code', id: 1, function: 'f', file: 'f.py', firstLine: 1 },
      { type: 'push', tid: 2, code: 1, offset: 0 },
      { type: 'memory', rss: 1, ms: 2 },
      { type: 'pop', tid: 2 },
      { type: 'thread', tid: 3, name: 'b' },
    ];
    expect(body(events)).toBe(
      '0c0200000000000000' + '0a6100' + '0e01' + '6600' + '662e707900' + '02' + '00' + '410100' + '020102' + '10' + '0c0300000000000000' + '0a6200',
    );
  });

  it('pads raw files to a 4 KiB multiple only when asked', () => {
    expect(writeCapture(EXAMPLE_EVENTS).length).toBe(4096);
    const unpadded = writeCapture(EXAMPLE_EVENTS, { pad: false });
    expect(unpadded.length).toBe(optionsOf(unpadded).header.length + 0xf4 - 0x7e);
  });

  it('CaptureWriter streams the same bytes as writeCapture, raw and LZ4', () => {
    for (const compress of [false, true]) {
      const chunks: Uint8Array[] = [];
      const w = new CaptureWriter((c) => chunks.push(c), { compress, nAllocations: 6 });
      for (const e of EXAMPLE_EVENTS) w.write(e);
      w.end();
      const streamed = new Uint8Array(Buffer.concat(chunks));
      const whole = writeCapture(EXAMPLE_EVENTS);
      expect(hex(compress ? decompress(streamed) : streamed)).toBe(hex(whole));
      expect(hex(w.finalHeader())).toBe(hex(whole.subarray(0, w.finalHeader().length)));
    }
  });
});

describe('line tables', () => {
  const versions = [0x030700f0, 0x030805f0, 0x030912f0, 0x030a0ef0, 0x030b07f0, 0x030c01f0, 0x030d00f0];

  it('give exactly the requested line at each instruction offset, for every version family', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...versions),
        fc.integer({ min: -5, max: 3000 }),
        fc.array(fc.integer({ min: -400, max: 5000 }), { minLength: 1, maxLength: 300 }),
        fc.option(fc.integer(), { nil: undefined }),
        fc.boolean(),
        (version, firstLine, steps, seed, repeats) => {
          // Real code has runs of instructions on one line: repeat lines when asked.
          const lines = repeats ? steps.map((l, i) => (i % 3 === 0 ? l : (steps[i - (i % 3)] ?? l))) : steps;
          const { table, offsets } = buildLineTable(version, firstLine, lines, { seed });
          for (let i = 0; i < lines.length; i++) expect(lineNumber(version, table, firstLine, offsets[i]!)).toBe(lines[i]);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('match CPython-style encodings for simple cases', () => {
    // 3.11: kind 13 entries (0xe8), sign-magnitude deltas.
    expect(hex(buildLineTable(0x030b0000, 7, [7, 8, 6]).table)).toBe('e800e802e805');
    // 3.10: (2-byte range, delta) pairs; offsets are code units.
    expect(buildLineTable(0x030a0000, 1, [1, 300]).offsets).toEqual([0, 1]);
    expect(hex(buildLineTable(0x030a0000, 1, [1, 300]).table)).toBe('0200' + '007f' + '007f' + '022d');
    // <= 3.9: (byte increment, line increment) pairs; offsets are bytes.
    expect(hex(buildLineTable(0x03090000, 1, [1, 3, 2]).table)).toBe('0000' + '0202' + '02ff');
  });
});

describe('round trips through loadCapture', () => {
  const RECORDS: StackRecord[] = [
    { size: 1000, stack: [['inner', '/app/a.py', 10], ['middle', '/app/a.py', 20], ['main', '/app/main.py', 3]] },
    { size: 64, stack: [['middle', '/app/a.py', 21], ['main', '/app/main.py', 3]], count: 4 },
    { size: 5, stack: [['work', '/app/w.py', 1]], tid: 2, threadName: 'worker' },
    { size: 7, stack: [['inner', '/app/a.py', 10], ['middle', '/app/a.py', 20], ['main', '/app/main.py', 3]] },
    { size: 4096, stack: [['mapper', '/app/m.py', 99999]], tid: 3, allocator: Allocator.MMAP, threadName: 'io' },
    { size: 0, stack: [['empty', '/app/e.py', 0]], tid: 2, allocator: Allocator.PYMALLOC_CALLOC },
    { size: 12, stack: [] },
    { size: 3, stack: [['deep', '/app/d.py', 1], ...Array.from({ length: 40 }, (_, i) => ['rec', '/app/r.py', 5 + (i % 3)] as const)] },
  ];
  const expected = RECORDS.map((r) => ({
    tid: r.tid ?? 1,
    bytes: r.size,
    count: r.count ?? 1,
    stack: r.stack.map(([fn, file, line]) => `${fn} ${file}:${line}`),
    thread: r.tid === 2 ? 'worker' : r.tid === 3 ? 'io' : '',
  }));

  const variants: [string, WriterOptions][] = [];
  for (const version of [12, 13] as const) {
    for (const compress of [false, true]) {
      for (const pad of [true, false]) {
        for (const trailer of [true, false]) variants.push([`v${version} ${compress ? 'lz4' : 'raw'} ${pad ? 'padded' : 'unpadded'} ${trailer ? 'finished' : 'crashed'}`, { version, compress, pad, trailer }]);
      }
    }
  }

  it.each(variants)('stacksCapture %s', (_name, opts) => {
    const cap = load(stacksCapture(RECORDS, opts));
    expect(cap.header.version).toBe(opts.version);
    expect(cap.compressed).toBe(opts.compress);
    expect(cap.totalAllocations).toBe(RECORDS.reduce((n, r) => n + (r.count ?? 1), 0));
    expect(cap.header.nAllocations).toBe(opts.trailer ? cap.totalAllocations : 0);
    expect(rows(cap, cap.peak)).toEqual(expected);
    expect(rows(cap, cap.leaks)).toEqual(expected);
    expect(cap.peakMemory).toBe(RECORDS.reduce((n, r) => n + r.size, 0));
  });

  it.each([0x03080000, 0x03090000, 0x030a0000, 0x030b0000, 0x030c0000, 0x030d0000, 0x030e0000])('stacksCapture for python %s', (pythonVersion) => {
    const cap = load(stacksCapture(RECORDS, { pythonVersion }));
    expect(rows(cap, cap.peak)).toEqual(expected);
  });

  it('keeps the example capture readable and equal to the fixture', () => {
    const ours = load(writeCapture(EXAMPLE_EVENTS, { skippedFramesOnMainTid: 2 }), 1);
    const theirs = load(fixture('example.bin'), 1);
    expect(rows(ours, ours.peak)).toEqual(rows(theirs, theirs.peak));
    expect(rows(ours, ours.temporary!)).toEqual(rows(theirs, theirs.temporary!));
    expect(ours.peakMemory).toBe(1052672);
  });

  it('writes AGGREGATED_ALLOCATIONS captures that read like memray’s', () => {
    const { opts } = optionsOf(fixture('example-aggregated.bin'));
    const bytes = writeAggregatedCapture(EXAMPLE_EVENTS, opts);
    expect(bytes.length).toBe(4096);
    const ours = load(bytes);
    const theirs = load(fixture('example-aggregated.bin'));
    expect(hex(bytes.subarray(0, 0x7e))).toBe(hex(fixture('example-aggregated.bin').subarray(0, 0x7e)));
    // Frame and trace index records are deterministic in memray too.
    expect(hex(bytes)).toContain('0400011401' + '0401020801' + '030000' + '030101');
    for (const which of ['peak', 'leaks'] as const) {
      const sorted = (c: LoadedCapture) => rows(c, c[which]).sort((a, b) => a.bytes - b.bytes);
      expect(sorted(ours)).toEqual(sorted(theirs));
    }
    expect(ours.peakMemory).toBe(theirs.peakMemory);
    expect(writeAggregatedCapture(EXAMPLE_EVENTS, { trailer: false }).length).toBe(0);
  });
});

describe('the benchmark generator (test/bench/generate-capture.ts)', () => {
  it.each([false, true])('writes exactly N records that read back cleanly (raw: %s)', (raw) => {
    const out = path.join(tmp, `gen-${String(raw)}.bin`);
    const r = generateCapture(out, { records: 60_000, distinctStacks: 2_000, raw, seed: 7 });
    expect(r.records).toBe(60_000);
    expect(fs.statSync(out).size).toBe(r.fileBytes);
    const cap = loadCapture(out, { temporaryThreshold: 1 });
    expect(cap.compressed).toBe(!raw);
    expect(cap.totalAllocations).toBe(60_000);
    expect(cap.header.nAllocations).toBe(60_000);
    expect(cap.warnings).toEqual([]); // in particular: no allocation at a still-live address
    // The distinct stacks stay live; the churn's live set is small.
    expect(cap.leaks.records.length).toBeGreaterThanOrEqual(2_000);
    expect(cap.leaks.records.length).toBeLessThan(2_000 + 1_000);
    expect(cap.temporary!.records.length).toBeGreaterThan(0);
    expect([...cap.peak.threadNames.values()].sort()).toEqual(['worker-1', 'worker-2', 'worker-3']);
  });
});
