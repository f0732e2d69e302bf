/**
 * A literal model of libstdc++'s unordered_map iteration order (GCC 12's hashtable.h rules
 * over a plain array, slow and obvious), the reference for daemon/src/snapshot/stl-hash-order.ts.
 */

/** Bucket counts of a std::unordered_map<unsigned long, int> growing one insert at a time (g++ 12): [size reached, buckets]. */
export const GROWTH: [number, number][] = [
  [1, 13], [14, 29], [30, 59], [60, 127], [128, 257], [258, 541], [542, 1109], [1110, 2357], [2358, 5087],
  [5088, 10273], [10274, 20753], [20754, 42043], [42044, 85229], [85230, 172933], [172934, 351061],
];


/**
 * The literal model: the nodes in iteration order in an array, and libstdc++'s rules as
 * written in hashtable.h: insert at the front of the key's bucket (before its first node) or,
 * if the bucket is empty, at the front of the list; erase removes; before an insert past the
 * resize threshold, rehash by walking the old order, each node going before the first node of
 * its new bucket or, if there is none yet, to the front.
 */
export class LiteralMap {
  list: { key: number; hash: bigint }[] = [];
  buckets = 1;
  private readonly policy = new LiteralPolicy();

  insert(key: number, hash: bigint): void {
    if (this.list.some((n) => n.key === key)) return;
    const grow = this.policy.needRehash(this.buckets, this.list.length, 1);
    if (grow !== 0) {
      const old = this.list;
      this.list = [];
      this.buckets = grow;
      for (const n of old) this.place(n);
    }
    this.place({ key, hash });
  }

  erase(key: number): void {
    this.list = this.list.filter((n) => n.key !== key);
  }

  private place(n: { key: number; hash: bigint }): void {
    const b = n.hash % BigInt(this.buckets);
    const at = this.list.findIndex((m) => m.hash % BigInt(this.buckets) === b);
    if (at < 0) this.list.unshift(n);
    else this.list.splice(at, 0, n);
  }
}

/** _Prime_rehash_policy written out again, with the GROWTH table's bucket counts as its primes. */
class LiteralPolicy {
  private nextResize = 0;
  needRehash(nBkt: number, nElt: number, nIns: number): number {
    if (nElt + nIns <= this.nextResize) return 0;
    const minBkts = Math.max(nElt + nIns, this.nextResize === 0 ? 11 : 0);
    if (minBkts < nBkt) {
      this.nextResize = nBkt;
      return 0;
    }
    const want = Math.max(minBkts + 1, nBkt * 2);
    const n = GROWTH.map(([, b]) => b).find((b) => b >= want)!;
    this.nextResize = n;
    return n;
  }
}

