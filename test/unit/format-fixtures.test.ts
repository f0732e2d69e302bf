/**
 * The test vectors of docs/capture-format-fixtures (written and decoded by memray 1.20's own
 * C++ writer and reader): every ALLOCATION record's Python stack, and the high-water-mark and
 * temporary snapshots, must be what memray printed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCapture, openCapture } from '../../daemon/src/capture/load.js';
import { readAllocationRecords } from '../../daemon/src/capture/records.js';
import { FORMAT as DIR } from '../helpers/paths.js';

type FrameTuple = [string, string, number];

/** Parses memray's `[('f', '/app/x.py', 4), ...]` into tuples. */
function parseFrames(text: string): FrameTuple[] {
  const out: FrameTuple[] = [];
  for (const m of text.matchAll(/\('((?:[^'\\]|\\.)*)', '((?:[^'\\]|\\.)*)', (-?\d+)\)/g)) {
    out.push([m[1]!, m[2]!, Number(m[3])]);
  }
  return out;
}

/** Per-record stack ids and untrimmed stacks, read through the public decoder. */
function recordStacks(file: string): { stackId: number; frames: FrameTuple[] }[] {
  const open = openCapture(file);
  try {
    const ids: number[] = [];
    readAllocationRecords(open.buffer, open.header, open.state, {
      allocation(_tid, _addr, _size, _alloc, stackId) {
        ids.push(stackId);
      },
    });
    return ids.map((stackId) => ({
      stackId,
      frames: open.state.frameIds(stackId).map((f) => {
        const fr = open.state.frame(f);
        return [fr.function, fr.file, fr.line] as FrameTuple;
      }),
    }));
  } finally {
    open.close();
  }
}

interface ExpectedSnapshot {
  records: number;
  peakIndex: number;
  peak: number;
  rows: { tid: number; size: number; stackId: number; n: number; nativeId: number; frames: FrameTuple[]; thread: string }[];
}

/** The `merge_threads=0` section after `### <title>` in an expected-snapshots file. */
function expectedSnapshot(text: string, title: string): ExpectedSnapshot {
  const section = text.split('### ').find((s) => s.startsWith(title))!;
  const head = /records=(\d+) hwm.index=(\d+) peak=(\d+)/.exec(section)!;
  const unmerged = section.split('merge_threads=1')[0]!.split('merge_threads=0')[1]!;
  const rows = [...unmerged.matchAll(/=\((\d+), \d+, (\d+), \d+, (\d+), (\d+), (\d+), \d+\)\n\s+stack=(\[.*\])\s+thread_name='(.*)'/g)].map((m) => ({
    tid: Number(m[1]),
    size: Number(m[2]),
    stackId: Number(m[3]),
    n: Number(m[4]),
    nativeId: Number(m[5]),
    frames: parseFrames(m[6]!),
    thread: m[7]!,
  }));
  return { records: Number(head[1]), peakIndex: Number(head[2]), peak: Number(head[3]), rows };
}

const STACK_FIXTURES = ['example', 'example.lz4', 'demo311', 'demo311-crashed', 'linetable311', 'native'];
const SNAPSHOT_FIXTURES = ['example', 'example.lz4', 'demo311', 'demo311-crashed', 'linetable311', 'native'];

it('every expected-stacks and expected-snapshots file of the fixtures is checked', () => {
  const withSuffix = (suffix: string) =>
    fs
      .readdirSync(DIR)
      .filter((f) => f.endsWith(suffix))
      .map((f) => f.slice(0, -suffix.length))
      .sort();
  expect(withSuffix('.expected-stacks.txt')).toEqual([...STACK_FIXTURES].sort());
  expect(withSuffix('.expected-snapshots.txt')).toEqual([...SNAPSHOT_FIXTURES].sort());
});

describe('capture-format fixtures: stacks of every ALLOCATION record', () => {
  for (const name of STACK_FIXTURES) {
    it(`${name}.bin`, () => {
      const lines = fs
        .readFileSync(path.join(DIR, `${name}.expected-stacks.txt`), 'utf8')
        .split('\n')
        .filter((l) => /^\d+ \[/.test(l));
      const expected = lines.map((l) => ({ stackId: Number(l.split(' ')[0]), frames: parseFrames(l) }));
      expect(expected.length).toBeGreaterThan(0);
      expect(recordStacks(path.join(DIR, `${name}.bin`))).toEqual(expected);
    });
  }
});

describe('capture-format fixtures: snapshots', () => {
  for (const name of SNAPSHOT_FIXTURES) {
    const text = () => fs.readFileSync(path.join(DIR, `${name}.expected-snapshots.txt`), 'utf8');
    const file = path.join(DIR, `${name}.bin`);
    for (const [title, threshold] of [
      ['high water mark snapshot', undefined],
      ['temporary allocations, threshold 0', 0],
      ['temporary allocations, threshold 1', 1],
    ] as const) {
      it(`${name}.bin: ${title}`, () => {
        const want = expectedSnapshot(text(), title);
        if (threshold === undefined) expect(want.rows.length).toBeGreaterThan(0);
        const c = loadCapture(file, { temporaryThreshold: threshold });
        expect(c.totalAllocations).toBe(want.records);
        expect(c.peakMemory).toBe(want.peak);
        const snap = threshold === undefined ? c.peak : c.temporary!;
        const r = snap.records;
        const got = Array.from({ length: r.length }, (_, k) => ({
          tid: r.tid[k]!,
          size: r.bytes[k]!,
          stackId: r.stackId[k]!,
          n: r.count[k]!,
          nativeId: r.nativeId[k]!,
          // The fixtures print untrimmed stacks; trimming is checked by the tree tests.
          frames: c.state.frameIds(r.stackId[k]!).map((f) => {
            const fr = c.state.frame(f);
            return [fr.function, fr.file, fr.line] as FrameTuple;
          }),
          thread: snap.threadNames.get(r.tid[k]!) ?? '',
        }));
        expect(got).toEqual(want.rows);
      });
    }
  }

  it('demo311-crashed.bin: the data before the cut record is used, with a warning naming the offset', () => {
    const c = loadCapture(path.join(DIR, 'demo311-crashed.bin'));
    expect(c.totalAllocations).toBe(6);
    expect(c.warnings).toHaveLength(1);
    expect(c.warnings[0]).toMatch(/reading stopped at byte \d+: ALLOCATION record cut short/);
  });

  it('example-aggregated.bin gives the same high-water-mark snapshot as example.bin (spec 14.2)', () => {
    const agg = loadCapture(path.join(DIR, 'example-aggregated.bin'));
    const all = loadCapture(path.join(DIR, 'example.bin'));
    const rows = (c: typeof agg) =>
      Array.from({ length: c.peak.records.length }, (_, k) => [
        c.peak.records.tid[k],
        c.peak.records.bytes[k],
        c.peak.records.count[k],
        c.state.frameIds(c.peak.records.stackId[k]!).map((f) => c.state.frame(f)),
        c.peak.threadNames.get(c.peak.records.tid[k]!) ?? '',
      ]);
    expect(rows(agg)).toEqual(rows(all));
    expect(agg.peakMemory).toBe(1052672);
    expect(agg.totalAllocations).toBe(3);
  });

  it('native-aggregated.bin loads', () => {
    const c = loadCapture(path.join(DIR, 'native-aggregated.bin'));
    expect(c.header.nativeTraces).toBe(true);
    expect(c.peak.records.length).toBeGreaterThan(0);
  });
});
