// The synthetic writer's header versions 9, 10 and 11 (test/helpers/legacy-records.ts): byte
// for byte what memray 1.6, 1.10 and 1.18 wrote (the raw *_nocompress_v* fixtures: their headers
// and first records), and every version's captures read back with the same snapshots.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCapture } from '../../daemon/src/capture/load.js';
import { buildLineTable, writeAggregatedCapture, writeCapture, type CaptureEvent, type WriterOptions } from '../helpers/capture-writer.js';
import { encodeHeader } from '../helpers/capture-records.js';
import { loadBytes } from '../helpers/load-bytes.js';
import { CAPTURES } from '../helpers/paths.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** An unsigned LEB128 varint at `p`: its value and the position after it. */
function varint(b: Uint8Array, p: number): [number, number] {
  let v = 0;
  for (let mul = 1; ; mul *= 128) {
    const x = b[p++]!;
    v += (x & 0x7f) * mul;
    if (x < 0x80) return [v, p];
  }
}

describe('versions 9, 10 and 11 as memray wrote them', () => {
  for (const version of [9, 10, 11] as const) {
    const file = path.join(CAPTURES, `simple_nocompress_v${version}.bin`);
    const real = new Uint8Array(fs.readFileSync(file));
    const c = loadCapture(file);
    const h = c.header;
    const opts: WriterOptions = {
      version,
      commandLine: h.commandLine,
      pid: h.pid,
      mainTid: h.mainTid,
      skippedFramesOnMainTid: h.skippedFramesOnMainTid,
      startTime: h.startTime,
      endTime: h.endTime,
      pythonAllocator: 1,
      tracePythonAllocators: false,
    };

    it(`version ${version}: the header of simple_nocompress_v${version}.bin, byte for byte`, () => {
      const header = encodeHeader(opts, h.nAllocations, 0, h.nFrames);
      expect(header.length).toBe(h.length);
      expect(hex(header)).toBe(hex(real.subarray(0, h.length)));
    });

    it(`version ${version}: its first three frames and pushes (FRAME_INDEX, CONTEXT_SWITCH, FRAME_PUSH), byte for byte`, () => {
      // The frames memray wrote first: (function, file, line) as in docs/capture-versions.md 3.5.
      const frames: [string, string, number][] = [
        ['_run_module_as_main', '<frozen runpy>', 198],
        ['_run_code', '<frozen runpy>', 88],
        ['<module>', `/tmp/site-memray-${{ 9: '1.6.0', 10: '1.10.0', 11: '1.18.0' }[version]}/memray/__main__.py`, 6],
      ];
      // memray 1.7+ write a MEMORY_RECORD (rss, ms) first: take its values from the file.
      const events: CaptureEvent[] = [];
      if (real[h.length] === 0x0b) {
        const [rss, at] = varint(real, h.length + 1);
        events.push({ type: 'memory', rss, ms: varint(real, at)[0] });
      }
      frames.forEach(([fn, f, line], i) => {
        const table = buildLineTable(0x030b02f0, line - 1, [line]);
        events.push({ type: 'code', id: i + 1, function: fn, file: f, firstLine: line - 1, lineTable: table.table });
        events.push({ type: 'push', tid: 1, code: i + 1, offset: table.offsets[0]! });
      });
      const bytes = writeCapture(events, { ...opts, pythonVersion: 0x030b02f0, pad: false, trailer: false });
      const records = bytes.subarray(h.length);
      expect(hex(records)).toBe(hex(real.subarray(h.length, h.length + records.length)));
    });
  }
});

/** A small program touching every record the old versions have. */
function sample(): CaptureEvent[] {
  const t = buildLineTable(0x030b07f0, 10, [11, 12, 14]);
  return [
    { type: 'code', id: 1, function: 'main', file: 'app.py', firstLine: 10, lineTable: t.table },
    { type: 'code', id: 2, function: 'helper', file: 'lib.py', firstLine: 10, lineTable: t.table },
    { type: 'thread', tid: 2, name: 'worker' },
    { type: 'push', tid: 1, code: 1, offset: t.offsets[0]! },
    { type: 'alloc', tid: 1, address: 0x7f0000001000, size: 100, allocator: 6 },
    { type: 'push', tid: 1, code: 2, offset: t.offsets[2]!, entry: false },
    { type: 'alloc', tid: 1, address: 0x7f0000002000, size: 200, allocator: 2 },
    { type: 'push', tid: 2, code: 2, offset: t.offsets[1]! },
    { type: 'alloc', tid: 2, address: 0x7e0000000000, size: 8192, allocator: 14 },
    { type: 'alloc', tid: 2, address: 0x7e0000001000, size: 4096, allocator: 15 },
    { type: 'alloc', tid: 1, address: 0x7f0000002000, size: 0, allocator: 1 },
    { type: 'memory', rss: 1 << 20, ms: 5 },
    { type: 'pop', tid: 1, count: 2 },
    { type: 'alloc', tid: 1, address: 0x7f0000003000, size: 300, allocator: 8 },
  ];
}

describe('every version reads back the same', () => {
  const rows = (version: 9 | 10 | 11 | 12 | 13, compress: boolean, aggregated: boolean): string[] => {
    const events = sample();
    const opts: WriterOptions = { version, compress };
    const c = loadBytes(aggregated ? writeAggregatedCapture(events, opts) : writeCapture(events, opts));
    expect(c.header.version).toBe(version);
    expect(c.warnings).toEqual([]);
    const out: string[] = [`peak ${c.peakMemory}`];
    for (const [mode, snap] of [['peak', c.peak], ['leaks', c.leaks]] as const) {
      const r = snap.records;
      for (let i = 0; i < r.length; i++) {
        const st = c.state.stackTrace(r.stackId[i]!, r.tid[i]!, 1, 0).map((f) => `${f.function}@${f.file}:${f.line}`);
        out.push(`${mode} ${r.tid[i]} ${snap.threadNames.get(r.tid[i]!) ?? ''} ${r.bytes[i]} ${r.count[i]} ${st.join(' <- ')}`);
      }
    }
    return out.sort();
  };

  it('ALL_ALLOCATIONS, raw and LZ4: versions 9, 10, 11 and 12 give version 13 snapshots', () => {
    const want = rows(13, false, false);
    expect(want).toEqual([
      'leaks 1  100 1 main@app.py:11',
      'leaks 1  300 1 ',
      'leaks 2 worker 4096 1 helper@lib.py:12',
      'peak 1  100 1 main@app.py:11',
      'peak 1  200 1 helper@lib.py:14 <- main@app.py:11',
      'peak 2 worker 8192 1 helper@lib.py:12',
      'peak 8492',
    ]);
    for (const v of [9, 10, 11, 12] as const) for (const z of [false, true]) expect(rows(v, z, false)).toEqual(want);
  });

  it('AGGREGATED_ALLOCATIONS: versions 10 and 11 give version 13 snapshots; version 9 has no aggregated format', () => {
    const want = rows(13, false, true);
    for (const v of [10, 11] as const) expect(rows(v, false, true)).toEqual(want);
    expect(() => writeAggregatedCapture(sample(), { version: 9 })).toThrow(/no aggregated format/);
  });

  it('n_frames counts the FRAME_INDEX records of versions 9-11 (one per distinct frame)', () => {
    for (const v of [9, 10, 11] as const) expect(loadBytes(writeCapture(sample(), { version: v })).header.nFrames).toBe(3);
    expect(loadBytes(writeCapture(sample(), { version: 13 })).header.nFrames).toBe(0);
  });
});
