/**
 * memray 1.19 and older's record order, computed when an answer needs it: a second read of the
 * capture's ALLOCATION records (memray's hash order depends on every insert and erase of its
 * address map before a snapshot, so only a replay gives it).
 */
import type { LegacyOrder, LoadedCapture, Snapshot } from './load.js';
import { checkStillVersion, openVersion } from './open-capture.js';
import type { ProgressFn, readAllocationRecords } from './records.js';
import { hashOrder, LegacyOrderSink, permuteRecords } from '../snapshot/legacy-order.js';
import type { SnapshotRecords, SnapshotResult } from '../snapshot/snapshot-builder.js';

/** The decoder of the capture's header version (records.ts or records-legacy.ts). */
export type RecordReader = typeof readAllocationRecords;

/** Replays of memray 1.19 and older's order run in this process (tests count them). */
export const legacyReplays = { count: 0 };

/**
 * memray 1.19 and older's record order of a capture already read, computed on the first call
 * by reading its ALLOCATION records again into a LegacyOrderSink (memray's hash order depends
 * on every insert and erase of its address map before a snapshot, so only a replay gives it).
 * The file is opened again by its path and must still be the version first read (`fingerprint`,
 * taken before the first pass) when it is opened and after it is read, or CaptureChangedError:
 * an order is never taken from another file.
 */
export function legacyOrderThunk(
  path: string,
  fingerprint: string,
  read: RecordReader,
  result: Pick<SnapshotResult, 'peak' | 'leaks' | 'temporary' | 'peakIndex' | 'records'>,
  threshold: number | undefined,
): (onProgress?: ProgressFn) => LegacyOrder {
  let done: LegacyOrder | undefined;
  return (onProgress) => {
    if (done !== undefined) return done;
    const again = openVersion(path, fingerprint);
    let sink: LegacyOrderSink;
    try {
      legacyReplays.count++;
      sink = new LegacyOrderSink(result.peakIndex, result.records, threshold === undefined || threshold < 0 ? 0 : threshold + 1);
      read(again.buffer, again.header, again.state, sink, onProgress);
      checkStillVersion(again, path, fingerprint);
    } finally {
      again.close();
    }
    const inOrder = (r: SnapshotRecords, groups: Int32Array): Int32Array =>
      hashOrder(r, groups, (k) => sink.groupOf(r.stackId[k]!, r.nativeId[k]!, r.tid[k]!));
    done = {
      peak: inOrder(result.peak, sink.peak()),
      leaks: inOrder(result.leaks, sink.leaks()),
      ...(result.temporary === undefined ? {} : { temporary: inOrder(result.temporary, sink.temporary()) }),
    };
    return done;
  };
}

/**
 * `c` with every snapshot in memray's order: memray 1.19 and older's (reading the capture again
 * when some snapshot has ties: see LoadedCapture.legacyOrder), else `c` itself.
 */
export function inMemrayOrder(c: LoadedCapture, onProgress?: ProgressFn): LoadedCapture {
  if (c.legacyOrder === undefined) return c;
  const order = c.legacyOrder(onProgress);
  const reorder = (s: Snapshot, o: Int32Array): Snapshot => ({ ...s, records: permuteRecords(s.records, o) });
  const { legacyOrder: _, ...rest } = c;
  return {
    ...rest,
    peak: reorder(c.peak, order.peak),
    leaks: reorder(c.leaks, order.leaks),
    ...(c.temporary === undefined || order.temporary === undefined ? {} : { temporary: reorder(c.temporary, order.temporary) }),
  };
}

