/**
 * Little-endian reads over a byte array for ELF and DWARF parsing. 64-bit values come back as
 * JS numbers: the addresses, offsets and sizes we use fit in 53 bits; larger values (a DWARF
 * data8 constant, an all-ones base-address selector) lose precision, so whoever needs to
 * recognize one looks at the bytes themselves.
 */
import { decodeUtf8 } from '../capture/stream-buffer.js';

const TWO_32 = 4294967296;

/** Raised when a read runs past the end of its buffer (libbacktrace's "DWARF underflow"). */
export class Underflow extends Error {
  constructor(what: string) {
    super(`${what}: data ends early`);
  }
}

/** Decodes the NUL-terminated string at `off` (to the end of `buf` without a NUL). */
export function cString(buf: Uint8Array, off: number): string {
  let end = off;
  while (end < buf.length && buf[end] !== 0) end++;
  let ascii = true;
  for (let i = off; i < end; i++) {
    if (buf[i]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  // String.fromCharCode is several times faster than TextDecoder for the short ASCII names
  // that make up nearly all symbol and file names.
  if (ascii && end - off < 256) return String.fromCharCode.apply(null, buf.subarray(off, end) as unknown as number[]);
  return decodeUtf8(buf.subarray(off, end));
}

/** A read position over a byte array; every read throws Underflow past `end`. */
export class ByteCursor {
  pos: number;
  end: number;

  constructor(
    readonly buf: Uint8Array,
    pos = 0,
    end = buf.length,
    readonly what = 'data',
  ) {
    this.pos = pos;
    this.end = Math.min(end, buf.length);
  }

  get left(): number {
    return this.end - this.pos;
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new Underflow(this.what);
  }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  i8(): number {
    const v = this.u8();
    return v >= 0x80 ? v - 0x100 : v;
  }

  u16(): number {
    this.need(2);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return b[p]! | (b[p + 1]! << 8);
  }

  u24(): number {
    this.need(3);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 3;
    return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16);
  }

  u32(): number {
    this.need(4);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16)) + b[p + 3]! * 0x1000000;
  }

  u64(): number {
    const lo = this.u32();
    const hi = this.u32();
    return hi * TWO_32 + lo;
  }

  /** A target address of `size` bytes (1, 2, 4 or 8). */
  address(size: number): number {
    switch (size) {
      case 8:
        return this.u64();
      case 4:
        return this.u32();
      case 2:
        return this.u16();
      case 1:
        return this.u8();
      default:
        throw new Underflow(`${this.what}: unsupported address size ${size}`);
    }
  }

  /** A section offset: 8 bytes in 64-bit DWARF, else 4. */
  offset(is64: boolean): number {
    return is64 ? this.u64() : this.u32();
  }

  uleb(): number {
    const b = this.buf;
    let result = 0;
    let mul = 1;
    for (;;) {
      if (this.pos >= this.end) throw new Underflow(this.what);
      const byte = b[this.pos++]!;
      result += (byte & 0x7f) * mul;
      if ((byte & 0x80) === 0) return result;
      mul *= 128;
    }
  }

  // sleb() repeats this loop rather than sharing it: uleb() is the hottest call of DWARF parsing.
  sleb(): number {
    const b = this.buf;
    let result = 0;
    let mul = 1;
    for (;;) {
      if (this.pos >= this.end) throw new Underflow(this.what);
      const byte = b[this.pos++]!;
      result += (byte & 0x7f) * mul;
      mul *= 128;
      if ((byte & 0x80) === 0) {
        if (byte & 0x40) result -= mul;
        return result;
      }
    }
  }

  /** Skips a NUL-terminated string and returns its start offset. */
  skipString(): number {
    const start = this.pos;
    const b = this.buf;
    let p = start;
    while (p < this.end && b[p] !== 0) p++;
    if (p >= this.end) throw new Underflow(this.what);
    this.pos = p + 1;
    return start;
  }

  cString(): string {
    const start = this.skipString();
    return cString(this.buf, start);
  }
}
