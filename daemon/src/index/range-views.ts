/**
 * Time-range views in the daemon (docs/views.md "Time ranges"): a range selects another set of
 * records (the peak of the range, or what it leaked), computed from the index's time-range
 * data (timeline-store.ts) by memray's rules (time-ranges.ts). They are modes like the stored
 * ones, keyed `peak@A:B` / `leaks@A:B`, so the one view engine builds their trees and every view
 * composes with them. Nothing is written: a range costs a scan of the peak runs or lifetimes.
 */
import { ResponseError } from 'vscode-jsonrpc';
import { MemtreeErrorCodes } from '../../../protocol/src/errors.js';
import type { RangeInfo, SnapshotMode } from '../../../protocol/src/tree-document.js';
import type { SnapshotRange } from '../../../protocol/src/tree.js';
import { CaptureError } from '../capture/errors.js';
import type { ReadableDB } from '../db/open.js';
import { AGGREGATED_HAS_NO_HISTORY } from '../snapshot/range-snapshot.js';
import type { SnapshotRecords } from '../snapshot/snapshot-builder.js';
import { lastRecordOf, leakRecordsIn, memoryStride, peakRecordsAt, rangePeak, snapshotCount, type CaptureTimeline } from '../snapshot/time-ranges.js';
import { sizeOrder } from '../tree/build-tree.js';
import type { ModeRecords } from '../tree/view-data.js';
import { storedRecords } from './queries.js';
import { readTimeline } from './timeline-store.js';

type Timeline = CaptureTimeline & { threadNames: { at: number; tid: number; name: string }[]; startTimeMs: number };

/** Per index: its time-range data (read once) and the facts of the ranges asked for. */
const timelines = new WeakMap<ReadableDB, { timeline: Timeline | undefined; facts: Map<string, RangeInfo> }>();

function cacheOf(db: ReadableDB): { timeline: Timeline | undefined; facts: Map<string, RangeInfo> } {
  let c = timelines.get(db);
  if (c === undefined) {
    const t = readTimeline(db);
    const info = db.prepare("SELECT value FROM meta WHERE key = 'info'").get() as { value: string };
    const startTimeMs = Date.parse((JSON.parse(info.value) as { startTime: string }).startTime);
    c = { timeline: t === undefined ? undefined : { ...t, startTimeMs }, facts: new Map() };
    timelines.set(db, c);
  }
  return c;
}

/** The view-store key of a range of `mode`, after checking the range; errors are JSON-RPC errors naming `shownAs`. */
export function rangeModeKey(db: ReadableDB, mode: SnapshotMode, range: SnapshotRange, shownAs: string): string {
  if (mode.kind === 'temporary') {
    throw new ResponseError(-32602, 'view.range: time ranges apply to the peak and leaks modes, not to temporary allocations');
  }
  const t = cacheOf(db).timeline;
  if (t === undefined) {
    throw new ResponseError(MemtreeErrorCodes.ModeUnavailable, new CaptureError(shownAs, AGGREGATED_HAS_NO_HISTORY).message, {
      path: shownAs,
      reason: AGGREGATED_HAS_NO_HISTORY,
    });
  }
  const N = snapshotCount(t.data.memoryRecords);
  const { start, end } = range;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > N) {
    throw new ResponseError(-32602, `view.range: ${start}:${end} is not a range of memory snapshots within 0:${N}`);
  }
  return `${mode.kind}@${start}:${end}`;
}

function parseKey(key: string): { kind: 'peak' | 'leaks'; start: number; end: number } | undefined {
  const m = /^(peak|leaks)@(\d+):(\d+)$/.exec(key);
  return m === null ? undefined : { kind: m[1] as 'peak' | 'leaks', start: Number(m[2]), end: Number(m[3]) };
}

function modeRecordsOf(t: Timeline, r: SnapshotRecords, moment: number): ModeRecords {
  const order = sizeOrder({ records: r, threadNames: new Map() });
  const n = order.length;
  const out = { length: n, path: new Int32Array(n), tid: new Float64Array(n), bytes: new Float64Array(n), count: new Float64Array(n) };
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    out.path[k] = r.stackId[i]!; // a group's stackId is its stored path (timeline-store.ts)
    out.tid[k] = r.tid[i]!;
    out.bytes[k] = r.bytes[i]!;
    out.count[k] = r.count[i]!;
  }
  // Thread names as of the moment shown (the range's end for leaks), as the ordinary modes keep them.
  const threadNames = new Map<number, string>();
  for (const e of t.threadNames) if (e.at <= moment) threadNames.set(e.tid, e.name);
  return { ...out, threadNames };
}

/** The records of a range mode key (undefined for other keys). */
export function rangeRecords(db: ReadableDB, key: string): ModeRecords | undefined {
  const k = parseKey(key);
  const c = cacheOf(db);
  const t = c.timeline;
  if (k === undefined || t === undefined) return undefined;
  const n = t.data.memoryRecords;
  const N = snapshotCount(n);
  const stride = memoryStride(n) || 1;
  const at = (J: number): number | undefined => (J >= 0 && J < N ? t.data.timeMs[J * stride]! - t.startTimeMs : undefined);
  const times = (from: number, to: number) => ({ ...(at(from) === undefined ? {} : { fromMs: at(from) }), ...(at(to) === undefined ? {} : { toMs: at(to) }) });
  if (k.kind === 'peak') {
    const p = rangePeak(t.data, k.start, k.end);
    const moment = t.data.hwmRecord[p.period]!;
    c.facts.set(key, { start: k.start, end: k.end, snapshot: p.snapshot, bytes: p.bytes, ...times(p.snapshot - 1, p.snapshot), snapshots: N });
    // At the ordinary peak's own moment the ordinary snapshot is that state, exactly (storedModeOf).
    if (moment === t.peakRecord) return storedRecords(db, 'peak');
    return modeRecordsOf(t, peakRecordsAt(t, p.period), moment);
  }
  c.facts.set(key, { start: k.start, end: k.end, ...times(k.start - 1, k.end), snapshots: N });
  if (k.start === 0 && k.end === N) return storedRecords(db, 'leaks');
  return modeRecordsOf(t, leakRecordsIn(t, k.start, k.end), lastRecordOf(t, k.end));
}

/**
 * The stored mode whose records a view-store key shows: the key itself for a stored mode, the
 * ordinary peak or leaks for a range whose records are that snapshot (rangeRecords), else
 * undefined (a range's own records, which never had memray 1.19 and older's order).
 */
export function storedModeOf(db: ReadableDB, key: string): string | undefined {
  const k = parseKey(key);
  if (k === undefined) return key;
  const t = cacheOf(db).timeline;
  if (t === undefined) return undefined;
  if (k.kind === 'peak') return t.data.hwmRecord[rangePeak(t.data, k.start, k.end).period] === t.peakRecord ? 'peak' : undefined;
  return k.start === 0 && k.end === snapshotCount(t.data.memoryRecords) ? 'leaks' : undefined;
}

/** What a range mode key shows (after its records were computed). */
export function rangeFacts(db: ReadableDB, key: string): RangeInfo | undefined {
  if (parseKey(key) === undefined) return undefined;
  const c = cacheOf(db);
  if (!c.facts.has(key)) rangeRecords(db, key);
  return c.facts.get(key);
}
