/**
 * AGGREGATED_ALLOCATIONS captures (capture-format.md section 12), computed from the same
 * events as the streaming writer the way memray's AggregatingRecordWriter does: its frame
 * registry and frame tree, and its high-water-mark aggregator (12.4), written in one go at
 * the end. Where memray iterates hash maps (thread names, code objects, surviving objects,
 * allocations) this writer uses first-seen order; AGGREGATED_ALLOCATIONs come in the order
 * of each location's first allocation.
 */
import { lz4CompressFrame } from '../../daemon/src/capture/lz4-encode.js';
import { ByteWriter } from './byte-writer.js';
import { DEFAULT_START_TIME, encodeHeader, paddingFor, writeCodeObject, writeMemoryMaps } from './capture-records.js';
import { Allocator, isSimpleDeallocator, type CaptureEvent, type WriterOptions } from './capture-types.js';
import { LegacyFrames, oldAllocatorId } from './legacy-records.js';

/** A (tid, stack, native stack, generation, allocator) location and its usage history (12.4). */
interface Location {
  readonly tid: number;
  readonly allocator: number;
  readonly native: number;
  readonly stack: number;
  readonly generation: number;
  contributedCount: number;
  contributedBytes: number;
  sinceCount: number;
  sinceBytes: number;
  lastPeak: number;
}

interface Range {
  begin: number;
  end: number;
  loc: Location;
}

/** memray's HighWaterMarkAggregator without intermediate snapshots (the writer takes none). */
class HighWaterMark {
  readonly locations = new Map<string, Location>();
  heap = 0;
  private peakCount = 0;
  private heapAtLastPeak = 0;
  private readonly live = new Map<number, { loc: Location; size: number }>();
  private ranges: Range[] = [];

  location(tid: number, allocator: number, native: number, stack: number, generation: number): Location {
    const key = `${tid}:${allocator}:${native}:${stack}:${generation}`;
    let loc = this.locations.get(key);
    if (loc === undefined) {
      loc = { tid, allocator, native, stack, generation, contributedCount: 0, contributedBytes: 0, sinceCount: 0, sinceBytes: 0, lastPeak: 0 };
      this.locations.set(key, loc);
    }
    return loc;
  }

  /** Applies one usage delta; a shrinking heap at or above the last peak records a new peak first. */
  private delta(loc: Location, count: number, bytes: number): void {
    const next = this.heap + bytes;
    if (this.heap >= this.heapAtLastPeak && next < this.heap) {
      this.peakCount++;
      this.heapAtLastPeak = this.heap;
    }
    this.heap = next;
    if (loc.lastPeak !== this.peakCount) {
      loc.contributedCount += loc.sinceCount;
      loc.contributedBytes += loc.sinceBytes;
      loc.sinceCount = 0;
      loc.sinceBytes = 0;
      loc.lastPeak = this.peakCount;
    }
    loc.sinceCount += count;
    loc.sinceBytes += bytes;
  }

  allocation(address: number, size: number, allocator: number, loc: Location | undefined): void {
    if (allocator === Allocator.MUNMAP) {
      this.unmap(address, size);
    } else if (isSimpleDeallocator(allocator)) {
      const a = this.live.get(address);
      if (a !== undefined) {
        this.delta(a.loc, -1, -a.size);
        this.live.delete(address);
      }
    } else if (allocator === Allocator.MMAP) {
      this.delta(loc!, 1, size);
      if (size > 0) this.ranges.push({ begin: address, end: address + size, loc: loc! });
    } else {
      // A still-live address is simply overwritten: the earlier allocation stays counted.
      this.delta(loc!, 1, size);
      this.live.set(address, { loc: loc!, size });
    }
  }

  /** memray's interval removal; deltas go out freed first, then shrunk, then split fragments. */
  private unmap(start: number, size: number): void {
    if (size <= 0) return;
    const stop = start + size;
    const freed: [Location, number][] = [];
    const shrunk: [Location, number][] = [];
    const split: [Location, number][] = [];
    const kept: Range[] = [];
    for (const r of this.ranges) {
      const lo = Math.max(r.begin, start);
      const hi = Math.min(r.end, stop);
      if (hi <= lo) {
        kept.push(r);
      } else if (lo === r.begin && hi === r.end) {
        freed.push([r.loc, hi - lo]);
      } else if (lo === r.begin) {
        shrunk.push([r.loc, hi - lo]);
        kept.push({ begin: hi, end: r.end, loc: r.loc });
      } else if (hi === r.end) {
        shrunk.push([r.loc, hi - lo]);
        kept.push({ begin: r.begin, end: lo, loc: r.loc });
      } else {
        split.push([r.loc, hi - lo]);
        kept.push({ begin: r.begin, end: lo, loc: r.loc }, { begin: hi, end: r.end, loc: r.loc });
      }
    }
    this.ranges = kept;
    for (const [loc, n] of freed) this.delta(loc, -1, -n);
    for (const [loc, n] of shrunk) this.delta(loc, 0, -n);
    for (const [loc, n] of split) this.delta(loc, 1, -n);
  }

