/**
 * A sliding window over a ByteSource for the record decoders. Records are decoded straight
 * out of `buf[pos..end)`; `SLACK` zero bytes always follow `end`, so the hot ALLOCATION path
 * can decode without bounds checks and detect a record running past the data afterwards
 * (`pos > end`), which mirrors memray's "readable limit" rule for truncated captures.
 */
import type { ByteSource } from './lz4.js';
import { CaptureDataError } from './lz4.js';

/** Zero bytes kept after the data; larger than the longest fixed-size record (32 bytes). */
export const SLACK = 64;
/** No single record (or the header) may need more than this: garbage lengths must not make us allocate gigabytes. */
export const MAX_RECORD_BYTES = 16 << 20;

export class StreamBuffer {
  buf: Uint8Array;
  pos = 0;
  end = 0;
  /** Stream offset (decompressed) of buf[0]. */
  base = 0;
  /** No more data will arrive. */
  eof = false;
  /** Why the source stopped early (corrupt or truncated compressed data), if it did. */
  sourceError: CaptureDataError | undefined;
  private pending: Uint8Array | null = null;
  private pendingPos = 0;

  constructor(
    private readonly source: ByteSource,
    capacity = 1 << 20,
  ) {
    this.buf = new Uint8Array(capacity + SLACK);
  }

  /** Offset in the decompressed stream of `pos`. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** Bytes of the underlying file consumed so far. */
  get inputOffset(): number {
    return this.source.inputOffset;
  }

  /**
   * Makes at least `want` bytes available after `pos` unless the data ends first. Keeps
   * everything from `keepFrom` (<= pos) so a record being decoded can be restarted.
   * Returns false when it could not provide `want` bytes (end of data).
   */
  fill(want: number, keepFrom = this.pos): boolean {
    if (this.end - this.pos >= want) return true;
    if (want > MAX_RECORD_BYTES) {
      throw new CaptureDataError(
        `a record at byte ${this.base + keepFrom} claims more than ${MAX_RECORD_BYTES} bytes`,
        this.base + keepFrom,
      );
    }
    // Compact: move [keepFrom, end) to the front.
    const shift = keepFrom;
    if (shift > 0) {
      this.buf.copyWithin(0, keepFrom, this.end);
      this.base += shift;
      this.pos -= shift;
      this.end -= shift;
    }
    const needCap = this.pos + want;
    if (needCap + SLACK > this.buf.length) {
      let cap = this.buf.length - SLACK;
      while (cap < needCap) cap *= 2;
      const nb = new Uint8Array(cap + SLACK);
      nb.set(this.buf.subarray(0, this.end));
      this.buf = nb;
    }
    const cap = this.buf.length - SLACK;
    while (this.end < cap && !this.eof) {
      if (this.pending === null) {
        let chunk: Uint8Array | null;
        try {
          chunk = this.source.next();
        } catch (err) {
          if (!(err instanceof CaptureDataError)) throw err;
          this.sourceError = err;
          chunk = null;
        }
        if (chunk === null) {
          this.eof = true;
          break;
        }
        this.pending = chunk;
        this.pendingPos = 0;
      }
      const take = Math.min(cap - this.end, this.pending.length - this.pendingPos);
      this.buf.set(this.pending.subarray(this.pendingPos, this.pendingPos + take), this.end);
      this.end += take;
      this.pendingPos += take;
      if (this.pendingPos >= this.pending.length) this.pending = null;
      if (this.end - this.pos >= want && this.end - this.pos >= 65536) break;
    }
    this.buf.fill(0, this.end, this.end + SLACK);
    return this.end - this.pos >= want;
  }
}

/** Thrown by checked decoders when a record continues past the buffered data. */
export class NeedMore extends Error {
  constructor(readonly want: number) {
    super('need more data');
  }
}

/** Bounds-checked decoding for the rare, variable-length records and the header. */
export class Cursor {
  constructor(
    public buf: Uint8Array,
    public pos: number,
    public end: number,
  ) {}

  private need(n: number): void {
    if (this.pos + n > this.end) throw new NeedMore(this.pos + n);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  u32(): number {
    this.need(4);
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  }

  i32(): number {
    return this.u32() | 0;
  }

  /** u64 as a double (exact below 2^53). */
  u64(): number {
    const lo = this.u32();
    const hi = this.u32();
    return hi * 4294967296 + lo;
  }

  /** i64 as a double. */
  i64(): number {
    const lo = this.u32();
    const hi = this.u32() | 0;
    return hi * 4294967296 + lo;
  }

  varint(): number {
    let value = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.u8();
      value += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return value;
      mul *= 128;
    }
    throw new CaptureDataError(`varint longer than 10 bytes`, this.pos);
  }

  svarint(): number {
    const start = this.pos;
    const z = this.varint();
    if (z <= 0x7fffffff) return (z >>> 1) ^ -(z & 1);
    if (z < 2 ** 53) return z % 2 === 1 ? -(z + 1) / 2 : z / 2;
    // Too big for doubles: redo it exactly.
    return Number(BigInt.asIntN(64, zigzagBig(varintBig(this.buf, start))));
  }

  cstr(): string {
    const idx = this.buf.indexOf(0, this.pos);
    if (idx < 0 || idx >= this.end) throw new NeedMore(this.end - this.pos + 1 + this.pos);
    const s = decodeUtf8(this.buf.subarray(this.pos, idx));
    this.pos = idx + 1;
    return s;
  }

  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Strings are UTF-8; invalid sequences become U+FFFD instead of failing the whole capture. */
export function decodeUtf8(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

/** The exact unsigned varint at `pos`, modulo 2^64. */
export function varintBig(buf: Uint8Array, pos: number): bigint {
  let v = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    const b = buf[pos + i]!;
    v |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) break;
    shift += 7n;
  }
  return BigInt.asUintN(64, v);
}

function zigzagBig(z: bigint): bigint {
  return (z >> 1n) ^ -(z & 1n);
}
