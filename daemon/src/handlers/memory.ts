/**
 * capture/memory: the memory series of an open capture, read from its index.
 */
import type { CaptureMemoryResult } from '../../../protocol/src/memory.js';
import type { ReadableDB } from '../db/open.js';
import { readMemory } from '../index/timeline-store.js';
import { memoryReport } from '../snapshot/memory-report.js';
import type { MemorySeries } from '../snapshot/time-ranges.js';
import type { ConnectionContext } from './context.js';
import { obj, optInt, str } from './validate.js';

/** Series read once per open index (a few thousand rows at most per 10,000 kept). */
const series = new WeakMap<ReadableDB, { memory: MemorySeries; hwm: Float64Array | undefined }>();

function seriesOf(db: ReadableDB): { memory: MemorySeries; hwm: Float64Array | undefined } {
  let s = series.get(db);
  if (s === undefined) {
    const rows = db.prepare('SELECT hwm FROM periods ORDER BY id').raw().all() as [number][];
    s = { memory: readMemory(db), hwm: rows.length === 0 ? undefined : Float64Array.from(rows, (r) => r[0]) };
    series.set(db, s);
  }
  return s;
}

export function memory(ctx: ConnectionContext, params: unknown): CaptureMemoryResult {
  const p = obj(params);
  const index = ctx.daemon.captures.get(str(p, 'captureId'));
  const points = p.points === undefined ? undefined : optInt(p, 'points', 0, 1, 1_000_000);
  const s = seriesOf(index.db);
  return memoryReport(s.memory, s.hwm, Date.parse(index.info.startTime), Date.parse(index.info.endTime), points);
}