  /** Per location: (high-water-mark count, bytes) and (leaked count, bytes), as visitAllocations computes them. */
  results(): { loc: Location; hwmCount: number; hwmBytes: number; leakedCount: number; leakedBytes: number }[] {
    let finalPeak = 0;
    let finalBytes = 0;
    if (this.heapAtLastPeak > 0) {
      finalPeak = this.peakCount;
      finalBytes = this.heapAtLastPeak;
    }
    if (this.heap >= finalBytes) finalPeak = this.peakCount + 1;
    return [...this.locations.values()].map((loc) => {
      const folded = loc.lastPeak !== finalPeak;
      return {
        loc,
        hwmCount: loc.contributedCount + (folded ? loc.sinceCount : 0),
        hwmBytes: loc.contributedBytes + (folded ? loc.sinceBytes : 0),
        leakedCount: loc.contributedCount + loc.sinceCount,
        leakedBytes: loc.contributedBytes + loc.sinceBytes,
      };
    });
  }
}

/**
 * Writes an AGGREGATED_ALLOCATIONS capture of `events`. `trailer: false` gives what a crashed
 * aggregated capture is: an empty file (memray writes nothing before tracking stops).
 * Versions 10 and 11 (memray 1.7-1.18) write frames as (function, file, line) with fixed-width
 * ids, their PYTHON_FRAME_INDEX records in hash order (here: newest first), and old allocator
 * ids (docs/capture-versions.md section 4).
 */
