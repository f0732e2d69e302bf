// Streaming readers for memray capture files, raw or wrapped in LZ4 frames (capture-format.md
// §2), written from the public LZ4 frame and block format specifications. Memory stays bounded
// whatever the file size: the LZ4 reader holds one input buffer (at least one block) and one
// output window (64 KiB of history for linked blocks + a chunk + a block).

import { readSync } from 'node:fs';
import { Xxh32, xxh32 } from './xxh32.js';

/** A pull source of decompressed capture bytes. */
export interface ByteSource {
  /** Next chunk of bytes, or null at the end. The returned view is valid only until the next call. Throws CaptureDataError on corrupt/truncated input AFTER having returned every byte decoded before the damage. */
  next(): Uint8Array | null;
  /** Bytes of the underlying file consumed so far (compressed offset, for progress and error messages). */
  readonly inputOffset: number;
  /** Total decompressed bytes returned so far. */
  readonly outputOffset: number;
}

/** Corrupt or truncated capture data; `offset` is the byte offset in the FILE where the damage was found. */
export class CaptureDataError extends Error {
  override readonly name = 'CaptureDataError';
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

const FRAME_MAGIC = 0x184d2204;
const SKIPPABLE_MAGIC = 0x184d2a50; // up to 0x184d2a5f: the low 4 bits are free for the writer
const HISTORY = 65536; // linked blocks copy from up to 65535 bytes back
// 256 KiB reads and chunks keep the input buffer and the output window in the L2 cache:
// decoding large_9m.bin took 40 ms with them, 45 ms with 1 MiB and 55-65 ms with 4 MiB.
const DEFAULT_CHUNK = 1 << 18;
const WILD_SLACK = 32; // room past the window for the decoder's 16-byte over-copies

/** True when the file starts with the LZ4 frame magic (memray decides on these 4 bytes only). */
export function isLz4Frame(first4: Uint8Array): boolean {
  return first4.length >= 4 && first4[0] === 0x04 && first4[1] === 0x22 && first4[2] === 0x4d && first4[3] === 0x18;
}

function corrupt(offset: number, what: string): CaptureDataError {
  return new CaptureDataError(`LZ4 data is corrupt at byte ${offset}: ${what}`, offset);
}

function truncated(offset: number): CaptureDataError {
  return new CaptureDataError(`LZ4 data ends early at byte ${offset} (file truncated?)`, offset);
}

function chunkOption(chunkSize: number | undefined): number {
  const n = chunkSize ?? DEFAULT_CHUNK;
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`chunkSize must be a positive integer, not ${n}`);
  return n;
}

