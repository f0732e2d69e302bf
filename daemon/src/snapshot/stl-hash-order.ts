/**
 * The iteration order of a libstdc++ `std::unordered_map` with unique keys (GCC 12's
 * `_Hashtable`, default `_Prime_rehash_policy`, max_load_factor 1.0), which memray 1.19 and
 * older return their snapshot records in (docs/capture-versions.md section 5). Only the order
 * is modelled: a node is an index with a key id and a hash code, and the structure is the one
 * libstdc++ keeps: one singly-linked list of all nodes, each bucket pointing at the node BEFORE
 * its first node (a bucket's nodes are contiguous), `before_begin` as the list's sentinel.
 *
 * - A new node goes to the front of its bucket if the bucket has nodes, else to the front of
 *   the whole list (and the bucket that was first now starts after it).
 * - Erasing unlinks the node; nothing else moves.
 * - Before an insert that would pass `next_resize` elements, the table is rehashed to the
 *   policy's next prime: the old list is walked from its front, each node going to the front
 *   of its new bucket, or, if that bucket is still empty, to the front of the whole list.
 *
 * Hash codes are integers below 2^64 given as two 32-bit halves (memray hashes with
 * `std::hash<size_t>`, the identity, and xor), so buckets are exact for any code.
 */

/**
 * libstdc++'s `__prime_list` (src/shared/hashtable-aux.cc) from 17 on, as far as 32-bit
 * bucket counts go; `_M_next_bkt` searches it from 17 (the first six primes are reached
 * through `__fast_bkt`).
 */
const PRIMES: readonly number[] = [
  17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 103, 109, 113, 127, 137, 139, 149, 157, 167,
  179, 193, 199, 211, 227, 241, 257, 277, 293, 313, 337, 359, 383, 409, 439, 467, 503, 541, 577, 619, 661, 709, 761, 823,
  887, 953, 1031, 1109, 1193, 1289, 1381, 1493, 1613, 1741, 1879, 2029, 2179, 2357, 2549, 2753, 2971, 3209, 3469, 3739,
  4027, 4349, 4703, 5087, 5503, 5953, 6427, 6949, 7517, 8123, 8783, 9497, 10273, 11113, 12011, 12983, 14033, 15173,
  16411, 17749, 19183, 20753, 22447, 24281, 26267, 28411, 30727, 33223, 35933, 38873, 42043, 45481, 49201, 53201, 57557,
  62233, 67307, 72817, 78779, 85229, 92203, 99733, 107897, 116731, 126271, 136607, 147793, 159871, 172933, 187091,
  202409, 218971, 236897, 256279, 277261, 299951, 324503, 351061, 379787, 410857, 444487, 480881, 520241, 562841,
  608903, 658753, 712697, 771049, 834181, 902483, 976369, 1056323, 1142821, 1236397, 1337629, 1447153, 1565659,
  1693859, 1832561, 1982627, 2144977, 2320627, 2510653, 2716249, 2938679, 3179303, 3439651, 3721303, 4026031, 4355707,
  4712381, 5098259, 5515729, 5967347, 6456007, 6984629, 7556579, 8175383, 8844859, 9569143, 10352717, 11200489,
  12117689, 13109983, 14183539, 15345007, 16601593, 17961079, 19431899, 21023161, 22744717, 24607243, 26622317,
  28802401, 31160981, 33712729, 36473443, 39460231, 42691603, 46187573, 49969847, 54061849, 58488943, 63278561,
  68460391, 74066549, 80131819, 86693767, 93793069, 101473717, 109783337, 118773397, 128499677, 139022417, 150406843,
  162723577, 176048909, 190465427, 206062531, 222936881, 241193053, 260944219, 282312799, 305431229, 330442829,
  357502601, 386778277, 418451333, 452718089, 489790921, 529899637, 573292817, 620239453, 671030513, 725980837,
  785430967, 849749479, 919334987, 994618837, 1076067617, 1164186217, 1259520799, 1362662261, 1474249943, 1594975441,
  1725587117, 1866894511, 2019773507, 2185171673, 2364114217, 2557710269, 2767159799, 2993761039, 3238918481,
  3504151727, 3791104843, 4101556399, 4294967291,
];

/** `__fast_bkt`: the bucket count for hints below 14. */
const FAST_BKT = [2, 2, 2, 3, 5, 5, 7, 7, 11, 11, 11, 11, 13, 13];

