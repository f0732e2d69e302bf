/**
 * The live-allocation table: address -> (size, sequence number, group), the hottest structure
 * of a capture read (one lookup per ALLOCATION record).
 *
 * Allocation streams are extremely local: on our 9.5 M-record sample 98.6 % of records touch
 * a 4 KiB page that one of the previous 64 records touched (pymalloc pools, malloc runs). A
 * flat hash table scatters them over ~100 MB and pays a cache and TLB miss per record; here a
 * small page map (cache resident) leads to one compact leaf per live page holding that page's
 * entries, so a run of records on a page stays within a couple of cache lines. Leaves grow by
 * doubling up to a direct-mapped 512-slot leaf, live in 4 MiB arena chunks with per-size free
 * lists, and are released when their page empties, so memory follows the live set.
 */

/** Per-group sums as columns indexed by group id (LiveTable.sumByGroup). */
export interface GroupColumns {
  readonly bytes: Float64Array;
  readonly count: Float64Array;
  readonly minSeq: Float64Array;
}

/** 8-byte granules per 4 KiB page (keys are address >> 3). */
const PAGE = 512;
/**
 * u32 per slot (12 bytes): a key word, the sequence number's low 32 bits, the group. The key
 * word holds granule + 1 in bits 0-9 (0 = empty slot), the sequence number's bits 32-39 in
 * bits 10-17 and the size in bits 18-31. Sizes of 2^14 - 1 bytes and more, and sequence numbers
 * of 2^40 - 2^32 and more, are rare (big blocks; a trillion records in) and live in maps by key.
 */
const SLOT = 3;
const KEY_BITS = 10;
const KEY_MASK = (1 << KEY_BITS) - 1;
const SEQ_SHIFT = 10;
const SEQ_HI_BIG = 0xff;
const SIZE_SHIFT = 18;
const SIZE_BIG = 0x3fff;
/** u32 of leaf header: entry count, log2(capacity). */
const HDR = 2;
const DIRECT_LOG2 = 9; // a 512-slot leaf is indexed by granule directly
const MIN_LOG2 = 2;
const CHUNK = 1 << 20; // u32 per arena chunk
const PAGE_CACHE_MASK = 63;
/** Keys split as hi * SPLIT + lo for the hot loop (findSplit, upsertSplit). */
export const SPLIT = 1 << 22;

function leafWords(log2: number): number {
  return HDR + (1 << log2) * SLOT;
}

function pageHash(page: number): number {
  let h = Math.imul(page >>> 0, 0x9e3779b1) ^ Math.imul(Math.floor(page / 4294967296) + 0x7f4a7c15, 0x85ebca77);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  return h ^ (h >>> 15);
}

export class LiveTable {
  private chunks: Uint32Array[] = [new Uint32Array(CHUNK)];
  private bump = 0;
  private readonly free: number[][] = [];
  // Page map: open addressing, page number -> leaf handle (chunk << 20 | offset).
  private pmKeys: Float64Array;
  private pmLeaf: Int32Array;
  private pmMask: number;
  private pmUsed = 0;
  private readonly bigSizes = new Map<number, number>();
  private readonly bigSeqs = new Map<number, number>();
  private total = 0;

  /** The arena chunk of the slot returned by the last find/upsert. */
  cur: Uint32Array;
  /** Whether the last `upsert` created the entry. */
  isNew = false;
  private curBase = 0;
  /** The key of the last find/upsert as hi * SPLIT + lo (two small integers: a double field is boxed). */
  private curHi = 0;
  private curLo = 0;
  private emptyLeaves = 0;
  private sweepPending = false;
  /**
   * Recent pages, direct-mapped by page & PAGE_CACHE_MASK: the page as (hi, page bits of lo)
   * (cacheHi -1: empty), its leaf handle and its page map position. Small integers only: the
   * hot path compares and loads no double.
   */
  private readonly cacheHi = new Int32Array(PAGE_CACHE_MASK + 1).fill(-1);
  private readonly cachePl = new Int32Array(PAGE_CACHE_MASK + 1);
  private readonly cacheLeaf = new Int32Array(PAGE_CACHE_MASK + 1);
  private readonly cachePos = new Int32Array(PAGE_CACHE_MASK + 1);

