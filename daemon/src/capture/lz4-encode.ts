// LZ4 frame encoder for synthetic captures in tests and benchmarks: a greedy hash-table block
// compressor (one candidate per hash slot, like liblz4's fast mode) wrapped in a standard frame.
// Written from the public LZ4 frame and block format specifications.

import { Xxh32, xxh32 } from './xxh32.js';

export type Lz4BlockSize = 65536 | 262144 | 1048576 | 4194304;

export interface Lz4CompressOptions {
  /** Maximum block size (default 64 KiB, as memray writes). */
  blockSize?: Lz4BlockSize;
  /** Independent blocks (lz4 CLI default); memray links them (default false). */
  independentBlocks?: boolean;
  blockChecksums?: boolean;
  contentChecksum?: boolean;
  /** Write the 8-byte content size into the frame descriptor. */
  contentSize?: boolean;
}

const HASH_BITS = 16;
const MIN_MATCH = 4;
const MAX_OFFSET = 65535;
// Conformance rules every LZ4 decoder relies on: the last 5 bytes of a block are literals and
// the last match starts at least 12 bytes before the end of the block.
const LAST_LITERALS = 5;
const MF_LIMIT = 12;

function hash(x: number): number {
  return Math.imul(x, 2654435761) >>> (32 - HASH_BITS);
}

function writeLength(out: Uint8Array, op: number, n: number): number {
  for (; n >= 255; n -= 255) out[op++] = 255;
  out[op++] = n;
  return op;
}

/** Writes one sequence (literals src[anchor, p) then an optional match) and returns the new op. */
function sequence(src: Uint8Array, anchor: number, p: number, out: Uint8Array, op: number, offset: number, len: number): number {
  const lit = p - anchor;
  const ml = len - MIN_MATCH;
  const tokenPos = op++;
  out[tokenPos] = ((lit >= 15 ? 15 : lit) << 4) | (len === 0 ? 0 : ml >= 15 ? 15 : ml);
  if (lit >= 15) op = writeLength(out, op, lit - 15);
  if (lit < 32) for (let i = anchor; i < p; ) out[op++] = src[i++]!;
  else {
    out.set(src.subarray(anchor, p), op);
    op += lit;
  }
  if (len === 0) return op;
  out[op++] = offset & 0xff;
  out[op++] = offset >>> 8;
  if (ml >= 15) op = writeLength(out, op, ml - 15);
  return op;
}

/**
 * Compresses src[start, end) as one LZ4 block into out at op; returns the new op.
 * `table` maps hashes to position + 1 and persists across the blocks of a linked frame, so
 * matches may reach back to `low` (the frame start, or the block start for independent blocks).
 */
function compressBlock(src: Uint8Array, dv: DataView, start: number, end: number, low: number, table: Int32Array, bias: number, out: Uint8Array, op: number): number {
  let anchor = start;
  let p = start;
  const mfLimit = end - MF_LIMIT;
  const matchLimit = end - LAST_LITERALS;
  let misses = 0;
  while (p < mfLimit) {
    const seq = dv.getInt32(p, true);
    const h = hash(seq);
    const ref = table[h]! - 1 - bias;
    table[h] = p + 1 + bias;
    if (ref < low || p - ref > MAX_OFFSET || dv.getInt32(ref, true) !== seq) {
      p += 1 + (misses++ >> 6); // skip faster through incompressible data, as liblz4 does
      continue;
    }
    misses = 0;
    let s = p;
    let r = ref;
    // Grow the match backwards over literals that also match, then forwards.
    while (s > anchor && r > low && src[s - 1] === src[r - 1]) { s--; r--; }
    let q = p + MIN_MATCH;
    let rq = ref + MIN_MATCH;
    while (q + 4 <= matchLimit && dv.getInt32(q, true) === dv.getInt32(rq, true)) { q += 4; rq += 4; }
    while (q < matchLimit && src[q] === src[rq]) { q++; rq++; }
    op = sequence(src, anchor, s, out, op, s - r, q - s);
    p = anchor = q;
    if (p - 2 >= start && p < mfLimit) table[hash(dv.getInt32(p - 2, true))] = p - 1 + bias;
  }
  return sequence(src, anchor, end, out, op, 0, 0);
}

const SIZE_CODES: Record<number, number> = { 65536: 4, 262144: 5, 1048576: 6, 4194304: 7 };
const HISTORY = 65536;
const REBASE_AT = 1 << 24;

/**
 * Streaming LZ4 frame writer: write() takes data in pieces of any size and returns the frame
 * bytes completed so far (fresh arrays); end() returns the rest. Memory is one block plus
 * 64 KiB of history, so synthetic captures of any size can be written to a file piecewise.
 * With `contentSize`, the total must be given up front and is checked by end().
 */
export class Lz4FrameEncoder {
  private readonly blockSize: number;
  private readonly buf: Uint8Array;
  private readonly dv: DataView;
  private readonly table = new Int32Array(1 << HASH_BITS);
  // Table entries hold (stream position + 1); buf[0] is at stream position `bias`.
  private bias = 0;
  private blockStart = 0; // buf[0, blockStart) is history, buf[blockStart, fill) the open block
  private fill = 0;
  private readonly scratch: Uint8Array;
  private readonly hash: Xxh32 | null;
  private header: Uint8Array | null;
  private total = 0;
  private ended = false;

