// Provisional view data (index/provisional.ts): the worker resolves each provisional snapshot's
// stacks with a memo per stack id kept for the whole pass, and sends only what the trie and the
// frames gained. Every tree built from what the messages add up to (as provisional-store.ts
// does) must equal the tree of the same snapshot resolved the way the index writer does
// (pythonStackResolver + modeRecords, checked against memray's trees by the fixture tests),
// memray's main-thread trim included, for every snapshot of a pass.
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LoadedCapture, ProvisionalCapture, Snapshot } from '../../daemon/src/capture/load.js';
import { loadCapture } from '../../daemon/src/capture/load.js';
import { ProvisionalViews, transferList, type ProvisionalMessage } from '../../daemon/src/index/provisional.js';
import { pythonStackResolver, sizeOrder } from '../../daemon/src/tree/build-tree.js';
import { FrameClassifier, type TreeFrame } from '../../daemon/src/tree/frame-classifier.js';
import { modeRecords, PathBuilder, type ViewData } from '../../daemon/src/tree/view-data.js';
import { ViewTree } from '../../daemon/src/tree/view-display.js';
import { buildViewTree, type TreeSpec } from '../../daemon/src/tree/view-engine.js';
import { generateCapture } from '../bench/generate-capture.js';
import { writeCapture } from '../helpers/capture-stream.js';
import { Allocator, type CaptureEvent } from '../helpers/capture-types.js';
import { loadBytes } from '../helpers/load-bytes.js';
import { tempDir } from '../helpers/paths.js';

const SPEC: TreeSpec = { threads: [], inverted: false, cutImports: false, biggestAllocs: 500 };
const INVERTED: TreeSpec = { ...SPEC, inverted: true };

/** What the messages of a pass add up to, as the daemon's provisional store keeps it. */
class Received {
  parent: number[] = [0];
  location: number[] = [-1];
  frames: TreeFrame[] = [];

  add(m: ProvisionalMessage): void {
    expect(m.pathsFrom).toBe(this.parent.length);
    expect(m.framesFrom).toBe(this.frames.length);
    for (let i = 0; i < m.parent.length; i++) {
      this.parent.push(m.parent[i]!);
      this.location.push(m.location[i]!);
    }
    for (const f of m.frames) this.frames.push(f);
  }

  data(records: ProvisionalMessage['peak']): ViewData {
    const size = this.parent.length;
    return { paths: { size, parent: Int32Array.from(this.parent), location: Int32Array.from(this.location) }, frames: [...this.frames], records };
  }
}

/** The index writer's way: a fresh resolver and trie for the snapshot alone. */
function reference(capture: Pick<LoadedCapture, 'state' | 'header'>, snap: Snapshot): ViewData {
  const resolution = pythonStackResolver(capture);
  const paths = new PathBuilder();
  const records = modeRecords(snap, sizeOrder(snap), resolution.resolve, paths, capture.header.mainTid, true);
  return { paths: paths.trie(), frames: resolution.frames, records };
}

function doc(data: ViewData, spec: TreeSpec): unknown {
  return new ViewTree(buildViewTree(data, spec).tree).display({ hideImportSystem: false, hideUninteresting: false }).document();
}

/** One provisional snapshot and its message. */
interface Sent {
  readonly m: ProvisionalMessage;
  readonly p: Pick<ProvisionalCapture, 'peak' | 'leaks'>;
}

/**
 * Checks the messages of a pass against the reference trees, peak and leaks. `capture`: the
 * capture after the pass (its frames and stacks only grew, so the earlier stack ids still mean
 * the same).
 */
function check(capture: Pick<LoadedCapture, 'state' | 'header'>, sent: readonly Sent[]): void {
  const got = new Received();
  for (const { m: posted, p } of sent) {
    // As the indexing worker posts it, its buffers transferred.
    const m = structuredClone(posted, { transfer: transferList(posted) });
    got.add(m);
    for (const [records, snap] of [
      [m.peak, p.peak],
      [m.leaks, p.leaks],
    ] as const) {
      const want = reference(capture, snap);
      for (const spec of [SPEC, INVERTED]) expect(doc(got.data(records), spec)).toEqual(doc(want, spec));
    }
  }
}

/** A capture with memray's main-thread trim (2 frames), deep shared stacks on three threads. */
function trimmedCapture(): Uint8Array {
  const events: CaptureEvent[] = [];
  for (let id = 1; id <= 12; id++) events.push({ type: 'code', id, function: `f${id}`, file: `/app/pkg/m${id % 4}.py`, firstLine: id * 10 });
  let address = 0x10000;
  for (const tid of [1, 2, 3]) {
    events.push({ type: 'thread', tid, name: `t${tid}` });
    for (let i = 0; i < 60; i++) {
      // Stacks of 1 to 9 frames sharing prefixes: some shorter than the trim on the main thread.
      const depth = 1 + (i % 9);
      for (let d = 0; d < depth; d++) events.push({ type: 'push', tid, code: 1 + ((i >> (d % 3)) + d) % 12, offset: 0 });
      events.push({ type: 'alloc', tid, address: (address += 64), size: 100 + i * tid, allocator: Allocator.MALLOC });
      if (i % 7 === 3) events.push({ type: 'alloc', tid, address: address - 128, size: 0, allocator: Allocator.FREE });
      events.push({ type: 'pop', tid, count: depth });
    }
  }
  return writeCapture(events, { mainTid: 1, skippedFramesOnMainTid: 2, sysPath: ['/app'] });
}

describe('provisional view data', () => {
  it('GIVEN a capture with a main-thread trim WHEN its snapshots are sent one after the other THEN each tree equals the index writer’s', () => {
    const c = loadBytes(trimmedCapture(), { threads: 1 });
    expect(c.header.skippedFramesOnMainTid).toBe(2);
    const views = new ProvisionalViews();
    const base = { capture: c, peakBytes: c.peakMemory, records: c.totalAllocations, bytes: 1, totalBytes: 1 };
    // The leaks first, then the peak, then the leaks again: the second and third resolve from the memo.
    const sent = [c.leaks, c.peak, c.leaks].map((peak) => {
      const p = { ...base, peak, leaks: c.leaks };
      return { m: views.message(p)!, p };
    });
    expect(sent[0]!.m.parent.length).toBeGreaterThan(20);
    expect(sent[0]!.m.leaks.path).toBe(sent[0]!.m.peak.path); // the same records, resolved once
    check(c, sent);
  });

  it('GIVEN a generated capture read on one thread WHEN a snapshot comes at every progress point THEN each tree equals the index writer’s', () => {
    const file = path.join(tempDir('memtree-provisional-views-'), 'gen.bin');
    generateCapture(file, { records: 2_000_000, distinctStacks: 2000, threads: 3, seed: 7 });
    const views = new ProvisionalViews();
    const sent: Sent[] = [];
    const c = loadCapture(file, {
      threads: 1,
      provisionalTiming: { firstMs: 0, everyMs: 0, waitFactor: 0 },
      onProvisional: (p) => sent.push({ m: views.message(p)!, p: { peak: p.peak, leaks: p.leaks } }),
    });
    expect(sent.length).toBeGreaterThan(1);
    check(c, sent);
  }, 120_000);
});
