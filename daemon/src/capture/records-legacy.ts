/**
 * The ALL_ALLOCATIONS record decoder for header versions 9, 10 and 11 (memray 1.4-1.18;
 * docs/capture-versions.md). Same design as records.ts (one tight loop, ALLOCATION records
 * decoded inline without bounds checks or per-record objects, rare records through the
 * checked Cursor), over the older encoding: a token is `type | flags << 4`, Python frames are
 * FRAME_INDEX records carrying (function, file, line), addresses are whole (not >> 3) and
 * allocator ids use the old numbering, translated here so that everything after the reader
 * sees one numbering.
 *
 * An ALLOCATION record is 1.8 times longer than in version 13 on a typical stream (no address
 * cache), so its hot path is tighter than a literal port: one table load per token decides it
 * (ALLOC_TOKEN), and the short varints (most address deltas and sizes) are read inline.
 */
import { ALLOCATOR_KIND, KIND_INVALID, KIND_RANGED_FREE, KIND_SIMPLE_FREE, LEGACY_ALLOCATOR } from './allocators.js';
import type { CaptureState } from './capture-state.js';
import type { CaptureHeader } from './header.js';
import { CaptureDataError } from './lz4.js';
import { RecordError, type AllocationSink, type ProgressFn, type ReadOutcome } from './records.js';
import { Cursor, NeedMore, SLACK, StreamBuffer, varintBig } from './stream-buffer.js';

/** Record types of versions 9-11 (the token's low four bits). */
const TYPE_NAMES = [
  'OTHER',
  'ALLOCATION',
  'ALLOCATION_WITH_NATIVE',
  'FRAME_INDEX',
  'FRAME_PUSH',
  'NATIVE_TRACE_INDEX',
  'MEMORY_MAP_START',
  'SEGMENT_HEADER',
  'SEGMENT',
  'FRAME_POP',
  'THREAD_RECORD',
  'MEMORY_RECORD',
  'CONTEXT_SWITCH',
];

/** ALLOC_TOKEN bits: today's allocator id, then what the record holds and passes on. */
const T_ALLOCATOR = 0x0f;
/** A size follows the address (always with native frames, even for free(): memray 1.4-1.18's writers). */
const T_SIZE = 0x10;
/** ALLOCATION_WITH_NATIVE: a native frame id delta follows. */
const T_NATIVE = 0x20;
/** An allocation (not a deallocation): it gets the thread's stack (and native stack). */
const T_STACK = 0x40;

/**
 * Per token byte: 0 unless it is an ALLOCATION or ALLOCATION_WITH_NATIVE with a valid
 * allocator, else today's allocator id and the T_ bits. One load decides the hot path.
 */
const ALLOC_TOKEN = new Uint8Array(256);
for (let token = 0; token < 256; token++) {
  const type = token & 0x0f;
  const allocator = LEGACY_ALLOCATOR[token >> 4]!;
  const kind = ALLOCATOR_KIND[allocator]!;
  if ((type !== 1 && type !== 2) || kind === KIND_INVALID) continue;
  let info = allocator;
  if (type === 2 || kind !== KIND_SIMPLE_FREE) info |= T_SIZE;
  if (type === 2) info |= T_NATIVE;
  if (kind !== KIND_SIMPLE_FREE && kind !== KIND_RANGED_FREE) info |= T_STACK;
  ALLOC_TOKEN[token] = info;
}

interface ThreadStack {
  ids: Int32Array;
  len: number;
}

/** File frame ids below this are mapped through a typed array; larger ones (damage) through a Map. */
const DENSE_FRAME_IDS = 1 << 22;

