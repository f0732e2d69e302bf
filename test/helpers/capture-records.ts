/**
 * Encodes the header (every version 9-13) and the records of a version 12 or 13 ALL_ALLOCATIONS
 * capture (legacy-records.ts encodes versions 9-11) exactly as memray 1.19 / 1.20's streaming
 * writer does (capture-format.md sections 3-5): token packing, the 15-entry
 * FIFO address cache shared by ALLOCATION and OBJECT_RECORD, addresses >> 3, the four shared
 * delta accumulators, and a CONTEXT_SWITCH whenever a thread-specific record's tid differs
 * from the previous thread-specific record's.
 */
import { ByteWriter } from './byte-writer.js';
import { isSimpleDeallocator, type CaptureEvent, type WriterOptions } from './capture-types.js';

const MAGIC = [0x6d, 0x65, 0x6d, 0x72, 0x61, 0x79, 0x00];
/** Default header start time: a fixed instant so synthetic captures are reproducible. */
export const DEFAULT_START_TIME = 1_700_000_000_000;

/**
 * The header bytes for `opts`, with `nAllocations` as the statistic and file format
 * `fileFormat`, in the layout of header version `opts.version` (docs/capture-versions.md
 * section 2); `nFrames` is the n_frames statistic of versions 9-11 (0 from version 12).
 */
export function encodeHeader(opts: WriterOptions, nAllocations: number, fileFormat = 0, nFrames = 0): Uint8Array {
  const version = opts.version ?? 13;
  if (!Number.isInteger(version) || version < 9 || version > 13) throw new RangeError(`unsupported capture version ${String(version)}`);
  if (version === 9 && fileFormat !== 0) throw new RangeError('version 9 has no aggregated format');
  const w = new ByteWriter(512);
  for (const b of MAGIC) w.u8(b);
  w.u32(version);
  if (version >= 12) w.u32(opts.pythonVersion ?? 0x030b07f0);
  w.u8(opts.nativeTraces ? 1 : 0);
  if (version >= 10) w.u8(fileFormat);
  w.u64(nAllocations);
  w.u64(version >= 12 ? 0 : nFrames); // n_frames: not maintained since version 12
  const start = opts.startTime ?? DEFAULT_START_TIME;
  w.u64(start);
  w.u64(opts.endTime ?? start);
  w.cstr(opts.commandLine ?? 'python3 synthetic.py');
  w.u32(opts.pid ?? 4242);
  w.u64(opts.mainTid ?? 1);
  w.u64(opts.skippedFramesOnMainTid ?? 0);
  w.u8(opts.pythonAllocator ?? 1);
  if (version >= 11) w.u8(opts.tracePythonAllocators ? 1 : 0);
  if (version >= 12) w.u8(opts.trackObjectLifetimes ? 1 : 0);
  if (version >= 13) {
    w.cstr(opts.libdest ?? '/usr/lib/python3.11');
    for (const list of [opts.sitePackages ?? [], opts.sysPath ?? []]) {
      for (const s of list) {
        // An empty entry would end the list early: memray only writes non-empty paths.
        if (s === '') throw new RangeError('sitePackages / sysPath entries must be non-empty');
        w.cstr(s);
      }
      w.u8(0);
    }
  }
  return w.take();
}

/**
 * A CODE_OBJECT record (the same in ALL_ALLOCATIONS and AGGREGATED_ALLOCATIONS files): its
 * first line number is delta-coded against the previous code object's, `previousFirstLine`.
 * Returns the base for the next one.
 */
export function writeCodeObject(w: ByteWriter, code: Extract<CaptureEvent, { type: 'code' }>, previousFirstLine: number): number {
  const table = code.lineTable ?? new Uint8Array(0);
  w.u8(0x0e);
  w.varint(code.id);
  w.cstr(code.function);
  w.cstr(code.file);
  w.svarint(code.firstLine - previousFirstLine);
  w.varint(table.length);
  w.bytes(table);
  return code.firstLine | 0;
}

/** A MEMORY_MAP_START record followed by one SEGMENT_HEADER (and its SEGMENTs) per image. */
export function writeMemoryMaps(w: ByteWriter, images: Extract<CaptureEvent, { type: 'maps' }>['images']): void {
  w.u8(0x06);
  for (const image of images) {
    w.u8(0x07);
    w.cstr(image.file);
    w.varint(image.segments.length);
    w.u64(image.load);
    for (const s of image.segments) {
      w.u8(0x08);
      w.u64(s.vaddr);
      w.varint(s.memsz);
    }
  }
}

/** Record encoder state: the bytes produced so far plus everything memray's writer remembers. */
export class RecordEncoder {
  /** Encoded records not yet handed out. */
  readonly out = new ByteWriter(1 << 17);
  /** ALLOCATION records written. */
  allocations = 0;
  /** FRAME_INDEX records written: none from version 12 (the header's n_frames). */
  readonly frameIndexes = 0;
  // The address cache as a ring of (address >> 3): slot p is cache[(head + p) % 15].
  private readonly cache = new Float64Array(15);
  private head = 0;
  private dataPointer = 0;
  private nativeFrameId = 0;
  private instructionPointer = 0;
  private firstLineNo = 0;
  private tid: number | undefined;