/** `_Prime_rehash_policy` with max_load_factor 1.0 (bucket counts and element counts are integers). */
export class PrimeRehashPolicy {
  /** `_M_next_resize`: the element count above which an insert rehashes (0: nothing allocated yet). */
  nextResize = 0;

  /** `_M_next_bkt(n)`: the bucket count for at least `n` buckets; sets `nextResize`. */
  nextBucketCount(n: number): number {
    if (n < FAST_BKT.length) {
      if (n === 0) return 1;
      this.nextResize = FAST_BKT[n]!;
      return FAST_BKT[n]!;
    }
    // lower_bound over the list without its last prime; past it, the last prime and no more resizes.
    let lo = 0;
    let hi = PRIMES.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (PRIMES[mid]! < n) lo = mid + 1;
      else hi = mid;
    }
    if (lo === PRIMES.length - 1) {
      if (n > PRIMES[lo]!) throw new RangeError(`no bucket count for ${n} buckets within 32 bits`);
      this.nextResize = Number.MAX_SAFE_INTEGER;
    } else {
      this.nextResize = PRIMES[lo]!;
    }
    return PRIMES[lo]!;
  }

  /** `_M_need_rehash(nBkt, nElt, nIns)`: the new bucket count, or 0 for none. */
  needRehash(nBkt: number, nElt: number, nIns: number): number {
    if (nElt + nIns <= this.nextResize) return 0;
    const minBkts = Math.max(nElt + nIns, this.nextResize !== 0 ? 0 : 11);
    if (minBkts >= nBkt) return this.nextBucketCount(Math.max(minBkts + 1, nBkt * 2));
    this.nextResize = nBkt;
    return 0;
  }
}

/** (hi * 2^32 + lo) mod m for 32-bit halves and m < 2^32, exact in doubles. */
export function mod64(hi: number, lo: number, m: number): number {
  let r = hi % m;
  r = (r * 65536) % m;
  r = (r * 65536 + lo) % m;
  return r;
}

const NONE = -1;
/** The list's sentinel, `_M_before_begin`, is node 0. */
const BEFORE_BEGIN = 0;

/**
 * A libstdc++ unordered_map's node order. Keys are integers below 2^53 (`key`, the
 * identity of an element); each insert also gives the key's 64-bit hash code. Call `insert`
 * only for keys not present (use `find`), as `operator[]` / `insert` of memray do.
 */
export class StlHashOrder {
  private readonly policy = new PrimeRehashPolicy();
  /** Bucket count (1 for a default-constructed map: its single bucket). */
  private nBuckets = 1;
  /** bucket -> the node before its first node, or NONE. */
  private buckets = new Int32Array(1).fill(NONE);
  private next = new Int32Array(64);
  private keys = new Float64Array(64);
  private hashHi = new Uint32Array(64);
  private hashLo = new Uint32Array(64);
  /** A value per node for the caller (memray's mapped value, as far as the caller needs it). */
  private values = new Int32Array(64);
  /** Each node's bucket under the current bucket count (libstdc++ recomputes it; same result). */
  private bkts = new Int32Array(64);
  /** Free node indices (erased nodes are reused). */
  private free: number[] = [];
  private used = 1;
  private count = 0;

  constructor() {
    this.next[BEFORE_BEGIN] = NONE;
  }

  get size(): number {
    return this.count;
  }

  get bucketCount(): number {
    return this.nBuckets;
  }

  /** The bucket of hash code (hi, lo) among `n`. */
  private bucketFor(hi: number, lo: number, n: number): number {
    // Below 2^53 the code is an exact double and % is exact.
    return hi < 2097152 ? (hi * 4294967296 + lo) % n : mod64(hi, lo, n);
  }

  /** The node holding `key` (hash code `hi`, `lo`), or -1. */
  find(key: number, hi: number, lo: number): number {
    const bkt = this.bucketFor(hi, lo, this.nBuckets);
    const before = this.buckets[bkt]!;
    if (before === NONE) return NONE;
    const next = this.next;
    for (let p = next[before]!; p !== NONE; p = next[p]!) {
      if (this.keys[p] === key) return p;
      if (this.bkts[p] !== bkt) return NONE;
    }
    return NONE;
  }

