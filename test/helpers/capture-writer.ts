/**
 * Synthetic memray captures for tests and benchmarks: the public face of the writer.
 *
 * - writeCapture / CaptureWriter: version 13 (or 12) ALL_ALLOCATIONS captures, raw (zero
 *   padded to 4 KiB like memray's file sink, optional) or LZ4-framed, encoded byte for byte
 *   as memray's streaming writer does (capture-records.ts).
 * - stacksCapture: tree-test captures in memray's `size [f1 <- f2]` notation.
 * - writeAggregatedCapture: AGGREGATED_ALLOCATIONS captures from the same events.
 * - buildLineTable: CPython line tables for every version family.
 */
export type { CaptureEvent, WriterOptions } from './capture-types.js';
export { Allocator } from './capture-types.js';
export { CaptureWriter, writeCapture } from './capture-stream.js';
export { stacksCapture, type StackRecord } from './stacks-capture.js';
export { writeAggregatedCapture } from './aggregated-writer.js';
export { buildLineTable } from './line-tables.js';
