/**
 * A growable byte buffer with memray's primitive encodings (capture-format.md section 3):
 * little-endian fixed-width integers, LEB128 varints, zig-zag svarints and NUL-terminated
 * UTF-8 strings. Numbers up to 2^53 take a fast path; bigints cover the full 64-bit range.
 */

const TWO_32 = 4294967296;
const MASK_64 = (1n << 64n) - 1n;
const utf8 = new TextEncoder();

/** Appends memray-encoded values to a growable buffer. */
export class ByteWriter {
  buf: Uint8Array;
  len = 0;

  constructor(capacity = 1 << 16) {
    this.buf = new Uint8Array(Math.max(16, capacity));
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const grown = new Uint8Array(cap);
    grown.set(this.buf.subarray(0, this.len));
    this.buf = grown;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.len++] = v & 0xff;
  }

  /** A 32-bit integer, signed or unsigned (two's complement). */
  u32(v: number): void {
    this.ensure(4);
    const b = this.buf;
    let p = this.len;
    b[p++] = v & 0xff;
    b[p++] = (v >>> 8) & 0xff;
    b[p++] = (v >>> 16) & 0xff;
    b[p++] = (v >>> 24) & 0xff;
    this.len = p;
  }

  /** A 64-bit integer; negative values are written as two's complement (i64). */
  u64(v: number | bigint): void {
    if (typeof v === 'number' && v >= 0 && v <= Number.MAX_SAFE_INTEGER) {
      this.u32(v % TWO_32);
      this.u32(Math.floor(v / TWO_32));
      return;
    }
    const x = BigInt.asUintN(64, BigInt(v));
    this.u32(Number(x & 0xffffffffn));
    this.u32(Number(x >> 32n));
  }

  /** Unsigned LEB128; negative or >= 2^64 values are taken modulo 2^64 (as memray's C++ would). */
  varint(v: number | bigint): void {
    if (typeof v === 'number' && v >= 0 && v <= Number.MAX_SAFE_INTEGER) {
      this.ensure(10);
      const b = this.buf;
      let p = this.len;
      if (v < 0x80000000) {
        while (v >= 0x80) {
          b[p++] = (v & 0x7f) | 0x80;
          v >>>= 7;
        }
        b[p++] = v;
      } else {
        while (v >= 0x80) {
          b[p++] = (v % 128) | 0x80;
          v = Math.floor(v / 128);
        }
        b[p++] = v;
      }
      this.len = p;
      return;
    }
    let x = BigInt(v) & MASK_64;
    this.ensure(10);
    while (x >= 0x80n) {
      this.buf[this.len++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.buf[this.len++] = Number(x);
  }

  /** Zig-zag signed varint of a 64-bit value. */
  svarint(v: number | bigint): void {
    if (typeof v === 'number' && Math.abs(v) < 2 ** 51) {
      this.varint(v >= 0 ? v * 2 : -v * 2 - 1);
      return;
    }
    const x = BigInt.asIntN(64, BigInt(v));
    this.varint(((x << 1n) ^ (x >> 63n)) & MASK_64);
  }

  /** A NUL-terminated UTF-8 string. */
  cstr(s: string): void {
    const enc = utf8.encode(s);
    if (enc.includes(0)) throw new RangeError(`string with an embedded NUL cannot be written: ${JSON.stringify(s)}`);
    this.bytes(enc);
    this.u8(0);
  }

  bytes(data: Uint8Array): void {
    this.ensure(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
  }

  /** A copy of the bytes written so far; the writer is emptied. */
  take(): Uint8Array {
    const out = this.buf.slice(0, this.len);
    this.len = 0;
    return out;
  }
}

/** Concatenates byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
