/**
 * Encodes the records of header versions 9, 10 and 11 (memray 1.4-1.18) from the same events
 * as the version 12/13 encoder, byte for byte as memray 1.18's StreamingRecordWriter (and
 * 1.4's record_writer.h, which writes the same bytes) does (docs/capture-versions.md section 3):
 * token = type | flags << 4, whole addresses, old allocator ids, and a FRAME_INDEX record
 * carrying (function, file, line) before the first push of each distinct frame.
 *
 * Events name frames by (code object, instruction offset) as in version 12+; here they are
 * resolved to (function, file, line) through the code objects seen so far and CPython's line
 * tables, like the old tracker did while tracing. A push of a code id no 'code' event defined
 * becomes the frame ("", "", 0).
 */
import { lineNumber } from '../../daemon/src/capture/line-tables.js';
import { ByteWriter } from './byte-writer.js';
import { writeMemoryMaps } from './capture-records.js';
import { Allocator, isDeallocator, isSimpleDeallocator, type CaptureEvent } from './capture-types.js';

/** Today's allocator id -> the id of versions 9-11. */
const OLD_ALLOCATOR: Record<number, number> = {
  [Allocator.MALLOC]: 1,
  [Allocator.FREE]: 2,
  [Allocator.CALLOC]: 3,
  [Allocator.REALLOC]: 4,
  [Allocator.POSIX_MEMALIGN]: 5,
  [Allocator.ALIGNED_ALLOC]: 6,
  [Allocator.MEMALIGN]: 7,
  [Allocator.VALLOC]: 8,
  [Allocator.PVALLOC]: 9,
  [Allocator.MMAP]: 10,
  [Allocator.MUNMAP]: 11,
  [Allocator.PYMALLOC_MALLOC]: 12,
  [Allocator.PYMALLOC_CALLOC]: 13,
  [Allocator.PYMALLOC_REALLOC]: 14,
  [Allocator.PYMALLOC_FREE]: 15,
};

/** The allocator id versions 9-11 store for today's `allocator`. */
export function oldAllocatorId(allocator: number): number {
  const id = OLD_ALLOCATOR[allocator];
  if (id === undefined) throw new RangeError(`allocator ${allocator} has no id before version 12`);
  return id;
}

type CodeEvent = Extract<CaptureEvent, { type: 'code' }>;

/** Resolves (code, offset, entry) pushes to memray 1.4-1.18's frames and their dense ids. */
export class LegacyFrames {
  private readonly codes = new Map<number, CodeEvent>();
  private readonly ids = new Map<string, number>();

  constructor(private readonly pythonVersion: number) {}

  /** A code object definition (a later one for the same id replaces it, as in the reader). */
  define(code: CodeEvent): void {
    this.codes.set(code.id, code);
  }

  /** The (function, file, line) a push names. */
  resolve(code: number, offset: number): { function: string; file: string; line: number } {
    const c = this.codes.get(code);
    if (c === undefined) return { function: '', file: '', line: 0 };
    return { function: c.function, file: c.file, line: lineNumber(this.pythonVersion, c.lineTable ?? new Uint8Array(0), c.firstLine, offset) };
  }

  /** The frame id of a push, and whether it is new (its FRAME_INDEX is due). */
  frame(code: number, offset: number, entry: boolean): { id: number; isNew: boolean; function: string; file: string; line: number } {
    const f = this.resolve(code, offset);
    const key = `${f.function}\0${f.file}\0${f.line}\0${entry ? 1 : 0}`;
    let id = this.ids.get(key);
    const isNew = id === undefined;
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(key, id);
    }
    return { id, isNew, ...f };
  }
}

/** Record encoder state of a version 9-11 streaming writer. */
export class LegacyRecordEncoder {
  readonly out = new ByteWriter(1 << 17);
  /** ALLOCATION records written. */
  allocations = 0;
  /** FRAME_INDEX records written (the header's n_frames). */
  frameIndexes = 0;
  private readonly frames: LegacyFrames;
  private dataPointer = 0;
  private pythonFrameId = 0;
  private lineNo = 0;
  private nativeFrameId = 0;
  private instructionPointer = 0;
  private tid: number | undefined;

  constructor(
    private readonly nativeTraces: boolean,
    pythonVersion: number,
  ) {
    this.frames = new LegacyFrames(pythonVersion);
  }

  write(e: CaptureEvent): void {
    const w = this.out;
    switch (e.type) {
      case 'alloc':
        this.allocation(e.tid, e.address, e.size, e.allocator, e.native ?? 0);
        return;
      case 'push': {
        const entry = e.entry !== false;
        const f = this.frames.frame(e.code, e.offset, entry);
        if (f.isNew) {
          // Not thread-specific: written before the push's CONTEXT_SWITCH.
          w.u8(0x03 | (entry ? 0 : 1) << 4);
          w.svarint(f.id - this.pythonFrameId);
          this.pythonFrameId = f.id;
          w.cstr(f.function);
          w.cstr(f.file);
          w.svarint(f.line - this.lineNo);
          this.lineNo = f.line;
          this.frameIndexes++;
        }
        this.contextSwitch(e.tid);
        w.u8(0x04);
        w.svarint(f.id - this.pythonFrameId);
        this.pythonFrameId = f.id;
        return;
      }
      case 'pop': {
        let n = e.count ?? 1;
        if (n < 0 || !Number.isInteger(n)) throw new RangeError(`bad pop count ${n}`);
        if (n === 0) return;
        this.contextSwitch(e.tid);
        for (; n > 0; n -= 16) w.u8(0x09 | (Math.min(n, 16) - 1) << 4);
        return;
      }
      case 'thread':
        this.contextSwitch(e.tid);
        w.u8(0x0a);
        w.cstr(e.name);
        return;
      case 'code':
        this.frames.define(e);
        return;
      case 'memory':
        w.u8(0x0b);
        w.varint(e.rss);
        w.varint(e.ms);
        return;
      case 'native':
        w.u8(0x05);
        w.svarint(e.ip - this.instructionPointer);
        this.instructionPointer = e.ip;
        w.svarint(e.parent - this.nativeFrameId);
        this.nativeFrameId = e.parent;
        return;
      case 'maps':
        writeMemoryMaps(w, e.images); // the same bytes in every version
        return;
      case 'object':
        throw new RangeError('object records exist only from version 12');
      default:
        throw new TypeError(`unknown capture event ${JSON.stringify(e)}`);
    }
  }

  /**
   * ALLOCATION (or, for allocations of a native capture, ALLOCATION_WITH_NATIVE: memray's
   * tracker writes deallocations without native frames in every mode).
   */
  allocation(tid: number, address: number, size: number, allocator: number, native = 0): void {
    this.contextSwitch(tid);
    const w = this.out;
    const withNative = this.nativeTraces && !isDeallocator(allocator);
    w.u8((withNative ? 0x02 : 0x01) | (oldAllocatorId(allocator) << 4));
    w.svarint(address - this.dataPointer);
    this.dataPointer = address;
    if (withNative || !isSimpleDeallocator(allocator)) w.varint(size);
    if (withNative) {
      w.svarint(native - this.nativeFrameId);
      this.nativeFrameId = native;
    }
    this.allocations++;
  }

  /** The TRAILER: type OTHER with flags 1. */
  trailer(): void {
    this.out.u8(0x10);
  }

  private contextSwitch(tid: number): void {
    if (tid === this.tid) return;
    this.out.u8(0x0c);
    this.out.u64(tid);
    this.tid = tid;
  }
}