function u32(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

/**
 * Decodes the LZ4 block src[sp, sEnd) into dst at op; returns the new end of the output.
 * Matches may reach back to dst[low] (earlier blocks of a linked frame), output stays below
 * oEnd (the block maximum size), and every length is checked before use, so hostile input
 * fails with CaptureDataError. `base` maps src indexes to file offsets. The buffer lengths are
 * passed in because V8 allocates type feedback lazily: a `src.length` read on entry of the
 * first (long, OSR-compiled) call has none and deoptimizes the optimized code later.
 */
function decodeBlock(src: Uint8Array, sdv: DataView, sLen: number, sp: number, sEnd: number, dst: Uint8Array, dv: DataView, dLen: number, op: number, oEnd: number, low: number, base: number): number {
  for (;;) {
    const token = src[sp++]!;
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (sp >= sEnd) throw corrupt(base + sp, 'literal length runs past the end of the block');
        lit += b = src[sp++]!;
      } while (b === 255);
    }
    if (lit > sEnd - sp) throw corrupt(base + sp, `literal run of ${lit} bytes runs past the end of the block`);
    if (lit > oEnd - op) throw corrupt(base + sp, `literal run of ${lit} bytes exceeds the block size limit`);
    if (lit <= 16 && sp + 16 <= sLen && op + 16 <= dLen) {
      // Most runs are short: copy 16 bytes in four words whatever the length. The bytes past
      // the run are garbage that the following match overwrites ("wild copy").
      dv.setInt32(op, sdv.getInt32(sp, true), true);
      dv.setInt32(op + 4, sdv.getInt32(sp + 4, true), true);
      dv.setInt32(op + 8, sdv.getInt32(sp + 8, true), true);
      dv.setInt32(op + 12, sdv.getInt32(sp + 12, true), true);
    } else {
      dst.set(src.subarray(sp, sp + lit), op);
    }
    sp += lit;
    op += lit;
    if (sp === sEnd) return op; // the last sequence of a block has literals only
    if (sEnd - sp < 2) throw corrupt(base + sp, 'match offset runs past the end of the block');
    const off = src[sp]! | (src[sp + 1]! << 8);
    if (off === 0) throw corrupt(base + sp, 'match offset 0');
    let m = op - off;
    if (m < low) throw corrupt(base + sp, `match offset ${off} reaches before the start of the data`);
    sp += 2;
    let len = token & 15;
    if (len === 15) {
      let b: number;
      do {
        if (sp >= sEnd) throw corrupt(base + sp, 'match length runs past the end of the block');
        len += b = src[sp++]!;
      } while (b === 255);
    }
    len += 4;
    if (len > oEnd - op) throw corrupt(base + sp, `match of ${len} bytes exceeds the block size limit`);
    const e = op + len;
    // Word copies are right for overlapping matches too, as long as each word is read from
    // bytes already final: off >= the stride. Overshoot past e is overwritten later.
    if (off >= 16 && e + 16 <= dLen) {
      do {
        dv.setInt32(op, dv.getInt32(m, true), true);
        dv.setInt32(op + 4, dv.getInt32(m + 4, true), true);
        dv.setInt32(op + 8, dv.getInt32(m + 8, true), true);
        dv.setInt32(op + 12, dv.getInt32(m + 12, true), true);
        op += 16;
        m += 16;
      } while (op < e);
    } else if (off >= 4 && e + 4 <= dLen) {
      do {
        dv.setInt32(op, dv.getInt32(m, true), true);
        op += 4;
        m += 4;
      } while (op < e);
    } else if (off === 1) {
      dst.fill(dst[m]!, op, e);
    } else {
      while (op < e) dst[op++] = dst[m++]!; // repeats the last `off` bytes, as the format says
    }
    op = e;
    if (sp >= sEnd) throw corrupt(base + sp, 'block ends after a match (the last sequence must be literals)');
  }
}

export interface Lz4SourceOptions {
  /** Bytes per readSync and the output chunk size aimed at (default 256 KiB). */
  chunkSize?: number;
  /** Verify block and content checksums when the frame has them (default false: they are skipped). */
  verifyChecksums?: boolean;
}

/** Decodes a file holding an LZ4 frame, and further concatenated frames; skippable frames are ignored. */
export class Lz4FrameSource implements ByteSource {
  outputOffset = 0;
  private readonly chunk: number;
  private readonly verify: boolean;
  private inBuf: Uint8Array;
  private inView: DataView;
  private inPos = 0;
  private inEnd = 0;
  private filePos = 0; // file offset of inBuf[inEnd]: where the next read starts
  private win = new Uint8Array(0);
  private winView = new DataView(this.win.buffer);
  private outPos = 0; // end of the decoded data in win
  private emitPos = 0; // win[emitPos, outPos) is decoded but not handed out yet
  private low = 0; // smallest win index a match may reach
  private frames = 0;
  private inFrame = false;
  private done = false;
  private failure: CaptureDataError | null = null;
  // The current frame's descriptor.
  private blockMax = 0;
  private independent = false;
  private blockSums = false;
  private contentSum = false;
  private hash: Xxh32 | null = null;
  private contentSize = -1;
  private frameOut = 0;

  constructor(private readonly fd: number, private readonly fileSize: number, opts: Lz4SourceOptions = {}) {
    this.chunk = chunkOption(opts.chunkSize);
    this.verify = opts.verifyChecksums ?? false;
    this.inBuf = new Uint8Array(Math.max(this.chunk, 64));
    this.inView = new DataView(this.inBuf.buffer);
  }

