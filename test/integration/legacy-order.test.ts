/**
 * memray 1.19 and older return snapshot records in the iteration order of a libstdc++ hash
 * map (daemon/src/snapshot/legacy-order.ts). For every capture those versions wrote
 * (`*_v9` ... `*_v12`) and every mode with ground truth, our records must come in exactly the
 * order of memray's own `<mode>-records.json`: size, count, thread and stack, record by record;
 * and through the daemon every tree equals memray's whole.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inMemrayOrder, loadCapture, type LoadedCapture, type Snapshot } from '../../daemon/src/capture/load.js';
import { CaptureOpenRequest } from '../../protocol/src/capture.js';
import type { SnapshotMode } from '../../protocol/src/tree-document.js';
import { TreeExportRequest } from '../../protocol/src/tree.js';
import { DaemonInstance } from '../helpers/daemon-instance.js';
import {
  expectedTreeModes,
  fromDocument,
  fromMemray,
  hashOrdered,
  readExpected,
  type MemrayRecord,
  type MemrayTreeFile,
} from '../helpers/expected.js';
import { CAPTURES } from '../helpers/paths.js';

type Row = [number, number, number, string];

function ours(c: LoadedCapture, snap: Snapshot): Row[] {
  const r = snap.records;
  const rows: Row[] = [];
  for (let k = 0; k < r.length; k++) {
    const frames = c.state.stackTrace(r.stackId[k]!, r.tid[k]!, c.header.mainTid, c.header.skippedFramesOnMainTid);
    rows.push([r.bytes[k]!, r.count[k]!, r.tid[k]!, JSON.stringify(frames.map((f) => [f.function, f.file, f.line]))]);
  }
  return rows;
}

function theirs(capture: string, mode: string): Row[] {
  const records = readExpected<{ records: MemrayRecord[] }>(capture, `${mode}-records.json`).records;
  return records.map((m) => [m.size, m.n_allocations, m.tid, JSON.stringify(m.stack_trace)]);
}

const CASES = expectedTreeModes().filter(([capture]) => hashOrdered(capture) && fs.existsSync(path.join(CAPTURES, `${capture}.bin`)));

describe("memray 1.19 and older's snapshot record order", () => {
  it('covers every version 9-12 capture of the fixtures', () => {
    expect(new Set(CASES.map(([c]) => c)).size).toBe(20);
  });

  for (const [capture, mode] of CASES) {
    it(`${capture} ${mode}: records in memray's order`, () => {
      const threshold = mode.startsWith('temp') ? Number(mode.slice(4)) : undefined;
      const c = inMemrayOrder(loadCapture(path.join(CAPTURES, `${capture}.bin`), { temporaryThreshold: threshold }));
      const snap = mode === 'peak' ? c.peak : mode === 'leaks' ? c.leaks : c.temporary!;
      expect(ours(c, snap)).toEqual(theirs(capture, mode));
    });
  }
});

function modeOf(mode: string): SnapshotMode {
  if (mode === 'peak' || mode === 'leaks') return { kind: mode };
  return { kind: 'temporary', threshold: Number(mode.slice(4)) };
}

// Through memtreed (the records stored in the index and loaded back): the whole tree equals
// memray's for every -b, ties and thread labels included (--no-daemon: tree-json.test.ts).
describe("memray 1.19 and older's captures through the daemon: memray's whole trees", () => {
  let daemon: DaemonInstance;
  beforeAll(async () => {
    daemon = await DaemonInstance.start();
  });
  afterAll(async () => {
    await daemon.stop();
  });

  for (const [capture, mode] of CASES) {
    it(`${capture} ${mode}, -b 10 / 200 / 1000000`, async () => {
      const rpc = await daemon.connect();
      try {
        const open = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: path.join(CAPTURES, `${capture}.bin`), modes: [modeOf(mode)] });
        for (const b of [10, 200, 1000000]) {
          const doc = await rpc.conn.sendRequest(TreeExportRequest.type, { captureId: open.captureId, mode: modeOf(mode), biggestAllocs: b });
          const expected = readExpected<MemrayTreeFile>(capture, `${mode}-b${b}.json`);
          expect(fromDocument(doc.root)).toEqual(fromMemray(expected));
          const e = expected.elided_locations;
          expect(doc.elided).toEqual({ locations: e.n_locations, allocations: e.n_allocations, bytes: e.n_bytes });
        }
      } finally {
        rpc.close();
      }
    });
  }
});