  constructor(pages = 1024) {
    let cap = 64;
    while (cap < pages * 2) cap *= 2;
    this.pmKeys = new Float64Array(cap).fill(NaN);
    this.pmLeaf = new Int32Array(cap);
    this.pmMask = cap - 1;
    this.cur = this.chunks[0]!;
    for (let l = 0; l <= DIRECT_LOG2; l++) this.free.push([]);
  }

  /** Number of live entries. */
  get size(): number {
    return this.total;
  }

  /** Bytes held by the arena (for memory accounting). */
  get arenaBytes(): number {
    return this.chunks.length * CHUNK * 4;
  }

  /** Bytes the table holds: the arena in use (free leaves excluded) and the page map. */
  get memoryBytes(): number {
    let free = 0;
    for (let l = 0; l < this.free.length; l++) free += this.free[l]!.length * leafWords(l) * 4;
    const used = ((this.chunks.length - 1) * CHUNK + this.bump) * 4 - free;
    return used + this.pmKeys.byteLength + this.pmLeaf.byteLength;
  }

  /**
   * The leaf handle of page hi * (SPLIT / PAGE) + pl, or -1. A small direct-mapped cache of recent pages answers most lookups (records cluster on
   * few pages) without the page map's hash and probe; after a hit or a found page, its entry
   * is at `pl & PAGE_CACHE_MASK`. Positions stay valid until the map is rebuilt (sweep,
   * pmGrow), which clears the cache; a leaf that grows updates its entry.
   */
  private leafOf(hi: number, pl: number): number {
    const c = pl & PAGE_CACHE_MASK;
    if (this.cacheHi[c] === hi && this.cachePl[c] === pl) return this.cacheLeaf[c]!;
    const i = this.pmProbe(hi * (SPLIT / PAGE) + pl);
    if (i < 0) return -1;
    const h = this.pmLeaf[i]!;
    this.cacheSet(c, hi, pl, h, i);
    return h;
  }

  /** Page-cache slot `c` now names leaf `h`, at page-map position `pos`, for page (hi, pl). */
  private cacheSet(c: number, hi: number, pl: number, h: number, pos: number): void {
    this.cacheHi[c] = hi;
    this.cachePl[c] = pl;
    this.cacheLeaf[c] = h;
    this.cachePos[c] = pos;
  }

  private clearCache(): void {
    this.cacheHi.fill(-1);
  }

  private pmProbe(page: number): number {
    const keys = this.pmKeys;
    const mask = this.pmMask;
    let i = pageHash(page) & mask;
    for (;;) {
      const k = keys[i]!;
      if (k === page) return i;
      if (k !== k) return -1 - i; // empty: where it would go
      i = (i + 1) & mask;
    }
  }

  /**
   * Slot offset (into `cur`) of granule `g` in the leaf at handle `h`, or -1 - the empty slot
   * where it would go. Sets `cur`/`curBase`.
   */
  private leafFind(h: number, g: number): number {
    const t = this.chunks[h >>> 20]!;
    const base = h & (CHUNK - 1);
    this.cur = t;
    this.curBase = base;
    const log2 = t[base + 1]!;
    if (log2 === DIRECT_LOG2) {
      const o = base + HDR + g * SLOT;
      return t[o] !== 0 ? o : -1 - o;
    }
    const mask = (1 << log2) - 1;
    let i = Math.imul(g + 1, 0x9e3779b1) >>> (32 - log2);
    const want = g + 1;
    for (;;) {
      const o = base + HDR + i * SLOT;
      const v = t[o]!;
      if ((v & KEY_MASK) === want) return o;
      if (v === 0) return -1 - o;
      i = (i + 1) & mask;
    }
  }

  /** The slot holding `key` (address >> 3), or -1. */
  find(key: number): number {
    const hi = Math.floor(key / SPLIT);
    return this.findSplit(hi, key - hi * SPLIT);
  }

  /**
   * find() of the key hi * 2^22 + lo: callers in the hot loop pass keys as two small integers,
   * since a double argument is boxed (a young-generation allocation) at every call not inlined.
   */
  findSplit(hi: number, lo: number): number {
    const h = this.leafOf(hi, lo >>> 9);
    if (h < 0) return -1;
    this.curHi = hi;
    this.curLo = lo;
    const o = this.leafFind(h, lo & (PAGE - 1));
    return o >= 0 ? o : -1;
  }

  /** The slot for `key`: existing (isNew = false) or new and keyed (isNew = true; fill it with `set`). */
  upsert(key: number): number {
    const hi = Math.floor(key / SPLIT);
    return this.upsertSplit(hi, key - hi * SPLIT);
  }