export function writeAggregatedCapture(events: Iterable<CaptureEvent>, opts: WriterOptions = {}): Uint8Array {
  if (opts.trailer === false) return new Uint8Array(0);
  const version = opts.version ?? 13;
  if (version < 10) throw new RangeError(`version ${version} has no aggregated format (memray 1.7 introduced it)`);
  const legacy = version < 12;
  const legacyFrames = new LegacyFrames(opts.pythonVersion ?? 0x030b07f0);
  const legacyInfo: { function: string; file: string; line: number; entry: boolean }[] = [];
  const native = opts.nativeTraces ?? false;
  const start = opts.startTime ?? DEFAULT_START_TIME;
  const names = new Map<number, string>();
  const snapshots: { ms: number; rss: number; heap: number }[] = [];
  const generations: Extract<CaptureEvent, { type: 'maps' }>['images'][] = [];
  const codes = new Map<number, Extract<CaptureEvent, { type: 'code' }>>();
  const nativeNodes: { ip: number; parent: number }[] = [];
  const frameIds = new Map<string, number>();
  const frames: { code: number; offset: number; entry: boolean }[] = [];
  const nodeIds = new Map<string, number>();
  const nodes: { frame: number; parent: number }[] = [];
  const stacks = new Map<number, number[]>();
  const objects = new Map<number, number>();
  const hwm = new HighWaterMark();

  for (const e of events) {
    switch (e.type) {
      case 'code':
        if (!codes.has(e.id)) codes.set(e.id, e); // memray emplaces: the first definition stays
        if (legacy) legacyFrames.define(e); // the old tracker resolved frames as it went
        break;
      case 'push': {
        const entry = e.entry !== false;
        let f: number | undefined;
        if (legacy) {
          const lf = legacyFrames.frame(e.code, e.offset, entry);
          f = lf.id;
          if (lf.isNew) legacyInfo.push({ function: lf.function, file: lf.file, line: lf.line, entry });
        }
        const fkey = `${e.code}:${e.offset}:${entry ? 1 : 0}`;
        f ??= frameIds.get(fkey);
        if (f === undefined) {
          f = frames.length;
          frames.push({ code: e.code, offset: e.offset, entry });
          frameIds.set(fkey, f);
        }
        const stack = stacks.get(e.tid) ?? [];
        stacks.set(e.tid, stack);
        const parent = stack.length === 0 ? 0 : stack[stack.length - 1]!;
        const nkey = `${parent}:${f}`;
        let node = nodeIds.get(nkey);
        if (node === undefined) {
          nodes.push({ frame: f, parent });
          node = nodes.length;
          nodeIds.set(nkey, node);
        }
        stack.push(node);
        break;
      }
      case 'pop': {
        const stack = stacks.get(e.tid) ?? [];
        const n = e.count ?? 1;
        if (n > stack.length) throw new RangeError(`pop of ${n} frames on a stack of ${stack.length} (tid ${e.tid})`);
        stack.length -= n;
        break;
      }
      case 'alloc': {
        let loc: Location | undefined;
        if (isSimpleDeallocator(e.allocator) || e.allocator === Allocator.MUNMAP) {
          loc = undefined;
        } else {
          const stack = stacks.get(e.tid) ?? [];
          const top = stack.length === 0 ? 0 : stack[stack.length - 1]!;
          loc = hwm.location(e.tid, e.allocator, native ? (e.native ?? 0) : 0, top, generations.length);
        }
        hwm.allocation(e.address, e.size, e.allocator, loc);
        break;
      }
      case 'thread':
        names.set(e.tid, e.name);
        break;
      case 'memory':
        snapshots.push({ ms: start + e.ms, rss: e.rss, heap: hwm.heap });
        break;
      case 'native':
        nativeNodes.push({ ip: e.ip, parent: e.parent });
        break;
      case 'maps':
        generations.push(e.images);
        break;
      case 'object':
        if (legacy) throw new RangeError('object records exist only from version 12');
        if (e.created) objects.set(e.address, native ? (e.native ?? 0) : 0);
        else objects.delete(e.address);
        break;
    }
  }

  const w = new ByteWriter(1 << 16);
  w.bytes(encodeHeader(opts, opts.nAllocations ?? 0, 1, legacyInfo.length));
  for (const s of snapshots) {
    w.u8(0x01);
    w.u64(s.ms);
    w.u64(s.rss);
    w.u64(s.heap);
  }
  for (const [tid, name] of names) {
    w.u8(0x0c);
    w.u64(tid);
    w.u8(0x0a);
    w.cstr(name);
  }
  for (const images of generations) writeMemoryMaps(w, images);
  let firstLine = 0;
  if (!legacy) for (const c of codes.values()) firstLine = writeCodeObject(w, c, firstLine);
  let ip = 0;
  let parent = 0;
  for (const n of nativeNodes) {
    w.u8(0x05);
    w.svarint(n.ip - ip);
    w.svarint(n.parent - parent);
    ip = n.ip;
    parent = n.parent;
  }
  if (legacy) {
    for (let id = legacyInfo.length - 1; id >= 0; id--) {
      const f = legacyInfo[id]!;
      w.u8(0x04);
      w.u64(id);
      w.cstr(f.function);
      w.cstr(f.file);
      w.u32(f.line);
      w.u8(f.entry ? 1 : 0);
    }
  } else {
    frames.forEach((f, id) => {
      w.u8(0x04);
      w.varint(id);
      w.varint(f.code);
      w.svarint(f.offset);
      w.u8(f.entry ? 1 : 0);
    });
  }
  for (const n of nodes) {
    w.u8(0x03);
    if (legacy) {
      w.u64(n.frame);
      w.u32(n.parent);
    } else {
      w.varint(n.frame);
      w.varint(n.parent);
    }
  }
  for (const [address, nativeId] of objects) {
    w.u8(0x0d);
    w.varint(Math.floor(address / 8));
    if (native) w.varint(nativeId);
  }
  for (const r of hwm.results()) {
    if (r.hwmCount === 0 && r.leakedCount === 0) continue;
    w.u8(0x02);
    w.u64(r.loc.tid);
    w.u8(legacy ? oldAllocatorId(r.loc.allocator) : r.loc.allocator);
    // Struct padding: uninitialised in memray's files, so readers must ignore it.
    for (let i = 0; i < 7; i++) w.u8(0xa5 + i);
    w.u64(r.loc.native);
    w.u64(r.loc.stack);
    w.u64(r.loc.generation);
    w.u64(r.hwmCount);
    w.u64(r.leakedCount);
    w.u64(r.hwmBytes);
    w.u64(r.leakedBytes);
  }
  w.u8(0x0f);
  if (opts.pad !== false) w.bytes(new Uint8Array(paddingFor(w.len)));
  const raw = w.take();
  return opts.compress ? lz4CompressFrame(raw) : raw;
}
