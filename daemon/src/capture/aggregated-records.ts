/**
 * The AGGREGATED_ALLOCATIONS record decoder (docs/capture-format.md section 12; versions 10
 * and 11 in docs/capture-versions.md). These files are small (one record per distinct
 * location), so this path favours clarity over speed.
 */
import { LEGACY_ALLOCATOR } from './allocators.js';
import type { CaptureState } from './capture-state.js';
import type { CaptureHeader } from './header.js';
import { CaptureDataError } from './lz4.js';
import type { ProgressFn, ReadOutcome } from './records.js';
import { Cursor, NeedMore, StreamBuffer } from './stream-buffer.js';

/** One AGGREGATED_ALLOCATION record (stack ids already mapped into the CaptureState). */
export interface AggregatedAllocation {
  readonly tid: number;
  readonly allocator: number;
  readonly nativeId: number;
  readonly stackId: number;
  readonly generation: number;
  readonly peakCount: number;
  readonly leakedCount: number;
  readonly peakBytes: number;
  readonly leakedBytes: number;
}

class RecordError extends Error {}

/** Decodes every record; returns the aggregated allocations in file order. */
export function readAggregatedRecords(
  sb: StreamBuffer,
  header: CaptureHeader,
  state: CaptureState,
  onProgress?: ProgressFn,
): { outcome: ReadOutcome; allocations: AggregatedAllocation[]; memory: number[][] } {
  /** The stored MEMORY_SNAPSHOT records: [ms since the epoch, rss, heap]. */
  const memory: number[][] = [];
  let nativeFrameId = 0;
  let instructionPointer = 0;
  let firstLineNo = 0;
  let generation = 0;
  let tid = 0;
  // Versions 10 and 11: frames carry (function, file, line), fixed-width ids, old allocator ids.
  const legacy = header.version < 12;
  /** File frame id -> our frame id; file stack id -> our stack id. */
  const frameMap: number[] = [];
  const legacyFrames = new Map<number, number>();
  const stackMap: number[] = [0];
  const raw: (Omit<AggregatedAllocation, 'stackId'> & { fileStackId: number })[] = [];
  let end: ReadOutcome['end'] = 'end';
  let error: ReadOutcome['error'];
  let recStart = sb.pos;
  let nextProgress = 1 << 20;
  // Totals beyond 2^53 bytes or allocations are damage (no real heap comes near them).
  let peakTotal = 0;
  let leakedTotal = 0;

  try {
    for (;;) {
      if (!sb.fill(1)) break;
      recStart = sb.pos;
      const c = new Cursor(sb.buf, sb.pos, sb.end);
      let token = -1;
      try {
        token = c.u8();
        switch (token) {
          case 0x01: {
            // MEMORY_SNAPSHOT: time, rss, heap
            const time = c.u64();
            const rss = c.u64();
            const heap = c.u64();
            memory.push([time, rss, heap]);
            break;
          }
          case 0x02: {
            // AGGREGATED_ALLOCATION (72 bytes; bytes 9-15 are uninitialised padding)
            const rtid = c.u64();
            const allocator = c.u8();
            c.bytes(7);
            const nativeId = c.u64();
            const fileStackId = c.u64();
            const gen = c.u64();
            const peakCount = c.u64();
            const leakedCount = c.u64();
            const peakBytes = c.u64();
            const leakedBytes = c.u64();
            if (allocator < 1 || allocator > 15) throw new RecordError(`invalid allocator id ${allocator}`);
            peakTotal += peakBytes;
            leakedTotal += leakedBytes;
            if (peakTotal > Number.MAX_SAFE_INTEGER || leakedTotal > Number.MAX_SAFE_INTEGER || peakCount > Number.MAX_SAFE_INTEGER || leakedCount > Number.MAX_SAFE_INTEGER) {
              throw new RecordError(`aggregated record ${raw.length}: its sizes or counts take the totals beyond 2^53 (a damaged field)`);
            }
            raw.push({ tid: rtid, allocator: legacy ? LEGACY_ALLOCATOR[allocator]! : allocator, nativeId, fileStackId, generation: gen, peakCount, leakedCount, peakBytes, leakedBytes });
            break;
          }
          case 0x03: {
            // PYTHON_TRACE_INDEX: the k-th defines stack id k (versions 10-11: u64 frame, u32 parent)
            const frame = legacy ? c.u64() : c.varint();
            const parent = legacy ? c.u32() : c.varint();
            const f = legacy ? legacyFrames.get(frame) : frameMap[frame];
            const p = stackMap[parent];
            if (f === undefined || p === undefined) {
              throw new RecordError(`PYTHON_TRACE_INDEX refers to unknown frame ${frame} or stack ${parent}`);
            }
            stackMap.push(state.push(p, f));
            break;
          }
          case 0x04: {
            if (legacy) {
              // PYTHON_FRAME_INDEX of versions 10-11: u64 id, function, file, i32 line, bool entry
              const id = c.u64();
              const fn = c.cstr();
              const file = c.cstr();
              const line = c.i32();
              const entry = c.u8() !== 0;
              if (legacyFrames.has(id)) throw new RecordError(`two PYTHON_FRAME_INDEX records define frame ${id}`);
              legacyFrames.set(id, state.defineFrame(id, fn, file, line, entry));
              break;
            }
            // PYTHON_FRAME_INDEX
            const id = c.varint();
            const code = c.varint();
            const offset = c.svarint();
            const entry = c.u8() !== 0 ? 1 : 0;
            if (id !== frameMap.length) throw new RecordError(`Frame ID mismatch (got ${id}, expected ${frameMap.length})`);
            frameMap.push(state.frames.intern(code, offset * 2 + entry));
            break;
          }
          case 0x05: {
            const ip = instructionPointer + c.svarint();
            const parent = nativeFrameId + c.svarint();
            instructionPointer = ip;
            nativeFrameId = parent;
            state.nativeIps.push(ip);
            state.nativeParents.push(parent);
            break;
          }
          case 0x06:
            generation++;
            state.generations[generation] = [];
            break;
          case 0x07: {
            const file = c.cstr();
            const count = c.varint();
            const load = c.u64();
            if (count > 1 << 16) throw new RecordError(`SEGMENT_HEADER claims ${count} segments`);
            const segs = [];
            for (let i = 0; i < count; i++) {
              if (c.u8() !== 0x08) throw new RecordError('SEGMENT_HEADER not followed by a SEGMENT record');
              const vaddr = c.u64();
              const memsz = c.varint();
              segs.push({ file, start: load + vaddr, end: load + vaddr + memsz, load });
            }
            (state.generations[generation] ??= []).push(...segs);
            break;
          }
          case 0x0a:
            state.setThreadName(tid, c.cstr(), 0);
            break;
          case 0x0c:
            tid = c.u64();
            break;
          case 0x0d: // SURVIVING_OBJECT
            if (legacy) throw new RecordError('invalid record type 0x0d');
            c.varint();
            if (header.nativeTraces) c.varint();
            break;
          case 0x0e: {
            if (legacy) throw new RecordError('invalid record type 0x0e');
            const id = c.varint();
            const fn = c.cstr();
            const file = c.cstr();
            const first = (firstLineNo + c.svarint()) | 0;
            const len = c.varint();
            if (len > 1 << 24) throw new RecordError(`CODE_OBJECT line table of ${len} bytes`);
            const table = c.bytes(len);
            firstLineNo = first;
            state.codeObjects.set(id, { function: fn, file, firstLine: first, lineTable: table });
            break;
          }
          case 0x0f:
            end = 'trailer';
            break;
          default:
            throw new RecordError(
              token === 0x08 ? 'Unexpected SEGMENT record' : `invalid record type 0x${token.toString(16).padStart(2, '0')}`,
            );
        }
      } catch (err) {
        if (!(err instanceof NeedMore)) throw err;
        if (sb.eof) throw new RecordError('record cut short by the end of the data');
        sb.fill(Math.max(err.want - recStart, 2 * (sb.end - recStart)), recStart);
        continue;
      }
      sb.pos = c.pos;
      if (onProgress !== undefined && sb.offset >= nextProgress) {
        nextProgress = sb.offset + (1 << 20);
        onProgress(sb.offset, sb.inputOffset, raw.length);
      }
      if (end === 'trailer') break;
    }
    if (end !== 'trailer' && sb.sourceError !== undefined) throw sb.sourceError;
  } catch (err) {
    if (err instanceof RecordError) {
      end = 'error';
      error = { message: err.message, offset: sb.base + recStart, inFile: false };
    } else if (err instanceof CaptureDataError) {
      end = 'error';
      error = { message: err.message, offset: err.offset, inFile: true };
    } else {
      throw err;
    }
  }
  const allocations = raw.map(({ fileStackId, ...r }) => ({ ...r, stackId: stackMap[fileStackId] ?? 0 }));
  return {
    outcome: { allocationRecords: raw.length, end, error, bytes: sb.base + recStart },
    allocations,
    memory,
  };
}