  get inputOffset(): number {
    return this.filePos - (this.inEnd - this.inPos);
  }

  next(): Uint8Array | null {
    if (this.failure) throw this.failure;
    if (this.done) return null;
    if (this.outPos > HISTORY) {
      // Everything was handed out: keep only the history that later blocks may copy from.
      const shift = this.outPos - HISTORY;
      this.win.copyWithin(0, shift, this.outPos);
      this.outPos = this.emitPos = HISTORY;
      this.low = Math.max(0, this.low - shift);
    }
    try {
      while (!this.done && this.outPos - this.emitPos < this.chunk) {
        if (this.inFrame) this.block();
        else this.frameStart();
      }
    } catch (err) {
      if (!(err instanceof CaptureDataError)) throw err;
      this.failure = err; // thrown by the next call, once the intact data before it is out
    }
    if (this.outPos === this.emitPos) {
      if (this.failure) throw this.failure;
      return null;
    }
    const out = this.win.subarray(this.emitPos, this.outPos);
    this.outputOffset += out.length;
    this.emitPos = this.outPos;
    return out;
  }

  /** Makes n bytes available at inPos, reading on from the file; throws if the file ends first. */
  private need(n: number): void {
    if (this.inEnd - this.inPos >= n) return;
    if (n > this.inBuf.length) {
      const bigger = new Uint8Array(Math.max(n, this.chunk, this.blockMax + 8));
      bigger.set(this.inBuf.subarray(this.inPos, this.inEnd));
      this.inBuf = bigger;
      this.inView = new DataView(bigger.buffer);
    } else {
      this.inBuf.copyWithin(0, this.inPos, this.inEnd);
    }
    this.inEnd -= this.inPos;
    this.inPos = 0;
    while (this.inEnd < n) {
      const want = Math.min(this.inBuf.length - this.inEnd, Math.max(this.chunk, n - this.inEnd), this.fileSize - this.filePos);
      const got = want > 0 ? readSync(this.fd, this.inBuf, this.inEnd, want, this.filePos) : 0;
      if (got <= 0) throw truncated(this.filePos);
      this.inEnd += got;
      this.filePos += got;
    }
  }

  private frameStart(): void {
    const at = this.inputOffset;
    if (this.frames > 0 && at >= this.fileSize) {
      this.done = true;
      return;
    }
    if (this.frames > 0 && this.fileSize - at < 4) throw corrupt(at, `${this.fileSize - at} stray bytes after the last LZ4 frame`);
    this.need(4);
    const magic = u32(this.inBuf, this.inPos);
    if ((magic & 0xfffffff0) === SKIPPABLE_MAGIC) {
      this.need(8);
      const skipTo = at + 8 + u32(this.inBuf, this.inPos + 4);
      if (skipTo > this.fileSize) throw truncated(this.fileSize);
      if (skipTo <= this.filePos) {
        this.inPos += skipTo - at;
      } else {
        this.inPos = this.inEnd = 0;
        this.filePos = skipTo;
      }
      this.frames++;
      return;
    }
    if (magic !== FRAME_MAGIC) throw corrupt(at, `unknown frame magic 0x${magic.toString(16).padStart(8, '0')}`);
    this.need(7);
    const flg = this.inBuf[this.inPos + 4]!;
    const bd = this.inBuf[this.inPos + 5]!;
    if (flg >>> 6 !== 1) throw corrupt(at + 4, `unsupported LZ4 frame version ${flg >>> 6}`);
    if (flg & 0x02) throw corrupt(at + 4, 'reserved bit set in the frame flags');
    if (bd & 0x8f) throw corrupt(at + 5, 'reserved bits set in the block descriptor');
    const sizeCode = (bd >>> 4) & 7;
    if (sizeCode < 4) throw corrupt(at + 5, `invalid block maximum size code ${sizeCode}`);
    // FLG, BD, then the optional content size and dictionary id (which we parse but cannot
    // use: matches into a dictionary are reported as reaching before the data).
    const descLen = 2 + (flg & 0x08 ? 8 : 0) + (flg & 0x01 ? 4 : 0);
    this.need(4 + descLen + 1);
    const d = this.inPos + 4;
    // liblz4 (memray's reader) rejects a bad header checksum too; checking it is cheap.
    if (((xxh32(this.inBuf, 0, d, d + descLen) >>> 8) & 0xff) !== this.inBuf[d + descLen]) {
      throw corrupt(at + 4 + descLen, 'frame header checksum mismatch');
    }
    this.contentSize = flg & 0x08 ? u32(this.inBuf, d + 6) * 2 ** 32 + u32(this.inBuf, d + 2) : -1;
    this.blockMax = 1 << (8 + 2 * sizeCode);
    this.independent = (flg & 0x20) !== 0;
    this.blockSums = (flg & 0x10) !== 0;
    this.contentSum = (flg & 0x04) !== 0;
    this.hash = this.contentSum && this.verify ? new Xxh32() : null;
    this.frameOut = 0;
    this.inPos = d + descLen + 1;
    const winSize = HISTORY + this.chunk + this.blockMax + WILD_SLACK;
    if (this.win.length < winSize) {
      const w = new Uint8Array(winSize);
      w.set(this.win.subarray(0, this.outPos));
      this.win = w;
      this.winView = new DataView(w.buffer);
    }
    this.low = this.outPos; // a frame never refers to the data of an earlier one
    this.inFrame = true;
    this.frames++;
  }