  /** upsert() of the key hi * 2^22 + lo (see findSplit). */
  upsertSplit(hi: number, lo: number): number {
    if (this.sweepPending) this.sweep();
    const pl = lo >>> 9;
    const g = lo & (PAGE - 1);
    this.curHi = hi;
    this.curLo = lo;
    let h = this.leafOf(hi, pl);
    let newPage = false;
    if (h < 0) {
      h = this.newPage(hi, pl);
      newPage = true;
    }
    let o = this.leafFind(h, g);
    if (o >= 0) {
      this.isNew = false;
      return o;
    }
    let t = this.cur;
    let base = this.curBase;
    if (t[base] === 0 && !newPage) this.emptyLeaves--;
    const log2 = t[base + 1]!;
    if (log2 < DIRECT_LOG2 && (t[base]! + 1) * 4 > (1 << log2) * 3) {
      h = this.growLeaf(h, log2 + 1);
      // The page's cache entry (leafOf or newPage just filled it) and its page map slot.
      const c = pl & PAGE_CACHE_MASK;
      this.pmLeaf[this.cachePos[c]!] = h;
      this.cacheLeaf[c] = h;
      t = this.chunks[h >>> 20]!;
      base = h & (CHUNK - 1);
      this.cur = t;
      this.curBase = base;
      o = this.emptySlot(t, base, g);
    } else {
      o = -1 - o;
    }
    t[o] = g + 1;
    t[base]!++;
    this.total++;
    this.isNew = true;
    return o;
  }

  /**
   * The capacity of a new page's leaf: that of the page before it, if live (allocators fill
   * neighbouring pages alike: a pymalloc arena's pools, a malloc run), which spares the dense
   * pages of a growing heap most of their leaf growth; else the smallest.
   */
  private newLeafLog2(hi: number, pl: number): number {
    const h = pl > 0 ? this.leafOf(hi, pl - 1) : this.leafOf(hi - 1, SPLIT / PAGE - 1);
    if (h < 0) return MIN_LOG2;
    return Math.min(this.chunks[h >>> 20]![(h & (CHUNK - 1)) + 1]!, DIRECT_LOG2 - 1);
  }

  /** Adds page hi * (SPLIT / PAGE) + pl (absent) with a new leaf, in the page map and the cache; returns the leaf. */
  private newPage(hi: number, pl: number): number {
    const page = hi * (SPLIT / PAGE) + pl;
    if ((this.pmUsed + 1) * 2 > this.pmMask) this.pmGrow();
    const log2 = this.newLeafLog2(hi, pl);
    const p = -1 - this.pmProbe(page);
    const h = this.allocLeaf(log2);
    this.pmKeys[p] = page;
    this.pmLeaf[p] = h;
    this.pmUsed++;
    this.cacheSet(pl & PAGE_CACHE_MASK, hi, pl, h, p);
    return h;
  }