  /** `_M_insert_unique_node`: adds `key` (not present) and returns its node. */
  insert(key: number, hi: number, lo: number): number {
    const grow = this.policy.needRehash(this.nBuckets, this.count, 1);
    if (grow !== 0) this.rehash(grow);
    const node = this.newNode(key, hi, lo);
    const bkt = this.bucketFor(hi, lo, this.nBuckets);
    this.bkts[node] = bkt;
    const before = this.buckets[bkt]!;
    if (before !== NONE) {
      this.next[node] = this.next[before]!;
      this.next[before] = node;
    } else {
      const first = this.next[BEFORE_BEGIN]!;
      this.next[node] = first;
      this.next[BEFORE_BEGIN] = node;
      if (first !== NONE) this.buckets[this.bkts[first]!] = node;
      this.buckets[bkt] = BEFORE_BEGIN;
    }
    this.count++;
    return node;
  }

  /** `_M_erase(bkt, prev, n)` of the node holding `key`; false if it is not present. */
  erase(key: number, hi: number, lo: number): boolean {
    const bkt = this.bucketFor(hi, lo, this.nBuckets);
    const before = this.buckets[bkt]!;
    if (before === NONE) return false;
    let prev = before;
    let n = this.next[prev]!;
    while (n !== NONE && this.keys[n] !== key) {
      const nx = this.next[n]!;
      if (nx === NONE || this.bkts[nx] !== bkt) return false;
      prev = n;
      n = nx;
    }
    if (n === NONE) return false;
    const nx = this.next[n]!;
    if (prev === before) {
      // _M_remove_bucket_begin: n was the bucket's first node.
      const nextBkt = nx === NONE ? 0 : this.bkts[nx]!;
      if (nx === NONE || nextBkt !== bkt) {
        if (nx !== NONE) this.buckets[nextBkt] = before;
        this.buckets[bkt] = NONE;
      }
    } else if (nx !== NONE) {
      const nextBkt = this.bkts[nx]!;
      if (nextBkt !== bkt) this.buckets[nextBkt] = prev;
    }
    this.next[prev] = nx;
    this.free.push(n);
    this.count--;
    return true;
  }

  /** The key of node `node`. */
  keyOf(node: number): number {
    return this.keys[node]!;
  }

  /** The value of node `node`. */
  valueOf(node: number): number {
    return this.values[node]!;
  }

  /** Sets the value of node `node`. */
  setValue(node: number, value: number): void {
    this.values[node] = value;
  }

  /** Calls `visit` with each key and its value in iteration order. */
  forEach(visit: (key: number, value: number) => void): void {
    for (let p = this.next[BEFORE_BEGIN]!; p !== NONE; p = this.next[p]!) visit(this.keys[p]!, this.values[p]!);
  }

  /** The keys in iteration order. */
  order(): number[] {
    const out: number[] = [];
    this.forEach((k) => out.push(k));
    return out;
  }

  /** `_M_rehash_aux(n, true_type)`. */
  private rehash(n: number): void {
    const buckets = new Int32Array(n).fill(NONE);
    let p = this.next[BEFORE_BEGIN]!;
    this.next[BEFORE_BEGIN] = NONE;
    let bbeginBkt = 0;
    while (p !== NONE) {
      const nx = this.next[p]!;
      const bkt = this.bucketFor(this.hashHi[p]!, this.hashLo[p]!, n);
      this.bkts[p] = bkt;
      const before = buckets[bkt]!;
      if (before === NONE) {
        this.next[p] = this.next[BEFORE_BEGIN]!;
        this.next[BEFORE_BEGIN] = p;
        buckets[bkt] = BEFORE_BEGIN;
        if (this.next[p] !== NONE) buckets[bbeginBkt] = p;
        bbeginBkt = bkt;
      } else {
        this.next[p] = this.next[before]!;
        this.next[before] = p;
      }
      p = nx;
    }
    this.buckets = buckets;
    this.nBuckets = n;
  }

  private newNode(key: number, hi: number, lo: number): number {
    let node = this.free.pop();
    if (node === undefined) {
      node = this.used++;
      if (node === this.next.length) {
        const cap = this.next.length * 2;
        const grow = <T extends Int32Array | Float64Array | Uint32Array>(a: T, b: T): T => {
          b.set(a);
          return b;
        };
        this.next = grow(this.next, new Int32Array(cap));
        this.keys = grow(this.keys, new Float64Array(cap));
        this.hashHi = grow(this.hashHi, new Uint32Array(cap));
        this.hashLo = grow(this.hashLo, new Uint32Array(cap));
        this.values = grow(this.values, new Int32Array(cap));
        this.bkts = grow(this.bkts, new Int32Array(cap));
      }
    }
    this.keys[node] = key;
    this.hashHi[node] = hi;
    this.hashLo[node] = lo;
    this.next[node] = NONE;
    this.values[node] = 0;
    return node;
  }
}
