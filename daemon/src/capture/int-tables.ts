/**
 * An interning table on typed arrays for the reader's hot paths (frames, stack-tree nodes,
 * snapshot groups): no per-entry objects, several times faster than a JS Map keyed by strings.
 * Keys are integers below 2^53 held in doubles.
 */

const EMPTY = -1;

function hash2(a: number, b: number): number {
  // Mix the low and high 32-bit halves of both keys (Murmur-style multipliers).
  let h = Math.imul((a >>> 0) ^ Math.floor(a / 4294967296), 0x9e3779b1);
  h ^= Math.imul((b >>> 0) ^ Math.floor(b / 4294967296), 0x85ebca77);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return h ^ (h >>> 13);
}

/** Interns pairs of integer keys to dense ids 0, 1, 2 … in first-seen order. */
export class PairInterner {
  private mask: number;
  private slots: Int32Array;
  private keyA: Float64Array;
  private keyB: Float64Array;
  private count = 0;

  constructor(initialCapacity = 1024) {
    let cap = 16;
    while (cap < initialCapacity * 2) cap *= 2;
    this.mask = cap - 1;
    this.slots = new Int32Array(cap).fill(EMPTY);
    this.keyA = new Float64Array(cap >> 1);
    this.keyB = new Float64Array(cap >> 1);
  }

  /** Number of distinct pairs interned so far. */
  get size(): number {
    return this.count;
  }

  /** First key of id `id`. */
  a(id: number): number {
    return this.keyA[id]!;
  }

  /** Second key of id `id`. */
  b(id: number): number {
    return this.keyB[id]!;
  }

  /** The id of (a, b), or -1 if it was never interned. */
  find(a: number, b: number): number {
    const slots = this.slots;
    const mask = this.mask;
    let i = hash2(a, b) & mask;
    for (;;) {
      const id = slots[i]!;
      if (id === EMPTY) return -1;
      if (this.keyA[id] === a && this.keyB[id] === b) return id;
      i = (i + 1) & mask;
    }
  }

  /** The id of (a, b), creating the next id if the pair is new. */
  intern(a: number, b: number): number {
    const slots = this.slots;
    const mask = this.mask;
    let i = hash2(a, b) & mask;
    for (;;) {
      const id = slots[i]!;
      if (id === EMPTY) break;
      if (this.keyA[id] === a && this.keyB[id] === b) return id;
      i = (i + 1) & mask;
    }
    const id = this.count++;
    if (id >= this.keyA.length) this.growKeys();
    this.keyA[id] = a;
    this.keyB[id] = b;
    slots[i] = id;
    if (this.count * 2 > mask) this.rehash();
    return id;
  }

  private growKeys(): void {
    const a = new Float64Array(this.keyA.length * 2);
    a.set(this.keyA);
    this.keyA = a;
    const b = new Float64Array(this.keyB.length * 2);
    b.set(this.keyB);
    this.keyB = b;
  }

  private rehash(): void {
    const cap = (this.mask + 1) * 2;
    const mask = cap - 1;
    const slots = new Int32Array(cap).fill(EMPTY);
    for (let id = 0; id < this.count; id++) {
      let i = hash2(this.keyA[id]!, this.keyB[id]!) & mask;
      while (slots[i] !== EMPTY) i = (i + 1) & mask;
      slots[i] = id;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

function hashInts(a: number, b: number): number {
  let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b ^ 0x7f4a7c15, 0x85ebca77);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return h ^ (h >>> 13);
}

/**
 * PairInterner for pairs of int32 keys (the Python frame tree: parent stack id, frame id):
 * half the memory per entry and no float arithmetic in the hash. Captures with millions of
 * distinct stacks intern millions of tree nodes, so both matter.
 */
export class IntPairInterner {
  private mask: number;
  /** id + 1 per slot; 0 = empty (fresh typed arrays are zeroed, no fill needed). */
  private slots: Int32Array;
  private keyA: Int32Array;
  private keyB: Int32Array;
  private count = 0;

  constructor(initialCapacity = 1024) {
    let cap = 16;
    while (cap < initialCapacity * 2) cap *= 2;
    this.mask = cap - 1;
    this.slots = new Int32Array(cap);
    this.keyA = new Int32Array(cap >> 1);
    this.keyB = new Int32Array(cap >> 1);
  }

  /** Number of distinct pairs interned so far. */
  get size(): number {
    return this.count;
  }

  /** First key of id `id`. */
  a(id: number): number {
    return this.keyA[id]!;
  }

  /** Second key of id `id`. */
  b(id: number): number {
    return this.keyB[id]!;
  }

  /** The id of (a, b), creating the next id if the pair is new. */
  intern(a: number, b: number): number {
    const slots = this.slots;
    const keyA = this.keyA;
    const keyB = this.keyB;
    const mask = this.mask;
    let i = hashInts(a, b) & mask;
    for (;;) {
      const s = slots[i]!;
      if (s === 0) break;
      if (keyA[s - 1] === a && keyB[s - 1] === b) return s - 1;
      i = (i + 1) & mask;
    }
    const id = this.count++;
    if (id >= keyA.length) this.growKeys();
    this.keyA[id] = a;
    this.keyB[id] = b;
    slots[i] = id + 1;
    // Rehash at 70 % load: a little more memory than 50 %, far fewer probes than 90 %.
    if (this.count * 10 > mask * 7) this.rehash();
    return id;
  }

  private growKeys(): void {
    const n = this.keyA.length * 2;
    const a = new Int32Array(n);
    a.set(this.keyA);
    this.keyA = a;
    const b = new Int32Array(n);
    b.set(this.keyB);
    this.keyB = b;
  }

  private rehash(): void {
    const cap = (this.mask + 1) * 2;
    const mask = cap - 1;
    const slots = new Int32Array(cap);
    const keyA = this.keyA;
    const keyB = this.keyB;
    for (let id = 0; id < this.count; id++) {
      let i = hashInts(keyA[id]!, keyB[id]!) & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = id + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}
