/**
 * The live-table side of a capture read, timed alone (issue 13's profile): the capture's
 * records are decoded once into typed-array columns (as the two-thread pass's ring carries
 * them), then fed to SnapshotBuilder.record as the worker does, and its CPU time printed.
 *
 *   node dist/test/bench/builder-replay.js CAPTURE [records] [runs]
 */
import { openCapture } from '../../daemon/src/capture/load.js';
import { ALLOCATOR_KIND, KIND_RANGED_ALLOC, KIND_SIMPLE_ALLOC, KIND_SIMPLE_FREE } from '../../daemon/src/capture/allocators.js';
import { readAllocationRecords, type AllocationSink } from '../../daemon/src/capture/records.js';
import { readLegacyAllocationRecords } from '../../daemon/src/capture/records-legacy.js';
import { GroupIndex } from '../../daemon/src/snapshot/group-index.js';
import { LiveTable, SPLIT } from '../../daemon/src/snapshot/live-table.js';
import { META_MEMORY } from '../../daemon/src/snapshot/pipeline-ring.js';
import { SnapshotBuilder } from '../../daemon/src/snapshot/snapshot-builder.js';

const [file, limitArg, runsArg] = process.argv.slice(2) as [string, string | undefined, string | undefined];
const limit = Number(limitArg ?? Infinity);
const runs = Number(runsArg ?? 3);
/** MEMTREE_REPLAY_PROVISIONAL=N: provisional sums every N records (their cost printed). */
const provisionalEvery = Number(process.env['MEMTREE_REPLAY_PROVISIONAL'] ?? 0);

class Recorder implements AllocationSink {
  readonly groups = new GroupIndex();
  address = new Float64Array(1 << 20);
  size = new Float64Array(1 << 20);
  group = new Int32Array(1 << 20);
  meta = new Int32Array(1 << 20);
  n = 0;
  private grow(): void {
    const cap = this.address.length * 2;
    const g = <T extends Float64Array | Int32Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(cap);
      b.set(a);
      return b;
    };
    this.address = g(this.address);
    this.size = g(this.size);
    this.group = g(this.group);
    this.meta = g(this.meta);
  }
  allocation(tid: number, address: number, size: number, allocator: number, stackId: number, nativeId: number, generation: number): void {
    if (this.n >= limit) return;
    if (this.n === this.address.length) this.grow();
    const kind = ALLOCATOR_KIND[allocator]!;
    let g = -1;
    if (kind === KIND_SIMPLE_ALLOC || kind === KIND_RANGED_ALLOC) g = this.groups.group(tid, stackId, nativeId, generation);
    else this.groups.thread(tid);
    const i = this.n++;
    this.address[i] = address;
    this.size[i] = size;
    this.group[i] = g;
    this.meta[i] = allocator | (this.groups.lastTidIndex << 8);
  }
  memory(rss: number, ms: number): void {
    if (this.n >= limit) return;
    if (this.n === this.address.length) this.grow();
    const i = this.n++;
    this.address[i] = rss;
    this.size[i] = ms;
    this.group[i] = -1;
    this.meta[i] = META_MEMORY;
  }
}

const open = openCapture(file);
const rec = new Recorder();
(open.header.version >= 12 ? readAllocationRecords : readLegacyAllocationRecords)(open.buffer, open.header, open.state, rec);
open.close();

function replay(): { provisionalMs: number[]; cpuMs: number; finishMs: number; peak: number; check: number } {
  const builder = new SnapshotBuilder({ startTime: open.header.startTime, headerVersion: open.header.version });
  const { address, size, group, meta } = rec;
  const provisionalMs: number[] = [];
  const c0 = process.cpuUsage();
  for (let i = 0, n = rec.n; i < n; i++) {
    const m = meta[i]!;
    if (m === META_MEMORY) builder.memory(address[i]!, size[i]!);
    else {
      const a = address[i]!;
      const hi = Math.floor(a / SPLIT);
      builder.record(group[i]!, m >>> 8, hi, a - hi * SPLIT, size[i]!, m & 0xff);
    }
    if (provisionalEvery > 0 && i % provisionalEvery === provisionalEvery - 1) { const t = (builder as unknown as { live: LiveTable }).live; provisionalMs.push(Math.round(builder.provisionalSums().costMs), Math.round(builder.provisionalSums().costMs), t.size); }
  }
  const c1 = process.cpuUsage(c0);
  const f0 = process.cpuUsage();
  const s = builder.finishSums();
  const f1 = process.cpuUsage(f0);
  let check = 0;
  for (let k = 0; k < s.peak.bytes.length; k++) check = (check * 31 + s.peak.bytes[k]! + s.peak.ids[k]!) % 1e9;
  for (let k = 0; k < s.timeline.lifetimes.length; k++) check = (check * 31 + s.timeline.lifetimes.bytes[k]! + s.timeline.lifetimes.b[k]!) % 1e9;
  for (let k = 0; k < s.timeline.peakRuns.length; k++) check = (check * 31 + s.timeline.peakRuns.bytes[k]! + s.timeline.peakRuns.a[k]!) % 1e9;
  return { provisionalMs, cpuMs: (c1.user + c1.system) / 1000, finishMs: (f1.user + f1.system) / 1000, peak: s.peakBytes, check };
}

/** Only the live table's operations (mode 'table') or only the loop ('loop'): where the time goes. */
function replayPart(mode: string): { cpuMs: number; check: number } {
  const live = new LiveTable();
  const { address, size, group, meta } = rec;
  let check = 0;
  const c0 = process.cpuUsage();
  for (let i = 0, n = rec.n; i < n; i++) {
    const m = meta[i]!;
    if (m === META_MEMORY) continue;
    const a = address[i]!;
    const hi = Math.floor(a / SPLIT);
    const lo = a - hi * SPLIT;
    const kind = ALLOCATOR_KIND[m & 0xff]!;
    if (mode === 'loop') {
      check = (check + hi + lo + size[i]! + group[i]! + kind) | 0;
      continue;
    }
    if (kind === KIND_SIMPLE_ALLOC) {
      const slot = live.upsertSplit(hi, lo);
      live.set(slot, size[i]!, i, group[i]!);
    } else if (kind === KIND_SIMPLE_FREE) {
      const slot = live.findSplit(hi, lo);
      if (slot >= 0) {
        check = (check + live.sizeAt(slot) + live.seqAt(slot) + live.groupAt(slot)) | 0;
        live.removeAt(slot);
      }
    }
  }
  const c1 = process.cpuUsage(c0);
  return { cpuMs: (c1.user + c1.system) / 1000, check };
}

const mode = process.env['REPLAY_MODE'];
if (mode !== undefined) {
  for (let r = 0; r < runs; r++) process.stdout.write(`${JSON.stringify({ mode, ...replayPart(mode) })}\n`);
  process.exit(0);
}

for (let r = 0; r < runs; r++) {
  const x = replay();
  process.stdout.write(`${JSON.stringify({ records: rec.n, ...x, nsPerRecord: (x.cpuMs * 1e6) / rec.n })}\n`);
}