  /**
   * Releases every empty leaf and forgets its page. The page map is rebuilt in place: fresh
   * typed arrays on every sweep would pile up as garbage the GC is slow to return.
   */
  private sweep(): void {
    this.sweepPending = false;
    this.clearCache();
    const keys = this.pmKeys;
    const leaves = this.pmLeaf;
    const keep: number[] = [];
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (k !== k) continue;
      const h = leaves[i]!;
      if (this.chunks[h >>> 20]![h & (CHUNK - 1)] === 0) {
        this.freeLeaf(h);
        this.pmUsed--;
      } else {
        keep.push(k, h);
      }
    }
    keys.fill(NaN);
    const mask = this.pmMask;
    for (let n = 0; n < keep.length; n += 2) {
      let j = pageHash(keep[n]!) & mask;
      while (keys[j] === keys[j]) j = (j + 1) & mask;
      keys[j] = keep[n]!;
      leaves[j] = keep[n + 1]!;
    }
    this.emptyLeaves = 0;
  }

  private emptySlot(t: Uint32Array, base: number, g: number): number {
    const log2 = t[base + 1]!;
    if (log2 === DIRECT_LOG2) return base + HDR + g * SLOT;
    const mask = (1 << log2) - 1;
    let i = Math.imul(g + 1, 0x9e3779b1) >>> (32 - log2);
    while (t[base + HDR + i * SLOT] !== 0) i = (i + 1) & mask;
    return base + HDR + i * SLOT;
  }

  /** The key of the last find/upsert. */
  private key(): number {
    return this.curHi * SPLIT + this.curLo;
  }

  sizeAt(slot: number): number {
    const s = this.cur[slot]! >>> SIZE_SHIFT;
    return s === SIZE_BIG ? this.bigSizes.get(this.key())! : s;
  }

  seqAt(slot: number): number {
    const hi = (this.cur[slot]! >>> SEQ_SHIFT) & SEQ_HI_BIG;
    return hi === SEQ_HI_BIG ? this.bigSeqs.get(this.key())! : hi * 4294967296 + this.cur[slot + 1]!;
  }

  groupAt(slot: number): number {
    return this.cur[slot + 2]!;
  }

  /** Fills the value fields of `slot` (from the last find/upsert). */
  set(slot: number, size: number, seq: number, group: number): void {
    const t = this.cur;
    const w = t[slot]!;
    if (w >>> SIZE_SHIFT === SIZE_BIG) this.bigSizes.delete(this.key());
    if (((w >>> SEQ_SHIFT) & SEQ_HI_BIG) === SEQ_HI_BIG) this.bigSeqs.delete(this.key());
    let sizeField = size;
    if (size >= SIZE_BIG) {
      sizeField = SIZE_BIG;
      this.bigSizes.set(this.key(), size);
    }
    const lo = seq >>> 0;
    let hi = (seq - lo) / 4294967296;
    if (hi >= SEQ_HI_BIG) {
      hi = SEQ_HI_BIG;
      this.bigSeqs.set(this.key(), seq);
    }
    t[slot] = (w & KEY_MASK) | (hi << SEQ_SHIFT) | (sizeField << SIZE_SHIFT);
    t[slot + 1] = lo;
    t[slot + 2] = group;
  }

  /** Removes the entry at `slot` (from the last find/upsert). */
  removeAt(slot: number): void {
    const t = this.cur;
    const base = this.curBase;
    const w = t[slot]!;
    if (w >>> SIZE_SHIFT === SIZE_BIG) this.bigSizes.delete(this.key());
    if (((w >>> SEQ_SHIFT) & SEQ_HI_BIG) === SEQ_HI_BIG) this.bigSeqs.delete(this.key());
    this.total--;
    if (--t[base]! === 0) {
      // Keep the empty leaf: churn empties and refills the same pages constantly, and
      // regrowing their leaves from scratch dominated the profile. Empty leaves are swept
      // once they outnumber the live pages, so memory still follows the live set.
      if (++this.emptyLeaves > 4096 && this.emptyLeaves * 2 > this.pmUsed) this.sweepPending = true;
    }
    const log2 = t[base + 1]!;
    if (log2 === DIRECT_LOG2) {
      t[slot] = 0;
      return;
    }
    // Backward-shift deletion inside the leaf: no tombstones under alloc/free churn.
    const mask = (1 << log2) - 1;
    let hole = (slot - base - HDR) / SLOT;
    let j = hole;
    for (;;) {
      j = (j + 1) & mask;
      const o = base + HDR + j * SLOT;
      const v = t[o]!;
      if (v === 0) break;
      const home = Math.imul(v & KEY_MASK, 0x9e3779b1) >>> (32 - log2);
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        // Three stores: copyWithin is a builtin call, dearer than the copy on this hot path.
        const d = base + HDR + hole * SLOT;
        t[d] = v;
        t[d + 1] = t[o + 1]!;
        t[d + 2] = t[o + 2]!;
        hole = j;
      }
    }
    t[base + HDR + hole * SLOT] = 0;
  }

  /**
   * Sums the live set by group into columns indexed by group id (minimum sequence numbers
   * start at Infinity): every entry into `all`, those allocated at or before record `upTo`
   * into `upToSums` too. The provisional snapshots' walk (once a second over millions of
   * entries, on the thread that is the pass's bottleneck), so no callback per entry.
   */
  sumByGroup(upTo: number, all: GroupColumns, upToSums: GroupColumns): void {
    const { bytes: aB, count: aC, minSeq: aM } = all;
    const { bytes: uB, count: uC, minSeq: uM } = upToSums;
    for (let p = 0; p <= this.pmMask; p++) {
      const page = this.pmKeys[p]!;
      if (page !== page) continue;
      const h = this.pmLeaf[p]!;
      const t = this.chunks[h >>> 20]!;
      const base = h & (CHUNK - 1);
      if (t[base] === 0) continue;
      const end = base + HDR + (1 << t[base + 1]!) * SLOT;
      for (let o = base + HDR; o < end; o += SLOT) {
        const w = t[o]!;
        if (w === 0) continue;
        let size = w >>> SIZE_SHIFT;
        const seqHi = (w >>> SEQ_SHIFT) & SEQ_HI_BIG;
        let seq = seqHi * 4294967296 + t[o + 1]!;
        if (size === SIZE_BIG || seqHi === SEQ_HI_BIG) {
          const key = page * PAGE + (w & KEY_MASK) - 1;
          if (size === SIZE_BIG) size = this.bigSizes.get(key)!;
          if (seqHi === SEQ_HI_BIG) seq = this.bigSeqs.get(key)!;
        }
        const g = t[o + 2]!;
        aB[g] += size;
        aC[g]++;
        if (seq < aM[g]!) aM[g] = seq;
        if (seq <= upTo) {
          uB[g] += size;
          uC[g]++;
          if (seq < uM[g]!) uM[g] = seq;
        }
      }
    }
  }

  /** Calls `fn(size, seq, group)` for every live entry. */
  forEach(fn: (size: number, seq: number, group: number) => void): void {
    for (let p = 0; p <= this.pmMask; p++) {
      const page = this.pmKeys[p]!;
      if (page !== page) continue;
      const h = this.pmLeaf[p]!;
      const t = this.chunks[h >>> 20]!;
      const base = h & (CHUNK - 1);
      const cap = 1 << t[base + 1]!;
      this.cur = t;
      for (let i = 0; i < cap; i++) {
        const o = base + HDR + i * SLOT;
        if (t[o] === 0) continue;
        const key = page * PAGE + (t[o]! & KEY_MASK) - 1;
        this.curHi = Math.floor(key / SPLIT);
        this.curLo = key - this.curHi * SPLIT;
        fn(this.sizeAt(o), this.seqAt(o), t[o + 2]!);
      }
    }
  }

  private allocLeaf(log2: number): number {
    const words = leafWords(log2);
    const list = this.free[log2]!;
    let h: number;
    if (list.length > 0) {
      h = list.pop()!;
      this.chunks[h >>> 20]!.fill(0, h & (CHUNK - 1), (h & (CHUNK - 1)) + words);
    } else {
      if (this.bump + words > CHUNK) {
        this.chunks.push(new Uint32Array(CHUNK));
        this.bump = 0;
      }
      h = (this.chunks.length - 1) * CHUNK + this.bump;
      this.bump += words;
    }
    this.chunks[h >>> 20]![(h & (CHUNK - 1)) + 1] = log2;
    return h;
  }

  private freeLeaf(h: number): void {
    this.free[this.chunks[h >>> 20]![(h & (CHUNK - 1)) + 1]!]!.push(h);
  }

  /** Moves the leaf at `h` into a new leaf of 2^log2 slots; returns the new handle. */
  private growLeaf(h: number, log2: number): number {
    const nh = this.allocLeaf(log2);
    const src = this.chunks[h >>> 20]!;
    const sb = h & (CHUNK - 1);
    const dst = this.chunks[nh >>> 20]!;
    const db = nh & (CHUNK - 1);
    const oldCap = 1 << src[sb + 1]!;
    for (let i = 0; i < oldCap; i++) {
      const o = sb + HDR + i * SLOT;
      const v = src[o]!;
      if (v === 0) continue;
      const d = this.emptySlot(dst, db, (v & KEY_MASK) - 1);
      for (let k = 0; k < SLOT; k++) dst[d + k] = src[o + k]!;
    }
    dst[db] = src[sb]!;
    this.freeLeaf(h);
    return nh;
  }

  private pmGrow(): void {
    this.clearCache();
    const cap = this.pmKeys.length * 2;
    const oldKeys = this.pmKeys;
    const oldLeaf = this.pmLeaf;
    const mask = cap - 1;
    this.pmKeys = new Float64Array(cap).fill(NaN);
    this.pmLeaf = new Int32Array(cap);
    this.pmMask = mask;
    for (let i = 0; i < oldKeys.length; i++) {
      const k = oldKeys[i]!;
      if (k !== k) continue;
      let j = pageHash(k) & mask;
      while (this.pmKeys[j] === this.pmKeys[j]) j = (j + 1) & mask;
      this.pmKeys[j] = k;
      this.pmLeaf[j] = oldLeaf[i]!;
    }
  }
}