  constructor(private readonly nativeTraces: boolean) {}

  /** Encodes one event. */
  write(e: CaptureEvent): void {
    const w = this.out;
    switch (e.type) {
      case 'alloc':
        this.allocation(e.tid, e.address, e.size, e.allocator, e.native ?? 0);
        return;
      case 'object':
        this.object(e.tid, e.address, e.created, e.native ?? 0);
        return;
      case 'push': {
        this.contextSwitch(e.tid);
        w.u8(0x40 | (e.entry === false ? 0 : 1));
        w.varint(e.code);
        w.svarint(e.offset);
        return;
      }
      case 'pop': {
        let n = e.count ?? 1;
        if (n < 0 || !Number.isInteger(n)) throw new RangeError(`bad pop count ${n}`);
        if (n === 0) return;
        this.contextSwitch(e.tid);
        // The count lives in the token's low nibble (minus one), so big pops take several records.
        for (; n > 0; n -= 16) w.u8(0x10 | (Math.min(n, 16) - 1));
        return;
      }
      case 'thread':
        this.contextSwitch(e.tid);
        w.u8(0x0a);
        w.cstr(e.name);
        return;
      case 'code':
        this.firstLineNo = writeCodeObject(w, e, this.firstLineNo);
        return;
      case 'memory':
        w.u8(0x02);
        w.varint(e.rss);
        w.varint(e.ms); // negative (clock went backwards) wraps modulo 2^64, as in memray
        return;
      case 'native':
        w.u8(0x05);
        w.svarint(e.ip - this.instructionPointer);
        this.instructionPointer = e.ip;
        w.svarint(e.parent - this.nativeFrameId);
        this.nativeFrameId = e.parent;
        return;
      case 'maps':
        writeMemoryMaps(w, e.images);
        return;
      default:
        throw new TypeError(`unknown capture event ${JSON.stringify(e)}`);
    }
  }

  /**
   * One ALLOCATION record (also for deallocations). Allocators 1-7 go into the token, others
   * into a following byte; simple deallocators carry neither a native id nor a size, MUNMAP
   * carries both (memray's native id for it is always 0).
   */
  allocation(tid: number, address: number, size: number, allocator: number, native = 0): void {
    this.contextSwitch(tid);
    const w = this.out;
    const slot = this.lookup(address);
    const inToken = allocator >= 1 && allocator <= 7;
    w.u8(0x80 | (slot << 3) | (inToken ? allocator : 0));
    if (slot === 15) this.pushAddress(address);
    if (!inToken) w.u8(allocator);
    if (!isSimpleDeallocator(allocator)) {
      if (this.nativeTraces) {
        w.svarint(native - this.nativeFrameId);
        this.nativeFrameId = native;
      }
      w.varint(size);
    }
    this.allocations++;
  }

  /** One OBJECT_RECORD: shares the address cache and data_pointer with ALLOCATION. */
  object(tid: number, address: number, created: boolean, native = 0): void {
    this.contextSwitch(tid);
    const w = this.out;
    const slot = this.lookup(address);
    w.u8(0x20 | (slot << 1) | (created ? 1 : 0));
    if (slot === 15) this.pushAddress(address);
    if (this.nativeTraces && created) {
      w.svarint(native - this.nativeFrameId);
      this.nativeFrameId = native;
    }
  }

  /** The TRAILER record. */
  trailer(): void {
    this.out.u8(0x01);
  }

  private contextSwitch(tid: number): void {
    if (tid === this.tid) return;
    this.out.u8(0x0c);
    this.out.u64(tid);
    this.tid = tid;
  }

  /** The first cache slot holding `address`, or 15 for a miss. */
  private lookup(address: number): number {
    if (address % 8 !== 0 || address < 0) {
      throw new RangeError(`address 0x${address.toString(16)} is not a non-negative multiple of 8 (memray stores address >> 3)`);
    }
    const shifted = address / 8;
    const c = this.cache;
    for (let p = 0, i = this.head; p < 15; p++, i = i === 14 ? 0 : i + 1) if (c[i] === shifted) return p;
    return 15;
  }

  /** Writes a cache miss's address delta and shifts it into slot 0 (slot 14 falls out). */
  private pushAddress(address: number): void {
    const shifted = address / 8;
    this.out.svarint(shifted - this.dataPointer);
    this.dataPointer = shifted;
    this.head = this.head === 0 ? 14 : this.head - 1;
    this.cache[this.head] = shifted;
  }
}

/** Bytes of zero padding memray's file sink would leave after `length` bytes (up to the next 4 KiB multiple). */
export function paddingFor(length: number): number {
  return (4096 - (length % 4096)) % 4096;
}