  private block(): void {
    this.need(4);
    const at = this.inputOffset;
    const word = u32(this.inBuf, this.inPos);
    if (word === 0) return this.frameEnd(at);
    const size = word & 0x7fffffff;
    if (size > this.blockMax) throw corrupt(at, `block size ${size} is larger than the frame's maximum block size ${this.blockMax}`);
    const total = 4 + size + (this.blockSums ? 4 : 0);
    this.need(total);
    const src = this.inBuf;
    const sp = this.inPos + 4;
    if (this.blockSums && this.verify && xxh32(src, 0, sp, sp + size) !== u32(src, sp + size)) {
      throw corrupt(at + 4 + size, 'block checksum mismatch');
    }
    if (this.independent) this.low = this.outPos;
    const start = this.outPos;
    let end = start + size;
    if (word >>> 31) this.win.set(src.subarray(sp, sp + size), start); // stored uncompressed
    else end = decodeBlock(src, this.inView, src.length, sp, sp + size, this.win, this.winView, this.win.length, start, start + this.blockMax, this.low, at - this.inPos);
    this.hash?.update(this.win, start, end);
    this.frameOut += end - start;
    this.outPos = end; // only now: a block that fails part-way is dropped whole
    this.inPos += total;
  }

  private frameEnd(at: number): void {
    this.inPos += 4;
    if (this.contentSum) {
      this.need(4);
      const stored = u32(this.inBuf, this.inPos);
      this.inPos += 4;
      if (this.hash && this.hash.digest() !== stored) throw corrupt(at + 4, 'content checksum mismatch');
    }
    if (this.contentSize >= 0 && this.contentSize !== this.frameOut) {
      throw corrupt(at, `frame holds ${this.frameOut} bytes but its header announces ${this.contentSize}`);
    }
    this.inFrame = false;
  }
}

/** Reads a raw capture in chunks up to `limit` bytes (see readableLimit). */
export class RawFileSource implements ByteSource {
  inputOffset = 0;
  outputOffset = 0;
  private readonly buf: Uint8Array;

  constructor(private readonly fd: number, private readonly limit: number, opts: { chunkSize?: number } = {}) {
    this.buf = new Uint8Array(Math.max(1, Math.min(chunkOption(opts.chunkSize), limit)));
  }

