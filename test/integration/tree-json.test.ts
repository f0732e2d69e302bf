/**
 * `memtree tree --json --no-daemon` against memray 1.20's own results for every capture with
 * ground truth, every mode and B = 10, 200, 1000000: same nodes, bytes, allocations, thread
 * labels, flags and child order; root = memray's root minus the elided bytes; same elided
 * summary and peak memory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SnapshotMode, TreeDocument } from '../../protocol/src/tree-document.js';
import { loadCapture, type LoadedCapture } from '../../daemon/src/capture/load.js';
import { treeDocument } from '../../daemon/src/tree/tree-document.js';
import { expectedTreeModes, fromDocument, fromMemray, modeFlags, readExpected, type MemrayTreeFile } from '../helpers/expected.js';
import { CAPTURES, EXPECTED, sharedCapture } from '../helpers/paths.js';
import { runMemtree } from '../helpers/run-cli.js';
import { nativeSkipReason } from '../helpers/native-env.js';

const SIZES = [10, 200, 1000000];
const NATIVE_SKIP = nativeSkipReason();


/** `memtree tree --json --no-daemon -b B` for the mode, checked against memray's; returns the document. */
async function checkTree(capturePath: string, capture: string, mode: string, b: number): Promise<TreeDocument> {
  const r = await runMemtree(['tree', '--json', '--no-daemon', '-b', String(b), ...modeFlags(mode), capturePath]);
  expect(r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('memtree: warning:'))).toEqual([]);
  expect(r.code).toBe(0);
  const doc = JSON.parse(r.stdout) as TreeDocument;
  checkDocument(doc, capture, mode, b);
  return doc;
}

/** A tree document against memray's expected tree file `<mode>-b<b>.json` of `capture`. */
function checkDocument(doc: TreeDocument, capture: string, mode: string, b: number): void {
  const expected = readExpected<MemrayTreeFile>(capture, `${mode}-b${b}.json`);
  // Every capture, memray 1.19 and older's hash-ordered ones included (their record order is
  // reproduced: legacy-order.test.ts), compares the whole tree: ties, cuts and thread labels.
  expect(fromDocument(doc.root)).toEqual(fromMemray(expected));
  const e = expected.elided_locations;
  expect(doc.elided).toEqual({ locations: e.n_locations, allocations: e.n_allocations, bytes: e.n_bytes });
  expect(doc.capture.peakMemory).toBe(expected.meta.peak_memory);
  expect(doc.capture.totalAllocations).toBe(expected.meta.total_allocations);
  expect(doc.biggestAllocs).toBe(b);
  expect(doc.mode.kind).toBe(mode === 'peak' ? 'peak' : mode === 'leaks' ? 'leaks' : 'temporary');
}

describe.concurrent('memtree tree --json equals memray 1.20', () => {
  for (const [capture, mode] of expectedTreeModes()) {
    if (capture === 'large_9m') continue;
    // memray symbolized native frames with its machine's libraries: same binaries needed here.
    const skip = capture === 'native_sqlite' ? NATIVE_SKIP : undefined;
    for (const b of SIZES) {
      it.skipIf(skip !== undefined)(`${capture} ${mode} -b ${b}${skip === undefined ? '' : ` (skipped: ${skip})`}`, async () => {
        await checkTree(path.join(CAPTURES, `${capture}.bin`), capture, mode, b);
      });
    }
  }

  it('native_sqlite.bin (native traces) loads and gives a tree on any machine', async () => {
    const r = await runMemtree(['tree', '--json', '--no-daemon', path.join(CAPTURES, 'native_sqlite.bin')]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as TreeDocument;
    expect(doc.capture.nativeTraces).toBe(true);
    expect(doc.capture.peakMemory).toBe(9126239);
    expect(doc.root.bytes).toBeGreaterThan(0);
    expect(doc.root.children.length).toBeGreaterThan(0);
  });

  it('temporary mode on an aggregated capture is a clear error', async () => {
    const r = await runMemtree(['tree', '--json', '--no-daemon', '--temporary-allocations', path.join(CAPTURES, 'aggregated_simple.bin')]);
    expect(r.code).toBe(1);
    const file = path.join(CAPTURES, 'aggregated_simple.bin');
    expect(r.stderr).toBe(`${file} is an aggregated capture (memray run --aggregate): it has no temporary allocations\n`);
  });

  // Where memray refused a mode (<mode>-error.json: its exception), memtree refuses it too, in
  // its own words (memray's reason is kept in the daemon's error data).
  for (const [capture, mode] of expectedErrorModes()) {
    it(`${capture} ${mode}: refused like memray, exit 1`, async () => {
      const want = readExpected<{ mode: string; exception: string; message: string }>(capture, `${mode}-error.json`);
      expect(want.mode).toBe(mode);
      const file = path.join(CAPTURES, `${capture}.bin`);
      const r = await runMemtree(['tree', '--json', '--no-daemon', ...modeFlags(mode), file]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(want.message).toBe("Can't find temporary allocations using a pre-aggregated capture file.");
      expect(r.stderr).toBe(`${file} is an aggregated capture (memray run --aggregate): it has no temporary allocations\n`);
    });
  }
});

/** (capture, mode) pairs where memray's ground truth is an error, e.g. ['aggregated_simple', 'temp1']. */
function expectedErrorModes(): [string, string][] {
  const out: [string, string][] = [];
  for (const capture of fs.readdirSync(EXPECTED).sort()) {
    for (const f of fs.readdirSync(path.join(EXPECTED, capture)).sort()) {
      const m = /^(.+)-error\.json\.gz$/.exec(f);
      if (m) out.push([capture, m[1]!]);
    }
  }
  return out;
}

/**
 * large_9m (9.5 M records, from ../shared, not vendored): every mode and size against memray.
 * Reading it takes a second or two, so it is read once in this process for all of them; the
 * CLI's -b 200 documents (one process per mode) must equal those.
 */
describe('large_9m equals memray 1.20 (from ../shared, not vendored)', () => {
  const large = sharedCapture('large_9m.bin');
  const skip = large === undefined || !fs.existsSync(path.join(EXPECTED, 'large_9m'));
  let capture: LoadedCapture;
  beforeAll(() => {
    if (!skip) capture = loadCapture(large!);
  });
  const modes = [...new Set(expectedTreeModes().filter(([c]) => c === 'large_9m').map(([, m]) => m))];
  it.skipIf(skip)('has expected files for peak and leaks', () => {
    expect(modes).toEqual(['leaks', 'peak']);
  });
  it.skipIf(skip)('reads without a warning (a good capture)', () => {
    expect(capture.warnings).toEqual([]);
  });
  for (const mode of skip ? ['peak', 'leaks'] : modes) {
    const snapshot: SnapshotMode = mode === 'leaks' ? { kind: 'leaks' } : { kind: 'peak' };
    for (const b of SIZES) {
      it.skipIf(skip)(`large_9m ${mode} -b ${b}`, () => {
        checkDocument(treeDocument(capture, large!, snapshot, b), 'large_9m', mode, b);
      });
    }
    it.skipIf(skip)(`memtree tree --json large_9m ${mode} -b 200 gives the same document`, async () => {
      const doc = await checkTree(large!, 'large_9m', mode, 200);
      expect(doc).toEqual(treeDocument(capture, large!, snapshot, 200));
    });
  }
});
