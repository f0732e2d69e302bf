/**
 * memray 1.19 and older's record order in a daemon index (docs/capture-versions.md section 5,
 * issue 12 step 4b). That order takes a second read of the capture (LoadedCapture.legacyOrder),
 * 1.6-2x the pass, and only views whose answer depends on it need it
 * (tree/order-sensitivity.ts). So the index job (and a temporary threshold's job) stores each
 * mode's records sorted by size over the pass's order, marks those modes pending (table
 * order_pending) and completes; the order phase then replays the capture and rewrites the
 * stored rows into memray's order, in one
 * transaction with the removal of the marks: a daemon killed at any point leaves either the
 * pass's order marked pending or memray's order unmarked, never a mix.
 *
 * The two orders hold the same records in the same size order and differ only in which of
 * several equal-sized records comes first, so the rewrite is a permutation of each mode's rows.
 */
import * as fs from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import type { LegacyOrder, LoadedCapture, Snapshot } from '../capture/load.js';
import type { ProgressFn } from '../capture/records.js';
import type { ReadableDB, WritableDB } from '../db/open.js';
import { sizeOrder } from '../tree/build-tree.js';
import type { ModeRecords } from '../tree/view-data.js';
import { pendingModes, storedRecords } from './queries.js';
import { IndexWriteStatements, temporaryThresholdOf, type ModeKey } from './write-index.js';

/**
 * Test hold (integration tests only): while the file this names does not exist, the order
 * phase waits before it reads the capture again, so a test can prove what is answered before
 * memray's order is known and what waits for it, at any machine's pace. Jobs runs every task
 * in a worker while it is set, where waiting blocks nobody.
 */
export const ORDER_GATE_ENV = 'MEMTREE_TEST_ORDER_GATE';

export function orderGateSet(): boolean {
  return process.env[ORDER_GATE_ENV] !== undefined;
}

/** Waits (in a worker) until the test hold, if any, is open. */
export function passOrderGate(): void {
  const gate = process.env[ORDER_GATE_ENV];
  if (gate === undefined || isMainThread) return;
  const nap = new Int32Array(new SharedArrayBuffer(4));
  // Terminating the worker ends this wait too (Atomics.wait returns every 20 ms).
  while (!fs.existsSync(gate)) Atomics.wait(nap, 0, 0, 20);
}

/** Marks `keys` as stored in the pass's order (inside the index's writing transaction). */
export function markOrderPending(db: WritableDB, keys: readonly ModeKey[]): void {
  const put = db.prepare('INSERT OR REPLACE INTO order_pending (mode) VALUES (?)');
  for (const k of keys) put.run(k);
}

function snapshotOf(c: LoadedCapture, order: LegacyOrder | undefined, key: ModeKey): { snap: Snapshot; legacy: Int32Array | undefined } | undefined {
  if (key === 'peak') return { snap: c.peak, legacy: order?.peak };
  if (key === 'leaks') return { snap: c.leaks, legacy: order?.leaks };
  if (c.temporary === undefined) return undefined;
  return { snap: c.temporary, legacy: order?.temporary };
}

/** The pending modes a read with temporary threshold `threshold` holds the records of: peak, leaks and that threshold's mode. */
export function resolvableModes(db: ReadableDB, threshold: number | undefined): ModeKey[] {
  return pendingModes(db).filter((k) => {
    const t = temporaryThresholdOf(k);
    return t === undefined || t === threshold;
  });
}

/**
 * `stored` (a mode's rows: `snap` sorted by size over the pass's order) sorted by size over
 * memray's order `legacy` instead. Throws if the rows are not that snapshot's.
 */
export function inLegacyOrder(stored: ModeRecords, snap: Snapshot, legacy: Int32Array): ModeRecords {
  const pass = sizeOrder(snap);
  const memray = sizeOrder(snap, legacy);
  const n = pass.length;
  if (stored.length !== n) throw new Error(`the index holds ${stored.length} records of a snapshot of ${n}`);
  const row = new Int32Array(n);
  for (let k = 0; k < n; k++) row[pass[k]!] = k;
  const out = { length: n, path: new Int32Array(n), tid: new Float64Array(n), bytes: new Float64Array(n), count: new Float64Array(n), threadNames: stored.threadNames };
  const bytes = snap.records.bytes;
  for (let j = 0; j < n; j++) {
    const i = memray[j]!;
    const k = row[i]!;
    if (stored.bytes[k] !== bytes[i]) throw new Error('the index does not hold the records of this capture');
    out.path[j] = stored.path[k]!;
    out.tid[j] = stored.tid[k]!;
    out.bytes[j] = stored.bytes[k]!;
    out.count[j] = stored.count[k]!;
  }
  return out;
}

/**
 * Resolves the pending modes of the index `db` that capture `c` holds (read by the same pass
 * as the index, or an equal one: checked row by row; `threshold` is the temporary threshold `c`
 * was read with: other thresholds' modes stay pending): reads memray's order (the second read,
 * before anything is written; it throws CaptureChangedError for a file that is no longer the
 * version read), then rewrites the rows and clears the marks in one transaction.
 */
export function resolvePendingOrder(db: WritableDB, c: LoadedCapture, threshold: number | undefined, onProgress?: ProgressFn): void {
  if (resolvableModes(db, threshold).length === 0) return;
  const order = c.legacyOrder?.(onProgress);
  const modeId = db.prepare('SELECT id FROM modes WHERE mode = ?').pluck();
  const drop = db.prepare('DELETE FROM records WHERE mode = ?');
  const write = new IndexWriteStatements(db);
  const done = db.prepare('DELETE FROM order_pending WHERE mode = ?');
  // Nothing awaits in here: the rows are read and written in one synchronous transaction.
  db.transaction(() => {
    for (const key of resolvableModes(db, threshold)) {
      const s = snapshotOf(c, order, key);
      const id = modeId.get(key) as number | undefined;
      const stored = storedRecords(db, key);
      if (s === undefined || id === undefined || stored === undefined) throw new Error(`the index's mode ${key} has no records of this read`);
      // Without `legacy` no snapshot has ties: every order sorts alike.
      if (s.legacy !== undefined) {
        const rows = inLegacyOrder(stored, s.snap, s.legacy);
        drop.run(id);
        write.writeRecords(id, rows);
      }
      done.run(key);
    }
  }).immediate();
}