  next(): Uint8Array | null {
    const want = Math.min(this.buf.length, this.limit - this.inputOffset);
    if (want <= 0) return null;
    const got = readSync(this.fd, this.buf, 0, want, this.inputOffset);
    // The file shrank after it was measured; everything before was handed out already.
    if (got <= 0) throw new CaptureDataError(`capture file ends early at byte ${this.inputOffset} (file truncated?)`, this.inputOffset);
    this.inputOffset += got;
    this.outputOffset += got;
    return this.buf.subarray(0, got);
  }
}

/** Zero bytes scanned backwards exactly before the search for the end of the data switches to probing. */
const EXACT_SCAN = 16 << 20;
/** Probe size of that search: a zero run this long is taken to be padding up to the end of the file. */
const PROBE = 1 << 20;

/**
 * 1 + the offset of the last non-zero byte of the file, or 0 if it is empty or all zeros.
 * memray's raw sink grows files in zero-filled pages, so captures end in padding that must not
 * be parsed as records (capture-format.md §2.3).
 *
 * The last 16 MiB are scanned backwards exactly (memray's padding is a few pages). Longer
 * padding (a file grown or copied with gigabytes of zeros, often sparse) is found by probing
 * instead of reading it all: 1 MiB blocks at doubling distances from the end until one holds
 * data, then bisection between it and the nearest all-zero block, then an exact scan of the
 * last block. A run of 1 MiB of zeros never occurs inside record data, so the first all-zero
 * probe block marks padding to the end of the file.
 */
export function readableLimit(fd: number, fileSize: number): number {
  const exactFrom = Math.max(0, fileSize - EXACT_SCAN);
  const end = lastDataIn(fd, new Uint8Array(Math.min(1 << 16, Math.max(4, fileSize))), exactFrom, fileSize);
  if (end > 0 || exactFrom === 0) return end;
  const buf = new Uint8Array(PROBE);
  // [exactFrom, fileSize) is all zeros: find the block holding the last data below it.
  let zeroFrom = exactFrom;
  let lo = -1;
  for (let dist = PROBE; lo < 0; dist *= 2) {
    const at = Math.max(0, exactFrom - dist);
    if (hasData(fd, buf, at, Math.min(at + PROBE, zeroFrom))) lo = at;
    else if (at === 0) return 0;
    else zeroFrom = at;
  }
  // Data in the block at lo, none from zeroFrom on: bisect down to one block.
  let hi = zeroFrom;
  while (hi - lo > PROBE) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (hasData(fd, buf, mid, Math.min(mid + PROBE, hi))) lo = mid;
    else hi = mid;
  }
  return lastDataIn(fd, buf, lo, hi);
}

function readRange(fd: number, buf: Uint8Array, start: number, end: number): number {
  const n = readSync(fd, buf, 0, end - start, start);
  if (n !== end - start) throw new CaptureDataError(`capture file ends early at byte ${start + n} (file truncated?)`, start + n);
  return n;
}

/** Whether [start, end) (at most buf.length bytes) holds a non-zero byte. */
function hasData(fd: number, buf: Uint8Array, start: number, end: number): boolean {
  const n = readRange(fd, buf, start, end);
  for (let i = 0; i < n; i++) if (buf[i] !== 0) return true;
  return false;
}

/** 1 + the offset of the last non-zero byte in [from, to), scanning backwards; 0 if none. */
function lastDataIn(fd: number, buf: Uint8Array, from: number, to: number): number {
  const words = new Int32Array(buf.buffer, 0, buf.length >> 2);
  for (let end = to; end > from; ) {
    const start = Math.max(from, end - buf.length);
    const n = readRange(fd, buf, start, end);
    let i = n;
    while (i & 3) if (buf[--i] !== 0) return start + i + 1;
    // Skip zero words four bytes at a time: the padding of a crashed capture can be large.
    let w = i >> 2;
    while (w > 0 && words[w - 1] === 0) w--;
    for (i = w << 2; i > 0; ) if (buf[--i] !== 0) return start + i + 1;
    end = start;
  }
  return 0;
}