  constructor(private readonly opts: Lz4CompressOptions = {}, private readonly totalSize?: number) {
    this.blockSize = opts.blockSize ?? 65536;
    const sizeCode = SIZE_CODES[this.blockSize];
    if (sizeCode === undefined) throw new RangeError(`unsupported LZ4 block size ${this.blockSize}`);
    if (opts.contentSize && totalSize === undefined) throw new TypeError('contentSize needs the total size up front');
    this.buf = new Uint8Array(HISTORY + this.blockSize);
    this.dv = new DataView(this.buf.buffer);
    // A block's compressed form can be a little larger than the block: compress into scratch
    // space and store the block raw when compression does not pay.
    this.scratch = new Uint8Array(this.blockSize + Math.ceil(this.blockSize / 255) + 16);
    this.hash = opts.contentChecksum ? new Xxh32() : null;
    const flg = 0x40 | (opts.independentBlocks ? 0x20 : 0) | (opts.blockChecksums ? 0x10 : 0) |
      (opts.contentSize ? 0x08 : 0) | (opts.contentChecksum ? 0x04 : 0);
    const h = new Uint8Array(opts.contentSize ? 15 : 7);
    h.set([0x04, 0x22, 0x4d, 0x18, flg, sizeCode << 4]);
    if (opts.contentSize) {
      writeU32(h, 6, totalSize! >>> 0);
      writeU32(h, 10, Math.floor(totalSize! / 2 ** 32));
    }
    h[h.length - 1] = (xxh32(h, 0, 4, h.length - 1) >>> 8) & 0xff;
    this.header = h;
  }

  write(data: Uint8Array): Uint8Array {
    if (this.ended) throw new Error('write() after end()');
    this.total += data.length;
    this.hash?.update(data);
    const blocks = Math.floor((this.fill - this.blockStart + data.length) / this.blockSize);
    const out = this.output(blocks * (this.blockSize + 8));
    for (let p = 0; p < data.length; ) {
      const take = Math.min(data.length - p, this.blockStart + this.blockSize - this.fill);
      this.buf.set(data.subarray(p, p + take), this.fill);
      this.fill += take;
      p += take;
      if (this.fill - this.blockStart === this.blockSize) out.op = this.flushBlock(out.bytes, out.op);
    }
    return out.bytes.subarray(0, out.op);
  }

  end(): Uint8Array {
    if (this.ended) throw new Error('end() called twice');
    if (this.opts.contentSize && this.total !== this.totalSize) {
      throw new RangeError(`wrote ${this.total} bytes but announced ${this.totalSize} in the frame header`);
    }
    this.ended = true;
    const out = this.output(this.blockSize + 16);
    let op = this.fill > this.blockStart ? this.flushBlock(out.bytes, out.op) : out.op;
    writeU32(out.bytes, op, 0); // EndMark
    op += 4;
    if (this.hash) {
      writeU32(out.bytes, op, this.hash.digest());
      op += 4;
    }
    return out.bytes.subarray(0, op);
  }

  /** An output buffer for `room` bytes of blocks, starting with the header if not yet written. */
  private output(room: number): { bytes: Uint8Array; op: number } {
    const head = this.header ?? new Uint8Array(0);
    this.header = null;
    const bytes = new Uint8Array(head.length + room);
    bytes.set(head);
    return { bytes, op: head.length };
  }

  private flushBlock(out: Uint8Array, op: number): number {
    const { buf, blockStart: start, fill: end } = this;
    const low = this.opts.independentBlocks ? start : 0;
    const n = compressBlock(buf, this.dv, start, end, low, this.table, this.bias, this.scratch, 0);
    const packed = n < end - start;
    const block = packed ? this.scratch.subarray(0, n) : buf.subarray(start, end);
    writeU32(out, op, packed ? n : (block.length | 0x80000000) >>> 0);
    out.set(block, op + 4);
    op += 4 + block.length;
    if (this.opts.blockChecksums) {
      writeU32(out, op, xxh32(block));
      op += 4;
    }
    // Keep the last 64 KiB as history for the next block's matches.
    const keep = Math.min(end, HISTORY);
    buf.copyWithin(0, end - keep, end);
    this.bias += end - keep;
    this.blockStart = this.fill = keep;
    if (this.bias > REBASE_AT) {
      // Rebase so that stream positions never overflow the Int32 table (cheap: one pass over
      // the table per 16 MiB); entries older than the history become empty.
      for (let i = 0; i < this.table.length; i++) this.table[i] = Math.max(0, this.table[i]! - this.bias);
      this.bias = 0;
    }
    return op;
  }
}

/** Compresses data into one LZ4 frame (memray's layout by default: FLG 0x40, BD 0x40). */
export function lz4CompressFrame(data: Uint8Array, opts: Lz4CompressOptions = {}): Uint8Array {
  const enc = new Lz4FrameEncoder(opts, data.length);
  const body = enc.write(data);
  const tail = enc.end();
  const frame = new Uint8Array(body.length + tail.length);
  frame.set(body);
  frame.set(tail, body.length);
  return frame;
}

function writeU32(b: Uint8Array, i: number, v: number): void {
  b[i] = v & 0xff;
  b[i + 1] = (v >>> 8) & 0xff;
  b[i + 2] = (v >>> 16) & 0xff;
  b[i + 3] = (v >>> 24) & 0xff;
}
