// XXH32 (xxHash, 32-bit variant) as used by the LZ4 frame format: the header checksum byte,
// the optional per-block checksums and the optional content checksum. Written from the public
// xxHash specification. All arithmetic is on uint32 values via Math.imul and `>>> 0`.

const P1 = 0x9e3779b1;
const P2 = 0x85ebca77;
const P3 = 0xc2b2ae3d;
const P4 = 0x27d4eb2f;
const P5 = 0x165667b1;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function read32(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
}

function round(acc: number, lane: number): number {
  return Math.imul(rotl((acc + Math.imul(lane, P2)) | 0, 13), P1);
}

/** Incremental XXH32, for hashing data that arrives in pieces (the decoder's output blocks). */
export class Xxh32 {
  private v1: number;
  private v2: number;
  private v3: number;
  private v4: number;
  private readonly seed: number;
  // Total length mod 2^32 plus a flag: the spec adds the low 32 bits of the length but picks
  // the "large" finalisation whenever 16 or more bytes were hashed in total.
  private total = 0;
  private large = false;
  private readonly tail = new Uint8Array(16);
  private tailLen = 0;

  constructor(seed = 0) {
    this.seed = seed | 0;
    this.v1 = (this.seed + P1 + P2) | 0;
    this.v2 = (this.seed + P2) | 0;
    this.v3 = this.seed;
    this.v4 = (this.seed - P1) | 0;
  }

  update(data: Uint8Array, start = 0, end = data.length): this {
    const len = end - start;
    this.total = (this.total + len) >>> 0;
    if (len >= 16 || this.total >= 16) this.large = true;
    let p = start;
    if (this.tailLen > 0) {
      const take = Math.min(16 - this.tailLen, len);
      this.tail.set(data.subarray(p, p + take), this.tailLen);
      this.tailLen += take;
      p += take;
      if (this.tailLen < 16) return this;
      this.stripes(this.tail, 0, 16);
      this.tailLen = 0;
    }
    const stop = p + ((end - p) & ~15);
    this.stripes(data, p, stop);
    if (stop < end) {
      this.tail.set(data.subarray(stop, end), 0);
      this.tailLen = end - stop;
    }
    return this;
  }

  private stripes(b: Uint8Array, p: number, stop: number): void {
    let v1 = this.v1, v2 = this.v2, v3 = this.v3, v4 = this.v4;
    for (; p < stop; p += 16) {
      v1 = round(v1, read32(b, p));
      v2 = round(v2, read32(b, p + 4));
      v3 = round(v3, read32(b, p + 8));
      v4 = round(v4, read32(b, p + 12));
    }
    this.v1 = v1; this.v2 = v2; this.v3 = v3; this.v4 = v4;
  }

  /** The hash of everything passed to update() so far, as an unsigned 32-bit number. */
  digest(): number {
    let h = this.large
      ? (rotl(this.v1, 1) + rotl(this.v2, 7) + rotl(this.v3, 12) + rotl(this.v4, 18)) | 0
      : (this.seed + P5) | 0;
    h = (h + this.total) | 0;
    const b = this.tail;
    let p = 0;
    for (; p + 4 <= this.tailLen; p += 4) h = Math.imul(rotl((h + Math.imul(read32(b, p), P3)) | 0, 17), P4);
    for (; p < this.tailLen; p++) h = Math.imul(rotl((h + Math.imul(b[p]!, P5)) | 0, 11), P1);
    h = Math.imul(h ^ (h >>> 15), P2);
    h = Math.imul(h ^ (h >>> 13), P3);
    return (h ^ (h >>> 16)) >>> 0;
  }
}

/** One-shot XXH32 of data[start, end). */
export function xxh32(data: Uint8Array, seed = 0, start = 0, end = data.length): number {
  return new Xxh32(seed).update(data, start, end).digest();
}