/** Decodes version 9-11 records until TRAILER, end of data or a damaged record. */
export function readLegacyAllocationRecords(
  sb: StreamBuffer,
  header: CaptureHeader,
  state: CaptureState,
  sink: AllocationSink,
  onProgress?: ProgressFn,
): ReadOutcome {
  // Delta accumulators (memray's DeltaEncodedFields): FRAME_INDEX and FRAME_PUSH share the
  // frame id; NATIVE_TRACE_INDEX and ALLOCATION_WITH_NATIVE share the native frame id.
  // data_pointer (the whole address) lives in a typed array: as a local double of this loop,
  // which V8 optimizes while it runs (OSR), it was boxed, one heap number per record.
  const dataPointer = new Float64Array(1);
  let pythonFrameId = 0;
  let lineNumber = 0;
  let nativeFrameId = 0;
  let instructionPointer = 0;
  let generation = 0;
  let records = 0;
  // File frame id -> our frame id + 1 (0: not defined).
  let frameMap = new Int32Array(1024);
  const farFrames = new Map<number, number>();
  const stacks = new Map<number, ThreadStack>();
  let tid = -1;
  let stack: ThreadStack | undefined;
  // The first progress point early: a provisional snapshot is asked for there (provisional-feed.ts).
  let nextProgress = 1 << 18;
  const allocToken = ALLOC_TOKEN; // a local: no module-binding load per record

  let buf = sb.buf;
  let pos = sb.pos;
  let end = sb.end;
  let recStart = pos;
  let outcome: ReadOutcome['end'] = 'end';
  let error: ReadOutcome['error'];

  const fail = (message: string): never => {
    throw new RecordError(message);
  };
  const needThread = (what: string): ThreadStack => {
    if (stack === undefined) fail(`${what} record with no previous CONTEXT_SWITCH`);
    return stack!;
  };
  const frameOf = (fileId: number): number => {
    const k = fileId >= 0 && fileId < frameMap.length ? frameMap[fileId]! : (farFrames.get(fileId) ?? 0);
    if (k !== 0) return k - 1;
    state.noteAnomaly('FRAME_PUSH of an undefined frame', sb.base + recStart);
    return state.undefinedFrame(fileId);
  };
  const defineFrame = (fileId: number, id: number): void => {
    if (fileId >= 0 && fileId < DENSE_FRAME_IDS) {
      if (fileId >= frameMap.length) {
        let n = frameMap.length * 2;
        while (n <= fileId) n *= 2;
        const grown = new Int32Array(n);
        grown.set(frameMap);
        frameMap = grown;
      }
      if (frameMap[fileId] !== 0) fail(`two FRAME_INDEX records define frame ${fileId}`);
      frameMap[fileId] = id + 1;
    } else {
      if (farFrames.has(fileId)) fail(`two FRAME_INDEX records define frame ${fileId}`);
      farFrames.set(fileId, id + 1);
    }
  };

  // Unsigned varint starting at `p`; leaves the position after it in `vpos` (as records.ts).
  let vpos = 0;
  let bigValue = 0n;
  const varintLong = (start: number): number => {
    let p = start;
    for (let i = 0; i < 10; i++) {
      if (buf[p++]! < 0x80) {
        vpos = p;
        bigValue = varintBig(buf, start);
        return Number(bigValue);
      }
    }
    return fail('varint longer than 10 bytes');
  };
  const varint = (p: number): number => {
    const start = p;
    let b = buf[p++]!;
    if (b < 0x80) {
      vpos = p;
      return b;
    }
    let v = b & 0x7f;
    b = buf[p++]!;
    v |= (b & 0x7f) << 7;
    if (b < 0x80) {
      vpos = p;
      return v;
    }
    b = buf[p++]!;
    v |= (b & 0x7f) << 14;
    if (b < 0x80) {
      vpos = p;
      return v;
    }
    b = buf[p++]!;
    v |= (b & 0x7f) << 21;
    if (b < 0x80) {
      vpos = p;
      return v;
    }
    let value = v;
    let mul = 268435456; // 2^28
    for (let i = 4; i < 7; i++) {
      b = buf[p++]!;
      value += (b & 0x7f) * mul;
      if (b < 0x80) {
        vpos = p;
        return value;
      }
      mul *= 128;
    }
    return varintLong(start);
  };
  const svarint = (p: number): number => {
    const z = varint(p);
    if (z <= 0x7fffffff) return (z >>> 1) ^ -(z & 1);
    if (z < 2 ** 49) return z % 2 === 1 ? -(z + 1) / 2 : z / 2;
    return Number(BigInt.asIntN(64, (bigValue >> 1n) ^ -(bigValue & 1n)));
  };
  let truncated = false;

  try {
    for (;;) {
      if (end - pos < SLACK && !sb.eof) {
        sb.pos = pos;
        sb.fill(SLACK);
        buf = sb.buf;
        pos = sb.pos;
        end = sb.end;
        if (sb.base + pos >= nextProgress && onProgress !== undefined) {
          nextProgress = sb.base + pos + (1 << 20);
          onProgress(sb.base + pos, sb.inputOffset, records);
        }
      }
      if (pos >= end) break; // clean end of data
      recStart = pos;
      const token = buf[pos++]!;
      const info = allocToken[token]!;

      if (info !== 0) {
        // ALLOCATION / ALLOCATION_WITH_NATIVE with a valid allocator. The zig-zag address
        // delta is read inline up to 3 bytes (int arithmetic, no call), longer ones by svarint.
        let b = buf[pos]!;
        if (b < 0x80) {
          dataPointer[0] += (b >>> 1) ^ -(b & 1);
          pos += 1;
        } else {
          let z = b & 0x7f;
          b = buf[pos + 1]!;
          z |= (b & 0x7f) << 7;
          if (b < 0x80) {
            dataPointer[0] += (z >>> 1) ^ -(z & 1);
            pos += 2;
          } else {
            b = buf[pos + 2]!;
            z |= (b & 0x7f) << 14;
            if (b < 0x80) {
              dataPointer[0] += (z >>> 1) ^ -(z & 1);
              pos += 3;
            } else {
              dataPointer[0] += svarint(pos);
              pos = vpos;
            }
          }
        }
        let size = 0;
        if ((info & T_SIZE) !== 0) {
          b = buf[pos]!;
          if (b < 0x80) {
            size = b;
            pos += 1;
          } else {
            const b1 = buf[pos + 1]!;
            if (b1 < 0x80) {
              size = (b & 0x7f) | (b1 << 7);
              pos += 2;
            } else {
              size = varint(pos);
              pos = vpos;
            }
          }
        }
        if ((info & T_NATIVE) !== 0) {
          nativeFrameId += svarint(pos);
          pos = vpos;
        }
        if (pos > end) {
          truncated = true; // only possible at the end of the data (SLACK >= any ALLOCATION)
          break;
        }
        const s = stack ?? needThread('ALLOCATION');
        let stackId = 0;
        let nativeId = 0;
        let gen = 0;
        if ((info & T_STACK) !== 0) {
          stackId = s.len === 0 ? 0 : s.ids[s.len - 1]!;
          if ((info & T_NATIVE) !== 0) {
            nativeId = nativeFrameId;
            gen = generation;
          }
        }
        // Keys are address >> 3 as in versions 12+ (the allocators memray hooks align to 8+).
        sink.allocation(tid, Math.floor(dataPointer[0]! / 8), size, info & T_ALLOCATOR, stackId, nativeId, gen);
        records++;
        continue;
      }
      const type = token & 0x0f;
      const flags = token >> 4;

      if (type === 4) {
        // FRAME_PUSH: the frame id as a delta
        const s = stack ?? needThread('FRAME_PUSH');
        pythonFrameId += svarint(pos);
        pos = vpos;
        if (pos > end) {
          truncated = true;
          break;
        }
        const frameId = frameOf(pythonFrameId);
        const top = s.len === 0 ? 0 : s.ids[s.len - 1]!;
        if (s.len === s.ids.length) {
          const grown = new Int32Array(s.ids.length * 2);
          grown.set(s.ids);
          s.ids = grown;
        }
        s.ids[s.len++] = state.push(top, frameId);
        continue;
      }

      if (type === 9) {
        // FRAME_POP: flags + 1 frames
        const s = stack ?? needThread('FRAME_POP');
        const n = flags + 1;
        if (n > s.len) fail(`FRAME_POP of ${n} frames on a stack of ${s.len}`);
        s.len -= n;
        continue;
      }

      // The rare records, variable length, decoded with bounds checks.
      const c = new Cursor(buf, pos, end);
      try {
        switch (type) {
          case 1: // ALLOCATION, ALLOCATION_WITH_NATIVE whose allocator id is not one (ALLOC_TOKEN 0)
          case 2:
            fail(`invalid allocator id ${flags}`);
            break;
          case 0: // OTHER: flags 1 = TRAILER
            if (flags !== 1) fail(`invalid record type 0x${token.toString(16).padStart(2, '0')}`);
            outcome = 'trailer';
            break;
          case 3: {
            // FRAME_INDEX: id delta, function, file, line delta; flags bit 0 = not an entry frame
            const id = pythonFrameId + c.svarint();
            const fn = c.cstr();
            const file = c.cstr();
            const line = (lineNumber + c.svarint()) | 0; // a C int accumulator
            pythonFrameId = id;
            lineNumber = line;
            defineFrame(id, state.defineFrame(id, fn, file, line, (flags & 1) === 0));
            break;
          }
          case 5: {
            // NATIVE_TRACE_INDEX
            const ip = instructionPointer + c.svarint();
            const parent = nativeFrameId + c.svarint();
            instructionPointer = ip;
            nativeFrameId = parent;
            state.nativeIps.push(ip);
            state.nativeParents.push(parent);
            break;
          }
          case 6: // MEMORY_MAP_START
            generation++;
            state.generations[generation] = [];
            break;
          case 7: {
            // SEGMENT_HEADER followed by its SEGMENT records
            const file = c.cstr();
            const count = c.varint();
            const load = c.u64();
            if (count > 1 << 16) fail(`SEGMENT_HEADER claims ${count} segments`);
            const segs = [];
            for (let i = 0; i < count; i++) {
              if (c.u8() !== 0x08) fail('SEGMENT_HEADER not followed by a SEGMENT record');
              const vaddr = c.u64();
              const memsz = c.varint();
              segs.push({ file, start: load + vaddr, end: load + vaddr + memsz, load });
            }
            (state.generations[generation] ??= []).push(...segs);
            break;
          }
          case 10: // THREAD_RECORD
            state.setThreadName(tid === -1 ? 0 : tid, c.cstr(), records);
            break;
          case 11: {
            // MEMORY_RECORD: rss, ms since start (mod 2^64: a 10-byte varint is a clock that went back)
            const rss = c.varint();
            const ms = c.varint();
            if (sink.memory !== undefined) sink.memory(rss, ms >= 2 ** 63 ? ms - 2 ** 64 : ms);
            break;
          }
          case 12: {
            // CONTEXT_SWITCH: raw u64 tid
            tid = c.u64();
            stack = stacks.get(tid);
            if (stack === undefined) {
              stack = { ids: new Int32Array(64), len: 0 };
              stacks.set(tid, stack);
            }
            break;
          }
          default:
            fail(`invalid record type 0x${token.toString(16).padStart(2, '0')}`);
        }
      } catch (err) {
        if (!(err instanceof NeedMore)) throw err;
        // The record straddles the buffer's end: fetch more and decode it again from its start.
        if (sb.eof) {
          truncated = true;
          break;
        }
        sb.pos = recStart;
        const want = Math.max(err.want - recStart, 2 * (end - recStart));
        sb.fill(want, recStart);
        buf = sb.buf;
        pos = sb.pos;
        end = sb.end;
        continue;
      }
      pos = c.pos;
      if (outcome === 'trailer') break;
    }
    if (outcome !== 'trailer') {
      if (sb.sourceError !== undefined) throw sb.sourceError;
      if (truncated) {
        const name = TYPE_NAMES[buf[recStart]! & 0x0f] ?? 'unknown';
        throw new RecordError(`${name} record cut short by the end of the data`);
      }
    }
  } catch (err) {
    if (err instanceof RecordError) {
      outcome = 'error';
      error = { message: err.message, offset: sb.base + recStart, inFile: false };
    } else if (err instanceof CaptureDataError) {
      outcome = 'error';
      error = { message: err.message, offset: err.offset, inFile: true };
    } else {
      throw err;
    }
  }
  void header;
  sb.pos = Math.min(pos, end);
  return { allocationRecords: records, end: outcome, error, bytes: sb.base + recStart };
}
