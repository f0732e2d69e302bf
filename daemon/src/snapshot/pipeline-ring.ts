/**
 * The ring of record batches between the two threads of a capture read (snapshot-pipeline.ts):
 * one SharedArrayBuffer of SLOTS batches of BATCH records, as typed-array columns, plus a
 * control block. The decoding thread fills slots in order and publishes each with `written`;
 * the builder thread consumes them in order and publishes `consumed`. Either side sleeps in
 * Atomics.wait only when the ring is full (decoder) or empty (builder).
 */

/** Records per batch. */
export const BATCH = 1 << 15;
/** Batches in the ring. */
export const SLOTS = 8;

/** Control words (Int32). */
export const CTRL_WRITTEN = 0;
export const CTRL_CONSUMED = 1;
/** Decoder state: RUNNING, then DONE (every batch published) or ABORT (stop, nobody wants the result). */
export const CTRL_PRODUCER = 2;
/** Builder state: RUNNING, STARTED, then FINISHED (result posted) or FAILED (error posted). */
export const CTRL_CONSUMER = 3;
const CTRL_WORDS = 4 + SLOTS; // + the record count of each slot

export const RUNNING = 0;
export const DONE = 1;
export const ABORT = 2;
export const STARTED = 1;
export const FINISHED = 2;
export const FAILED = 3;

/** `meta` of a MEMORY_RECORD carried in-band (address = RSS, size = ms since start). */
export const META_MEMORY = 0xff;
/** `meta` of a request for the provisional snapshots so far (answered on the port; provisional-feed.ts). */
export const META_PROVISIONAL = 0xfe;

/** Typed-array views of one ring (both threads build them over the same buffer). */
export class Ring {
  readonly ctrl: Int32Array;
  readonly counts: Int32Array;
  /**
   * Per record: address >> 3 as hi * SPLIT + lo (live-table.ts), split by the decoding thread:
   * the live-table side, the pass's bottleneck, takes the halves as they are. A MEMORY_RECORD's
   * RSS (up to 2^64) as hi * 2^32 + (lo >>> 0).
   */
  readonly addressHi: Uint32Array;
  readonly addressLo: Int32Array;
  /** Per record: size (MEMORY_RECORD: ms since the start). */
  readonly size: Float64Array;
  /** Per record: group id of an allocation, -1 for a deallocation. */
  readonly group: Int32Array;
  /** Per record: allocator id | thread index << 8 (META_MEMORY for a MEMORY_RECORD). */
  readonly meta: Int32Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(Ring.bytes())) {
    const n = BATCH * SLOTS;
    let off = 0;
    this.addressHi = new Uint32Array(buffer, off, n);
    off += 4 * n;
    this.addressLo = new Int32Array(buffer, off, n);
    off += 4 * n;
    this.size = new Float64Array(buffer, off, n);
    off += 8 * n;
    this.group = new Int32Array(buffer, off, n);
    off += 4 * n;
    this.meta = new Int32Array(buffer, off, n);
    off += 4 * n;
    this.ctrl = new Int32Array(buffer, off, 4);
    this.counts = new Int32Array(buffer, off + 16, SLOTS);
  }

  static bytes(): number {
    return BATCH * SLOTS * 24 + CTRL_WORDS * 4;
  }
}
