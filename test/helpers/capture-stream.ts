/**
 * Whole synthetic captures: header + records + TRAILER, zero padding like memray's file sink
 * and optional LZ4 framing like memray's compress-on-exit — in memory (writeCapture) or
 * streamed to a sink with bounded memory (CaptureWriter).
 */
import { lz4CompressFrame, Lz4FrameEncoder } from '../../daemon/src/capture/lz4-encode.js';
import { concatBytes } from './byte-writer.js';
import { encodeHeader, paddingFor, RecordEncoder } from './capture-records.js';
import type { CaptureEvent, WriterOptions } from './capture-types.js';
import { LegacyRecordEncoder } from './legacy-records.js';

/** The record encoder of the header version `opts.version` asks for. */
function encoderFor(opts: WriterOptions): RecordEncoder | LegacyRecordEncoder {
  const version = opts.version ?? 13;
  if (version >= 12) return new RecordEncoder(opts.nativeTraces ?? false);
  return new LegacyRecordEncoder(opts.nativeTraces ?? false, opts.pythonVersion ?? 0x030b07f0);
}

/** Records are handed to the sink in pieces of about this size. */
const FLUSH_BYTES = 1 << 20;
const ZEROS = new Uint8Array(4096);

/** Writes a complete capture of `events` and returns its file bytes. */
export function writeCapture(events: Iterable<CaptureEvent>, opts: WriterOptions = {}): Uint8Array {
  const enc = encoderFor(opts);
  for (const e of events) enc.write(e);
  const trailer = opts.trailer ?? true;
  if (trailer) enc.trailer();
  const body = enc.out.take();
  // Like memray's final header rewrite; a crashed capture keeps the provisional statistic 0.
  const header = encodeHeader(opts, opts.nAllocations ?? (trailer ? enc.allocations : 0), 0, trailer ? enc.frameIndexes : 0);
  const size = header.length + body.length;
  const raw = concatBytes([header, body, new Uint8Array(opts.pad === false ? 0 : paddingFor(size))]);
  return opts.compress ? lz4CompressFrame(raw) : raw;
}

/**
 * Streaming form for big captures: chunks go to `sink` (e.g. fs.writeSync), memory stays
 * bounded. The header is written first, so its n_allocations is `opts.nAllocations ?? 0` (what
 * memray's provisional header holds); finalHeader() returns the header memray would rewrite
 * at offset 0, which raw-file callers may write over the first bytes.
 */
export class CaptureWriter {
  private readonly enc: RecordEncoder | LegacyRecordEncoder;
  private readonly lz4: Lz4FrameEncoder | undefined;
  private rawBytes = 0;
  private ended = false;

  constructor(
    private readonly sink: (chunk: Uint8Array) => void,
    private readonly opts: WriterOptions = {},
  ) {
    this.enc = encoderFor(opts);
    this.lz4 = opts.compress ? new Lz4FrameEncoder() : undefined;
    this.emit(encodeHeader(opts, opts.nAllocations ?? 0));
  }

  /** ALLOCATION records written so far. */
  get allocations(): number {
    return this.enc.allocations;
  }

  /** Uncompressed bytes produced so far (header and flushed records). */
  get bytesWritten(): number {
    return this.rawBytes + this.enc.out.len;
  }

  write(e: CaptureEvent): void {
    this.enc.write(e);
    if (this.enc.out.len >= FLUSH_BYTES) this.flush();
  }

  /** Same as write({ type: 'alloc', ... }) without building an event object (hot loops). */
  allocation(tid: number, address: number, size: number, allocator: number, native = 0): void {
    this.enc.allocation(tid, address, size, allocator, native);
    if (this.enc.out.len >= FLUSH_BYTES) this.flush();
  }

  /** Writes the TRAILER (unless opts.trailer is false), the padding and the LZ4 end mark. */
  end(): void {
    if (this.ended) throw new Error('CaptureWriter.end() called twice');
    this.ended = true;
    if (this.opts.trailer ?? true) this.enc.trailer();
    this.flush();
    if (this.opts.pad !== false) {
      for (let n = paddingFor(this.rawBytes); n > 0; n -= ZEROS.length) this.emit(ZEROS.subarray(0, Math.min(n, ZEROS.length)));
    }
    if (this.lz4 !== undefined) this.sink(this.lz4.end());
  }

  /** The header with the final n_allocations (same length as the one written first). */
  finalHeader(): Uint8Array {
    const trailer = this.opts.trailer ?? true;
    return encodeHeader(this.opts, this.opts.nAllocations ?? (trailer ? this.enc.allocations : 0), 0, trailer ? this.enc.frameIndexes : 0);
  }

  private flush(): void {
    const out = this.enc.out;
    if (out.len === 0) return;
    if (this.lz4 !== undefined) {
      // The LZ4 encoder copies its input, so the record buffer can be reused without a copy.
      this.emit(out.buf.subarray(0, out.len));
      out.len = 0;
    } else {
      this.emit(out.take());
    }
  }

  private emit(chunk: Uint8Array): void {
    this.rawBytes += chunk.length;
    if (this.lz4 === undefined) {
      // Padding chunks view a shared buffer; the sink may keep what it gets.
      this.sink(chunk.buffer === ZEROS.buffer ? chunk.slice() : chunk);
      return;
    }
    const packed = this.lz4.write(chunk);
    if (packed.length > 0) this.sink(packed);
  }
}
