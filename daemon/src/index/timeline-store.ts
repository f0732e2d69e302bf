/**
 * The memory series and time-range data in the index (migration 0002): written with the rest
 * of the index, read back into the typed arrays the range queries use (time-ranges.ts).
 */
import type { LoadedCapture } from '../capture/load.js';
import type { ReadableDB, WritableDB } from '../db/open.js';
import type { CaptureTimeline, MemorySeries } from '../snapshot/time-ranges.js';
import type { TimelineRuns } from '../snapshot/timeline.js';
import { newRecords } from '../snapshot/snapshot-builder.js';
import type { CaptureIndexWriter } from './capture-writer.js';

/** Writes the memory series, and for ALL_ALLOCATIONS captures the time-range data. */
export function writeTimeline(db: WritableDB, w: CaptureIndexWriter, c: LoadedCapture): void {
  const m = c.memory;
  const mem = db.prepare('INSERT INTO memory (id, time_ms, rss, heap) VALUES (?, ?, ?, ?)');
  for (let i = 0; i < m.timeMs.length; i++) mem.run(i, m.timeMs[i]!, m.rss[i]!, m.heap[i]!);
  const t = c.timeline;
  if (t === undefined) return;
  const d = t.data;
  const period = db.prepare('INSERT INTO periods (id, first_record, hwm, hwm_record) VALUES (?, ?, ?, ?)');
  for (let p = 0; p <= d.memoryRecords; p++) period.run(p, d.periodStart[p]!, d.hwm[p]!, d.hwmRecord[p]!);
  const group = db.prepare('INSERT INTO groups (id, path, tid) VALUES (?, ?, ?)');
  const g = t.groups;
  const paths = w.groupPaths(g);
  for (let i = 0; i < g.length; i++) group.run(i, paths[i]!, g.tid[i]!);
  const run = db.prepare('INSERT INTO peak_runs (grp, from_period, bytes, count) VALUES (?, ?, ?, ?)');
  const r = d.peakRuns;
  for (let i = 0; i < r.length; i++) run.run(r.group[i]!, r.a[i]!, r.bytes[i]!, r.count[i]!);
  const life = db.prepare('INSERT INTO lifetimes (grp, alloc_period, free_period, bytes, count) VALUES (?, ?, ?, ?, ?)');
  const l = d.lifetimes;
  for (let i = 0; i < l.length; i++) life.run(l.group[i]!, l.a[i]!, l.b[i]! === -1 ? null : l.b[i]!, l.bytes[i]!, l.count[i]!);
  const name = db.prepare('INSERT INTO thread_names (at_record, tid, name) VALUES (?, ?, ?)');
  for (const e of c.state.threadNameLog) name.run(e.at, e.tid, e.name);
  db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('timeline', ?)").run(JSON.stringify({ records: t.records, peakRecord: t.peakRecord }));
}

/** The memory series stored in the index. */
export function readMemory(db: ReadableDB): MemorySeries {
  const rows = db.prepare('SELECT time_ms, rss, heap FROM memory ORDER BY id').raw().all() as [number, number, number][];
  return {
    timeMs: Float64Array.from(rows, (r) => r[0]),
    rss: Float64Array.from(rows, (r) => r[1]),
    heap: Float64Array.from(rows, (r) => r[2]),
  };
}

function runs(rows: [number, number, number | null, number, number][]): TimelineRuns {
  const n = rows.length;
  const out = { group: new Int32Array(n), a: new Int32Array(n), b: new Int32Array(n), bytes: new Float64Array(n), count: new Float64Array(n), length: n };
  rows.forEach(([g, a, b, bytes, count], i) => {
    out.group[i] = g;
    out.a[i] = a;
    out.b[i] = b ?? -1;
    out.bytes[i] = bytes;
    out.count[i] = count;
  });
  return out;
}

/** The time-range data stored in the index (undefined for aggregated captures). A group's `stackId` is its path (trie id). */
export function readTimeline(db: ReadableDB): (CaptureTimeline & { threadNames: { at: number; tid: number; name: string }[] }) | undefined {
  const meta = db.prepare("SELECT value FROM meta WHERE key = 'timeline'").get() as { value: string } | undefined;
  if (meta === undefined) return undefined;
  const { records, peakRecord } = JSON.parse(meta.value) as { records: number; peakRecord: number };
  const memory = readMemory(db);
  const periods = db.prepare('SELECT first_record, hwm, hwm_record FROM periods ORDER BY id').raw().all() as [number, number, number][];
  const groupRows = db.prepare('SELECT path, tid FROM groups ORDER BY id').raw().all() as [number, number][];
  const groups = newRecords(groupRows.length);
  groupRows.forEach(([path, tid], i) => {
    groups.stackId[i] = path;
    groups.tid[i] = tid;
    groups.count[i] = 1;
    groups.firstSeq[i] = i;
  });
  const peakRuns = runs(
    (db.prepare('SELECT grp, from_period, 0, bytes, count FROM peak_runs ORDER BY rowid').raw().all() as [number, number, number, number, number][]),
  );
  const lifetimes = runs(db.prepare('SELECT grp, alloc_period, free_period, bytes, count FROM lifetimes').raw().all() as [number, number, number | null, number, number][]);
  const threadNames = (db.prepare('SELECT at_record, tid, name FROM thread_names ORDER BY rowid').raw().all() as [number, number, string][]).map(
    ([at, tid, name]) => ({ at, tid, name }),
  );
  return {
    data: {
      memoryRecords: memory.timeMs.length,
      ...memory,
      periodStart: Float64Array.from(periods, (p) => p[0]),
      hwm: Float64Array.from(periods, (p) => p[1]),
      hwmRecord: Float64Array.from(periods, (p) => p[2]),
      peakRuns,
      lifetimes,
    },
    groups,
    peakRecord,
    records,
    threadNames,
  };
}
