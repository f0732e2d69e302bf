// Sizes and totals beyond 2^53 bytes are damage (no real heap comes near 8 PiB, and doubles
// stop being exact there): reading stops before the record, with a warning naming it; the
// numbers before it stay exact. Temporary totals stop counting where they would pass it.
import { describe, expect, it } from 'vitest';
import { Allocator, writeAggregatedCapture, writeCapture, type CaptureEvent } from '../helpers/capture-writer.js';
import { loadBytes } from '../helpers/load-bytes.js';

const HEAP = 0x7f0000000000;
const alloc = (address: number, size: number | bigint, allocator: number = Allocator.MALLOC): CaptureEvent =>
  ({ type: 'alloc', tid: 1, address, size: size as number, allocator });
const free = (address: number): CaptureEvent => ({ type: 'alloc', tid: 1, address, size: 0, allocator: Allocator.FREE });

describe('sizes and totals beyond 2^53', () => {
  // Version 11 goes through the version 9-11 decoder, which must treat the builder's error the same way.
  for (const [compress, version] of [[false, 13], [true, 13], [false, 11], [true, 11]] as const) {
    it(`an allocation of 2^60 bytes (a damaged size field) stops reading, named by its record (${compress ? 'lz4' : 'raw'}, version ${version})`, () => {
      const events = [alloc(HEAP, 100), alloc(HEAP + 16, 2n ** 60n), alloc(HEAP + 32, 7)];
      const cap = loadBytes(writeCapture(events, { compress, version }));
      expect(cap.totalAllocations).toBe(1);
      expect(cap.peakMemory).toBe(100);
      expect(cap.warnings).toHaveLength(1);
      expect(cap.warnings[0]).toMatch(/^reading stopped at byte \d+.*: allocation record 1 has a size of 1152921504606846976 bytes, beyond 2\^53/);
      expect(cap.warnings[0]).toMatch(/the tree uses the 1 allocation records before it$/);
    });
  }

  it('a heap total passing 2^53 stops reading at the record that would pass it; an mmap the same', () => {
    for (const allocator of [Allocator.MALLOC, Allocator.MMAP]) {
      const big = 2 ** 52;
      const cap = loadBytes(writeCapture([alloc(HEAP, big, allocator), alloc(HEAP + 2 ** 53, big - 1, allocator), alloc(HEAP + 2 ** 54, 8, allocator)]));
      expect(cap.totalAllocations).toBe(2);
      expect(cap.peakMemory).toBe(Number.MAX_SAFE_INTEGER);
      expect(cap.warnings[0]).toMatch(/allocation record 2 of 8 bytes would take the heap beyond 2\^53 bytes/);
    }
  });

  it('frees of huge blocks do not add up: each one leaves the heap exact', () => {
    const events: CaptureEvent[] = [];
    for (let i = 0; i < 8; i++) events.push(alloc(HEAP, 2 ** 52), free(HEAP));
    const cap = loadBytes(writeCapture(events));
    expect(cap.warnings).toEqual([]);
    expect(cap.peakMemory).toBe(2 ** 52);
    expect(cap.leaks.records.length).toBe(0);
  });

  it('temporary allocations stop counting where their total would pass 2^53, with a warning naming the record', () => {
    const events: CaptureEvent[] = [];
    for (let i = 0; i < 5; i++) events.push(alloc(HEAP, 2 ** 51), free(HEAP));
    const cap = loadBytes(writeCapture(events), { temporaryThreshold: 1 });
    expect(cap.totalAllocations).toBe(10);
    const r = cap.temporary!.records;
    expect([r.length, r.bytes[0], r.count[0]]).toEqual([1, 3 * 2 ** 51, 3]);
    expect(cap.warnings).toEqual([
      'the capture looks damaged: the temporary allocations add up to more than 2^53 bytes at allocation record 7; the temporary tree counts only the ones before it',
    ]);
  });

  it('aggregated captures: totals beyond 2^53 stop reading at the record', () => {
    const events = [alloc(HEAP, 2 ** 52), { type: 'push', tid: 1, code: 1, offset: 0 } as CaptureEvent, alloc(HEAP + 2 ** 53, 2 ** 52), alloc(HEAP + 2 ** 54, 2 ** 40)];
    const cap = loadBytes(writeAggregatedCapture([{ type: 'code', id: 1, function: 'f', file: 'f.py', firstLine: 1 }, ...events], { trailer: true }));
    expect(cap.warnings).toHaveLength(1);
    expect(cap.warnings[0]).toMatch(/aggregated record \d+: its sizes or counts take the totals beyond 2\^53/);
    expect(cap.peakMemory).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER);
  });
});
