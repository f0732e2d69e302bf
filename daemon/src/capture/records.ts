/**
 * The ALL_ALLOCATIONS record decoder (docs/capture-format.md sections 5 and 6).
 *
 * One tight loop over the buffered bytes. ALLOCATION records (the vast majority) are decoded
 * inline with no per-record objects and handed to the sink as plain numbers; the rare
 * variable-length records go through the bounds-checked Cursor and are restarted from their
 * first byte when they straddle the buffer's end.
 */
import { ALLOCATOR_KIND, KIND_INVALID, KIND_RANGED_FREE, KIND_SIMPLE_FREE } from './allocators.js';
import type { CaptureState } from './capture-state.js';
import type { CaptureHeader } from './header.js';
import { CaptureDataError } from './lz4.js';
import { Cursor, NeedMore, SLACK, StreamBuffer, varintBig } from './stream-buffer.js';

/** Receives every ALLOCATION record in file order. */
export interface AllocationSink {
  /**
   * One ALLOCATION record. `address` is the address >> 3 (exact in a double); `stackId`,
   * `nativeId` and `generation` are 0 for deallocations.
   */
  allocation(
    tid: number,
    address: number,
    size: number,
    allocator: number,
    stackId: number,
    nativeId: number,
    generation: number,
  ): void;
  /** One MEMORY_RECORD: RSS in bytes and ms since the header's start time (negative if the clock went back). */
  memory?(rss: number, msSinceStart: number): void;
}

/** How reading ended. */
export interface ReadOutcome {
  /** ALLOCATION records decoded (allocations and deallocations). */
  readonly allocationRecords: number;
  /** 'trailer': a TRAILER record; 'end': the data ended cleanly; 'error': a damaged record. */
  readonly end: 'trailer' | 'end' | 'error';
  /** For 'error': what was wrong, and where: in the (decompressed) record stream, or in the file for damaged compressed data. */
  readonly error?: { readonly message: string; readonly offset: number; readonly inFile: boolean };
  /** Decompressed bytes consumed. */
  readonly bytes: number;
}

/** Progress callback, called about every megabyte. */
export type ProgressFn = (decompressedBytes: number, fileBytes: number, records: number) => void;

/** Damage found while decoding; a sink may throw it too (reading then stops before that record). */
export class RecordError extends Error {}

function token2name(token: number): string {
  if (token >= 0x80) return 'ALLOCATION';
  if (token >= 0x40) return 'FRAME_PUSH';
  if (token >= 0x20) return 'OBJECT_RECORD';
  if (token >= 0x10) return 'FRAME_POP';
  return TOKEN_NAMES[token] ?? 'unknown';
}

const TOKEN_NAMES: Record<number, string> = {
  0x01: 'TRAILER',
  0x02: 'MEMORY_RECORD',
  0x05: 'NATIVE_TRACE_INDEX',
  0x06: 'MEMORY_MAP_START',
  0x07: 'SEGMENT_HEADER',
  0x0a: 'THREAD_RECORD',
  0x0c: 'CONTEXT_SWITCH',
  0x0e: 'CODE_OBJECT',
};

interface ThreadStack {
  ids: Int32Array;
  len: number;
}

