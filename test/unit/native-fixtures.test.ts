/**
 * The native test vector of docs/capture-format-fixtures (written and symbolized by memray
 * 1.20 with its libbacktrace): four generations mapping the same segments to nt_dbg (DWARF,
 * `inner` inlined into `middle`), nt_nodbg (.symtab only), nt_stripped (.dynsym without these
 * functions) and a missing file must give the stacks memray printed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCapture } from '../../daemon/src/capture/load.js';
import { nativeTraceResolver } from '../../daemon/src/native/hybrid-resolver.js';
import { Symbolizer } from '../../daemon/src/native/symbolizer.js';

const DIR = path.join(import.meta.dirname, '../fixtures/format');

type FrameTuple = [string, string, number];

function parseFrames(text: string): FrameTuple[] {
  return [...text.matchAll(/\('((?:[^'\\]|\\.)*)', '((?:[^'\\]|\\.)*)', (-?\d+)\)/g)].map((m) => [m[1]!, m[2]!, Number(m[3])]);
}

const expected = fs
  .readFileSync(path.join(DIR, 'native.expected-native-stacks.txt'), 'utf8')
  .split('\n')
  .map((l) => /^nid=(\d+) gen=(\d+) (\[.*\])$/.exec(l))
  .filter((m) => m !== null)
  .map((m) => ({ nid: Number(m[1]), gen: Number(m[2]), frames: parseFrames(m[3]!) }));

describe('native.bin symbolized like memray', () => {
  const capture = loadCapture(path.join(DIR, 'native.bin'));
  const symbolizer = new Symbolizer({ pathMap: [['/tmp/h/', `${DIR}/`]] });
  const resolve = nativeTraceResolver(capture, symbolizer);
  afterAll(() => symbolizer.close());

  it('has the stacks of every expected (native id, generation)', () => {
    expect(expected.length).toBe(7);
    for (const e of expected) {
      const got = resolve(e.nid, e.gen).map((f) => [f.function, f.file, f.line]);
      expect(got, `nid=${e.nid} gen=${e.gen}`).toEqual(e.frames);
    }
  });

  it('reports each image as memray sees it', () => {
    expect(symbolizer.image('/tmp/h/nt_dbg').status).toBe('ok');
    expect(symbolizer.image('/tmp/h/nt_dbg').buildId()).toBe('ab7ab6ba3eeac4881b6379e88d8225a300dd237e');
    expect(symbolizer.image('/tmp/h/does_not_exist').status).toBe('missing');
  });

  it('symbolizes the records of the peak snapshot with their own generation', () => {
    const r = capture.peak.records;
    const seen = new Set<string>();
    for (let i = 0; i < r.length; i++) {
      const what = `record ${i}: nid=${r.nativeId[i]} gen=${r.generation[i]}`;
      const want = expected.find((e) => e.nid === r.nativeId[i] && e.gen === r.generation[i]);
      expect(want, what).toBeDefined();
      const got = resolve(r.nativeId[i]!, r.generation[i]!).map((f) => [f.function, f.file, f.line]);
      expect(got, what).toEqual(want!.frames);
      seen.add(`${r.nativeId[i]}:${r.generation[i]}`);
    }
    expect(seen.size).toBeGreaterThan(1);
  });

  it('drops ips outside every segment and generations the capture does not have', () => {
    // nid 4 is nid 3 under an ip in no segment; memray printed the same frames for both (checked above).
    expect(capture.state.nativeStack(4)).toEqual([0x1234, ...capture.state.nativeStack(3)]);
    expect(resolve(2, 0)).toEqual([]);
    expect(resolve(2, 99)).toEqual([]);
  });
});

describe('native-aggregated.bin (the same events, AGGREGATED_ALLOCATIONS)', () => {
  it('symbolizes each aggregated record with its own generation', () => {
    const capture = loadCapture(path.join(DIR, 'native-aggregated.bin'));
    const symbolizer = new Symbolizer({ pathMap: [['/tmp/h/', `${DIR}/`]] });
    const resolve = nativeTraceResolver(capture, symbolizer);
    const r = capture.peak.records;
    expect(r.length).toBeGreaterThan(0);
    for (let i = 0; i < r.length; i++) {
      const got = resolve(r.nativeId[i]!, r.generation[i]!).map((f) => [f.function, f.file, f.line]);
      const want = expected.find((e) => e.nid === r.nativeId[i] && e.gen === r.generation[i]);
      expect(want, `nid=${r.nativeId[i]} gen=${r.generation[i]}`).toBeDefined();
      expect(got).toEqual(want!.frames);
    }
    symbolizer.close();
  });
});
