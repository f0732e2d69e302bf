/**
 * memray 1.19 and older's record order is read (a second read of the capture) only for views
 * whose answer depends on it (daemon/src/tree/order-sensitivity.ts). In --no-daemon's
 * interactive view (LocalViews, through the client's LocalTreeSource): every version 9-12
 * capture's trees and lists of left-out records equal memray's, for every mode and -b; a view
 * that does not depend on the order reads the file once, even when it is gone afterwards; one
 * that does reads it again, once, and refuses a file that changed in between.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureChangedError, NoSuchFileError } from '../../daemon/src/capture/errors.js';
import { legacyReplays, loadCapture } from '../../daemon/src/capture/load.js';
import { snapshotCount } from '../../daemon/src/snapshot/time-ranges.js';
import * as local from '../../daemon/src/local.js';
import { LocalViews, localTree } from '../../daemon/src/local.js';
import { LocalTreeSource } from '../../client/src/tui/local-source.js';
import type { SnapshotMode } from '../../protocol/src/tree-document.js';
import type { ViewOptions } from '../../protocol/src/tree.js';
import { expectedTreeModes, fromDocument, fromMemray, hashOrdered, readExpected, type MemrayRecord, type MemrayTreeFile } from '../helpers/expected.js';
import { localTreeOf } from '../helpers/local-tree.js';
import { CAPTURES, tempDir } from '../helpers/paths.js';

const CASES = expectedTreeModes().filter(([capture]) => hashOrdered(capture) && fs.existsSync(path.join(CAPTURES, `${capture}.bin`)));

function modeOf(mode: string): SnapshotMode {
  if (mode === 'peak' || mode === 'leaks') return { kind: mode };
  return { kind: 'temporary', threshold: Number(mode.slice(4)) };
}

function viewOf(mode: SnapshotMode, biggestAllocs: number, more: Partial<ViewOptions> = {}): ViewOptions {
  return { mode, biggestAllocs, hideImportSystem: false, hideUninteresting: false, ...more };
}

describe("--no-daemon's interactive view of memray 1.19 and older's captures: memray's trees and cuts", () => {
  it('covers every version 9-12 capture of the fixtures', () => {
    expect(new Set(CASES.map(([c]) => c)).size).toBe(20);
  });

  for (const [capture, mode] of CASES) {
    it(`${capture} ${mode}, -b 10 / 200 / 1000000: trees, and the records each -b left out in memray's order`, async () => {
      const m = modeOf(mode);
      const views = new LocalViews(path.join(CAPTURES, `${capture}.bin`), m.kind === 'temporary' ? m.threshold : undefined);
      const source = new LocalTreeSource(local, views);
      // memray's records in its order, sorted by size as its tree does (a stable sort).
      const theirs = readExpected<{ records: MemrayRecord[] }>(capture, `${mode}-records.json`).records;
      const sorted = [...theirs].sort((a, b) => b.size - a.size).map((r) => [r.size, r.n_allocations]);
      for (const b of [10, 200, 1000000]) {
        const expected = readExpected<MemrayTreeFile>(capture, `${mode}-b${b}.json`);
        const v = views.view(viewOf(m, b));
        expect(fromDocument(v.display.document())).toEqual(fromMemray(expected));
        const e = expected.elided_locations;
        expect(v.elided).toEqual({ locations: e.n_locations, allocations: e.n_allocations, bytes: e.n_bytes });
        const left = await source.elided(viewOf(m, b), 0, 1_000_000, new AbortController().signal);
        expect(left.locations.map((l) => [l.bytes, l.allocations])).toEqual(sorted.slice(Math.min(b, sorted.length)));
      }
    });
  }
});

// A range whose records are the ordinary snapshot (the whole capture's leaks; the peak of a range
// holding the capture's peak) takes that snapshot's order too, so it is the ordinary tree exactly.
describe("--no-daemon's whole-capture ranges of memray 1.19 and older's captures: the ordinary trees, ties included", () => {
  for (const capture of [...new Set(CASES.map(([c]) => c))].filter((c) => !c.startsWith('aggregated'))) {
    it(capture, () => {
      const file = path.join(CAPTURES, `${capture}.bin`);
      const n = snapshotCount(loadCapture(file).timeline!.data.memoryRecords);
      const views = new LocalViews(file);
      for (const kind of ['peak', 'leaks'] as const) {
        const plain = localTree(file, viewOf({ kind }, 1000000));
        const { range, ...whole } = localTree(file, { ...viewOf({ kind }, 1000000), range: { start: 0, end: n } }).doc;
        expect(range).toBeDefined();
        expect(whole).toEqual(plain.doc);
        const ordinary = views.view(viewOf({ kind }, 1000000)).display.document();
        expect(views.view(viewOf({ kind }, 1000000, { range: { start: 0, end: n } })).display.document()).toEqual(ordinary);
        expect(ordinary).toEqual(plain.doc.root);
      }
    });
  }
});

describe("memray 1.19 and older's order is read only when a view depends on it", () => {
  // imports_v11's peak: no tie among its 11 biggest records, ties further down.
  const CAPTURE = path.join(CAPTURES, 'imports_v11.bin');
  const PEAK: SnapshotMode = { kind: 'peak' };

  it('memtree tree --no-daemon (the CLI in this process): -b 10 reads the capture once, -b 200 twice', async () => {
    const before = legacyReplays.count;
    const ten = await localTreeOf(CAPTURE, ['--json', '-b', '10']);
    expect(legacyReplays.count).toBe(before);
    const all = await localTreeOf(CAPTURE, ['--json', '-b', '200']);
    expect(legacyReplays.count).toBe(before + 1);
    // Both equal memray's (the replay is what makes -b 200 right).
    expect(fromDocument(ten.doc.root)).toEqual(fromMemray(readExpected<MemrayTreeFile>('imports_v11', 'peak-b10.json')));
    expect(fromDocument(all.doc.root)).toEqual(fromMemray(readExpected<MemrayTreeFile>('imports_v11', 'peak-b200.json')));
  });

  it('GIVEN the capture deleted after the first read THEN views that do not depend on the order still answer, one that does fails naming the file', () => {
    const file = path.join(tempDir('memtree-lazy-order-'), 'imports_v11.bin');
    fs.copyFileSync(CAPTURE, file);
    const views = new LocalViews(file);
    const before = legacyReplays.count;
    views.view(viewOf(PEAK, 10));
    fs.rmSync(file);
    // Other filters, inverted, the thread list, another mode's view without ties in its -b: no second read.
    expect(views.view(viewOf(PEAK, 10, { inverted: true })).tree.size).toBeGreaterThan(1);
    expect(views.view(viewOf(PEAK, 5, { focus: 'import' })).tree.size).toBeGreaterThan(0);
    expect(views.threads(viewOf({ kind: 'leaks' }, 200)).length).toBeGreaterThan(0);
    expect(views.view(viewOf({ kind: 'leaks' }, 10)).tree.size).toBeGreaterThan(1);
    expect(legacyReplays.count).toBe(before);
    expect(() => views.view(viewOf(PEAK, 200))).toThrow(NoSuchFileError);
    expect(() => views.view(viewOf(PEAK, 200))).toThrow(file);
  });

  it('GIVEN the capture rewritten after the first read THEN a view that depends on the order fails with CaptureChanged, never mixing the two files', () => {
    const file = path.join(tempDir('memtree-lazy-order-'), 'imports_v11.bin');
    fs.copyFileSync(CAPTURE, file);
    const views = new LocalViews(file);
    views.view(viewOf(PEAK, 10));
    fs.copyFileSync(path.join(CAPTURES, 'imports_v10.bin'), file);
    expect(() => views.view(viewOf(PEAK, 200))).toThrow(CaptureChangedError);
    // Even the same bytes written again are another version of the file (issue 8's fingerprint).
    fs.copyFileSync(CAPTURE, file);
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(() => views.view(viewOf(PEAK, 200))).toThrow(CaptureChangedError);
    expect(views.view(viewOf(PEAK, 10)).tree.size).toBeGreaterThan(1);
  });

  it('the order is read once per capture: every later view that needs it reuses it', () => {
    const views = new LocalViews(CAPTURE);
    const before = legacyReplays.count;
    views.view(viewOf(PEAK, 200));
    expect(legacyReplays.count).toBe(before + 1);
    views.view(viewOf({ kind: 'leaks' }, 1000000));
    views.view(viewOf(PEAK, 1000000, { inverted: true }));
    expect(legacyReplays.count).toBe(before + 1);
  });
});