/** Decodes records until TRAILER, end of data or a damaged record. */
export function readAllocationRecords(
  sb: StreamBuffer,
  header: CaptureHeader,
  state: CaptureState,
  sink: AllocationSink,
  onProgress?: ProgressFn,
): ReadOutcome {
  const native = header.nativeTraces;
  // Shared delta accumulators (capture-format.md 3.5); data_pointer holds address >> 3.
  let dataPointer = 0;
  let nativeFrameId = 0;
  let instructionPointer = 0;
  let firstLineNo = 0;
  // The 15-entry FIFO address cache as a ring: slot p is ring[(head + p) % 15].
  const ring = new Float64Array(15);
  let head = 0;
  let generation = 0;
  let records = 0;
  const stacks = new Map<number, ThreadStack>();
  let tid = -1;
  let stack: ThreadStack | undefined;
  // The first progress point early: a provisional snapshot is asked for there (provisional-feed.ts).
  let nextProgress = 1 << 18;

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

  // Unsigned varint starting at `p`; leaves the position after it in `vpos`. Values of up
  // to 7 bytes (49 bits) are exact in doubles; longer ones take the BigInt path.
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
  // Set when a record runs into the end of the data.
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

      if (token >= 0x80) {
        // ALLOCATION: 1 pppp aaa
        const p = (token >> 3) & 0x0f;
        let address: number;
        if (p === 15) {
          dataPointer += svarint(pos);
          pos = vpos;
          address = dataPointer;
          head = head === 0 ? 14 : head - 1;
          ring[head] = address;
        } else {
          const slot = head + p;
          address = ring[slot >= 15 ? slot - 15 : slot]!;
        }
        let allocator = token & 7;
        if (allocator === 0) allocator = buf[pos++]!;
        const kind = allocator < 16 ? ALLOCATOR_KIND[allocator]! : KIND_INVALID;
        if (kind === KIND_INVALID) fail(`invalid allocator id ${allocator}`);
        let size = 0;
        let stackId = 0;
        let nativeId = 0;
        let gen = 0;
        if (kind !== KIND_SIMPLE_FREE) {
          if (native) {
            nativeFrameId += svarint(pos);
            pos = vpos;
          }
          size = varint(pos);
          pos = vpos;
          if (kind !== KIND_RANGED_FREE) {
            const s = stack ?? needThread('ALLOCATION');
            stackId = s.len === 0 ? 0 : s.ids[s.len - 1]!;
            nativeId = native ? nativeFrameId : 0;
            gen = generation;
          }
        }
        if (pos > end) {
          truncated = true; // only possible at the end of the data (SLACK >= any ALLOCATION)
          break;
        }
        if (stack === undefined) needThread('ALLOCATION');
        sink.allocation(tid, address, size, allocator, stackId, nativeId, gen);
        records++;
        continue;
      }

      if (token >= 0x40) {
        // FRAME_PUSH: 01 uuuuu e
        const s = stack ?? needThread('FRAME_PUSH');
        const codeId = varint(pos);
        pos = vpos;
        const offset = svarint(pos);
        pos = vpos;
        if (pos > end) {
          truncated = true;
          break;
        }
        const known = state.frames.size;
        const frameId = state.frames.intern(codeId, offset * 2 + (token & 1));
        // memray writes a CODE_OBJECT before the first FRAME_PUSH that uses it: a push of an
        // unknown code object is a sign of damaged data (counted, reported as a warning).
        if (frameId === known && !state.codeObjects.has(codeId)) state.noteAnomaly('FRAME_PUSH of an undefined code object', sb.base + recStart);
        const top = s.len === 0 ? 0 : s.ids[s.len - 1]!;
        if (s.len === s.ids.length) {
          const grown = new Int32Array(s.ids.length * 2);
          grown.set(s.ids);
          s.ids = grown;
        }
        s.ids[s.len++] = state.push(top, frameId);
        continue;
      }

      if (token >= 0x20) {
        // OBJECT_RECORD: 001 pppp c — decoded only for its effect on the cache and accumulators.
        if (stack === undefined) needThread('OBJECT_RECORD');
        const p = (token >> 1) & 0x0f;
        if (p === 15) {
          dataPointer += svarint(pos);
          pos = vpos;
          head = head === 0 ? 14 : head - 1;
          ring[head] = dataPointer;
        }
        if (native && (token & 1) === 1) {
          nativeFrameId += svarint(pos);
          pos = vpos;
        }
        if (pos > end) {
          truncated = true;
          break;
        }
        continue;
      }

      if (token >= 0x10) {
        // FRAME_POP: 0001 nnnn
        const s = stack ?? needThread('FRAME_POP');
        const n = (token & 0x0f) + 1;
        if (n > s.len) fail(`FRAME_POP of ${n} frames on a stack of ${s.len}`);
        s.len -= n;
        continue;
      }

      // Flag-less records: rare, variable length, decoded with bounds checks.
      const c = new Cursor(buf, pos, end);
      try {
        switch (token) {
          case 0x01: // TRAILER
            outcome = 'trailer';
            break;
          case 0x02: {
            // MEMORY_RECORD: rss, ms since start (mod 2^64: a 10-byte varint is a clock that went back)
            const rss = c.varint();
            const ms = c.varint();
            if (sink.memory !== undefined) sink.memory(rss, ms >= 2 ** 63 ? ms - 2 ** 64 : ms);
            break;
          }
          case 0x05: {
            // NATIVE_TRACE_INDEX
            const ip = instructionPointer + c.svarint();
            const parent = nativeFrameId + c.svarint();
            instructionPointer = ip;
            nativeFrameId = parent;
            state.nativeIps.push(ip);
            state.nativeParents.push(parent);
            break;
          }
          case 0x06: // MEMORY_MAP_START
            generation++;
            state.generations[generation] = [];
            break;
          case 0x07: {
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
          case 0x0a: {
            // THREAD_RECORD
            const name = c.cstr();
            state.setThreadName(tid === -1 ? 0 : tid, name, records);
            break;
          }
          case 0x0c: {
            // CONTEXT_SWITCH: raw u64 tid
            tid = c.u64();
            stack = stacks.get(tid);
            if (stack === undefined) {
              stack = { ids: new Int32Array(64), len: 0 };
              stacks.set(tid, stack);
            }
            break;
          }
          case 0x0e: {
            // CODE_OBJECT
            const id = c.varint();
            const fn = c.cstr();
            const file = c.cstr();
            const first = (firstLineNo + c.svarint()) | 0; // a 32-bit int accumulator
            const len = c.varint();
            if (len > 1 << 24) fail(`CODE_OBJECT line table of ${len} bytes`);
            const table = c.bytes(len);
            firstLineNo = first;
            state.codeObjects.set(id, { function: fn, file, firstLine: first, lineTable: table });
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
      // Damaged compressed data explains a cut-short record better than the record itself.
      if (sb.sourceError !== undefined) throw sb.sourceError;
      if (truncated) {
        const name = token2name(buf[recStart]!);
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
  sb.pos = Math.min(pos, end);
  return { allocationRecords: records, end: outcome, error, bytes: sb.base + recStart };
}
