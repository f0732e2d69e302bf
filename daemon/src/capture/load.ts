/**
 * Opens a capture and computes its snapshots in one streaming pass: the entry point of the
 * reader. Everything memray's FileReader does on open (header checks, the high-water mark,
 * record counts) plus the snapshots `memray tree` asks for.
 */
import { readAggregatedRecords } from './aggregated-records.js';
import type { CaptureState } from './capture-state.js';
import { AggregatedTemporaryError, CaptureError } from './errors.js';
import { FILE_FORMAT_AGGREGATED, FILE_FORMAT_ALL, type CaptureHeader } from './header.js';
import { legacyOrderThunk, type RecordReader } from './legacy-replay.js';
import { openCapture, reopenCapture, type OpenCapture } from './open-capture.js';
import { readAllocationRecords, type ProgressFn, type ReadOutcome } from './records.js';
import { readLegacyAllocationRecords } from './records-legacy.js';
import { builderSource, provisionalProgress, type ProvisionalCapture, type ProvisionalTiming } from './provisional-feed.js';
import type { StreamBuffer } from './stream-buffer.js';
import { fingerprintFd } from './fingerprint.js';
import { aggregatedSnapshot } from '../snapshot/aggregated-snapshot.js';
import { hasTies, LAST_HASH_ORDERED_VERSION, locationOrder, permuteRecords } from '../snapshot/legacy-order.js';
import { SnapshotBuilder, type BuilderOptions, type SnapshotRecords, type SnapshotResult } from '../snapshot/snapshot-builder.js';
import { PipelineFailed, PipelineSink, pipelineAvailable } from '../snapshot/snapshot-pipeline.js';
import type { CaptureTimeline, MemorySeries } from '../snapshot/time-ranges.js';
// The reader's entry point: what opening and re-reading a capture offer is imported from here.
export { checkCaptureFile } from './errors.js';
export { checkStillVersion, openCapture, openVersion, unsupportedVersion, type OpenCapture } from './open-capture.js';
export { inMemrayOrder, legacyReplays } from './legacy-replay.js';
export type { ProvisionalCapture } from './provisional-feed.js';

/** A snapshot's records with the thread names memray would show for them. */
export interface Snapshot {
  readonly records: SnapshotRecords;
  /** memray tid -> thread name, as of the point where memray stops reading for this snapshot. */
  readonly threadNames: ReadonlyMap<number, string>;
}

export interface LoadedCapture {
  readonly path: string;
  readonly fileSize: number;
  readonly compressed: boolean;
  readonly header: CaptureHeader;
  readonly state: CaptureState;
  /** ALLOCATION records (ALL_ALLOCATIONS) or aggregated records, counted while reading. */
  readonly totalAllocations: number;
  /** The high-water mark in bytes. */
  readonly peakMemory: number;
  readonly peak: Snapshot;
  readonly leaks: Snapshot;
  /** Present when `temporaryThreshold` was given. */
  readonly temporary?: Snapshot;
  /** The memory records (or an aggregated capture's stored memory snapshots). */
  readonly memory: MemorySeries;
  /** What time-range trees need (ALL_ALLOCATIONS captures). */
  readonly timeline?: CaptureTimeline;
  /** Decompressed bytes read. */
  readonly bytesRead: number;
  /** Where and why reading stopped early, if it did (the data before is used). */
  readonly warnings: readonly string[];
  /** The warnings (also in `warnings`) that concern only the temporary snapshot. */
  readonly temporaryWarnings?: readonly string[];
  /**
   * memray 1.19 and older's record order (header versions 9-12, docs/capture-versions.md
   * section 5), present only when some snapshot has two records of equal size (else every
   * order sorts alike). The snapshots above are in the reading pass's order; this reads the
   * capture's records again on its first call (memoised), so call it only when an answer
   * depends on the order (tree/order-sensitivity.ts). Throws CaptureChangedError when the file
   * is no longer the version read, and what opening and reading it throw. `onProgress` hears
   * that read (the first call's).
   */
  readonly legacyOrder?: (onProgress?: ProgressFn) => LegacyOrder;
}

/** Each snapshot's records in memray 1.19 and older's order: indices into its `records`. */
export interface LegacyOrder {
  readonly peak: Int32Array;
  readonly leaks: Int32Array;
  readonly temporary?: Int32Array;
}

export interface LoadOptions {
  /** Also compute temporary allocations with this threshold (>= 0). */
  readonly temporaryThreshold?: number;
  readonly onProgress?: ProgressFn;
  /**
   * 2: read on two threads (snapshot-pipeline.ts), 1: on this one; default: two for captures
   * big enough to repay the worker's start (PIPELINE_MIN_BYTES), or MEMTREE_READ_THREADS.
   */
  readonly threads?: 1 | 2;
  /**
   * Called about once a second while reading (ALL_ALLOCATIONS captures) with the snapshots of
   * the records read so far (provisional-feed.ts); the capture's `state` then holds every frame
   * and stack they use. It runs inside the pass: keep it short.
   */
  readonly onProvisional?: (p: ProvisionalCapture) => void;
  /** When onProvisional is called: the first time at the first progress point after `firstMs` of reading (default 0: 256 KiB into the data), then every `everyMs` (default 1000). */
  readonly provisionalTiming?: ProvisionalTiming;
}

/**
 * Below this many (estimated) decompressed bytes a capture is read on one thread: starting the
 * worker costs more than the second core saves (measured in `npm run bench -- pipeline`).
 */
export const PIPELINE_MIN_BYTES = 8 << 20;

function useTwoThreads(open: OpenCapture, opts: LoadOptions): boolean {
  const env = process.env['MEMTREE_READ_THREADS'];
  const threads = opts.threads ?? (env === '1' || env === '2' ? Number(env) : undefined);
  if (threads !== undefined) return threads === 2 && pipelineAvailable();
  // LZ4 shrinks memray's records about 3.5-6.7 times.
  const decompressed = open.compressed ? open.fileSize * 4 : open.fileSize;
  return decompressed >= PIPELINE_MIN_BYTES && pipelineAvailable();
}

/**
 * After a TRAILER only zero padding may follow (memray grows raw files in page steps and the
 * LZ4 stream contains that padding). Data there means the TRAILER token was itself damage.
 * Returns the decompressed offset of the first non-zero byte after the TRAILER, if any.
 */
function dataAfterTrailer(sb: StreamBuffer): number | undefined {
  for (;;) {
    for (let i = sb.pos; i < sb.end; i++) if (sb.buf[i] !== 0) return sb.base + i;
    sb.pos = sb.end;
    if (sb.eof || !sb.fill(1)) return undefined;
  }
}

/** Warnings for signs of damage counted while reading. */
function damageWarnings(state: CaptureState, compressed: boolean): string[] {
  const out: string[] = [];
  for (const [what, a] of state.anomalies) {
    const where = compressed ? `byte ${a.firstOffset} of the decompressed data` : `byte ${a.firstOffset}`;
    out.push(`the capture looks damaged: ${a.count} × ${what}, first at ${where}; the tree may be wrong`);
  }
  return out;
}

function describeStop(o: ReadOutcome, compressed: boolean, records: number): string | undefined {
  const what = `the tree uses the ${records} allocation records before it`;
  if (o.end === 'error' && o.error !== undefined) {
    const where = o.error.inFile || !compressed ? `byte ${o.error.offset}` : `byte ${o.error.offset} of the decompressed data`;
    return `reading stopped at ${where}: ${o.error.message}; ${what}`;
  }
  if (o.end === 'end') {
    const where = compressed ? `byte ${o.bytes} of the decompressed data` : `byte ${o.bytes}`;
    return `no TRAILER record: the capture was not finished (was the traced process killed?); reading stopped at ${where}; ${what}`;
  }
  return undefined;
}

/** Reads `path` completely and returns its snapshots. Throws CaptureError / NoSuchFileError. */
export function loadCapture(path: string, opts: LoadOptions = {}): LoadedCapture {
  const open = openCapture(path);
  try {
    return readCapture(open, opts);
  } finally {
    open.close();
  }
}

/** The ALLOCATION records read, and the snapshots they make. */
interface AllocationPass {
  readonly outcome: ReadOutcome;
  result(): SnapshotResult;
}

/** The pass on two threads; undefined if its worker failed (the caller reads again on one thread). */
function twoThreadPass(open: OpenCapture, options: BuilderOptions, read: RecordReader, opts: LoadOptions): AllocationPass | undefined {
  let sink: PipelineSink;
  try {
    sink = new PipelineSink(options, opts.onProvisional !== undefined);
  } catch (err) {
    if (err instanceof PipelineFailed) return undefined;
    throw err;
  }
  try {
    const progress = provisionalProgress(open, sink, opts.onProvisional, opts.onProgress, opts.provisionalTiming);
    const outcome = read(open.buffer, open.header, open.state, sink, progress);
    const result = sink.finish();
    return { outcome, result: () => result };
  } catch (err) {
    if (err instanceof PipelineFailed) return undefined;
    throw err;
  } finally {
    sink.close();
  }
}

/** Reads the records of an open capture and returns its snapshots (the caller closes it). */
export function readCapture(first: OpenCapture, opts: LoadOptions = {}): LoadedCapture {
  let open = first;
  const { path, compressed, header } = open;
  const warnings: string[] = [];

  if (header.fileFormat === FILE_FORMAT_AGGREGATED) {
    if (opts.temporaryThreshold !== undefined && opts.temporaryThreshold >= 0) {
      throw new AggregatedTemporaryError(path);
    }
    const { state } = open;
    const { outcome, allocations, memory } = readAggregatedRecords(open.buffer, header, state, opts.onProgress);
    if (outcome.end === 'error' && allocations.length === 0) {
      const e = outcome.error!;
      if (e.inFile) throw new CaptureError(path, e.message);
      throw new CaptureError(path, `no valid record after the header: ${e.message}`, e.offset, compressed);
    }
    const stop = describeStop(outcome, compressed, allocations.length);
    if (stop !== undefined) warnings.push(stop);
    const base = { path, fileSize: open.fileSize, compressed, header, state };
    const names = state.threadNamesAt(Infinity);
    return {
      ...base,
      totalAllocations: allocations.length,
      peakMemory: allocations.reduce((s, a) => s + a.peakBytes, 0),
      peak: { records: aggregatedOrder(header, aggregatedSnapshot(allocations, 'peak')), threadNames: names },
      leaks: { records: aggregatedOrder(header, aggregatedSnapshot(allocations, 'leaks')), threadNames: names },
      memory: {
        timeMs: Float64Array.from(memory, (m) => m[0]!),
        rss: Float64Array.from(memory, (m) => m[1]!),
        heap: Float64Array.from(memory, (m) => m[2]!),
      },
      bytesRead: outcome.bytes,
      warnings,
    };
  }
  if (header.fileFormat !== FILE_FORMAT_ALL) {
    throw new CaptureError(path, `unknown file format ${header.fileFormat} in the header`, 16);
  }
  const options = { temporaryThreshold: opts.temporaryThreshold, startTime: header.startTime, headerVersion: header.version };
  const read = header.version >= 12 ? readAllocationRecords : readLegacyAllocationRecords;
  // What a later replay of memray 1.19 and older's order must find again (legacyOrderThunk).
  const fingerprint = header.version <= LAST_HASH_ORDERED_VERSION ? fingerprintFd(open.fd).captureId : undefined;
  const twoThreads = useTwoThreads(open, opts);
  let pass = twoThreads ? twoThreadPass(open, options, read, opts) : undefined;
  if (pass === undefined) {
    // One thread, or the pipeline failed (a damaged size its worker refused): read again here,
    // where the builder stops reading at the exact record.
    if (twoThreads) open = reopenCapture(open);
    const builder = new SnapshotBuilder(options);
    const progress = provisionalProgress(open, builderSource(builder), opts.onProvisional, opts.onProgress, opts.provisionalTiming);
    const outcome = read(open.buffer, open.header, open.state, builder, progress);
    pass = { outcome, result: () => builder.finish() };
  }
  const { state } = open;
  const base = { path, fileSize: open.fileSize, compressed, header, state };
  const { outcome } = pass;
  if (outcome.end === 'error' && outcome.allocationRecords === 0) {
    const e = outcome.error!;
    if (e.inFile) throw new CaptureError(path, e.message);
    throw new CaptureError(path, `no valid record after the header: ${e.message}`, e.offset, compressed);
  }
  const stop = describeStop(outcome, compressed, outcome.allocationRecords);
  if (stop !== undefined) warnings.push(stop);
  if (outcome.end === 'trailer') {
    const extra = dataAfterTrailer(open.buffer);
    if (extra !== undefined) {
      const where = compressed ? ' of the decompressed data' : '';
      warnings.push(
        `the capture looks damaged: a TRAILER record at byte ${outcome.bytes}${where} is followed by more data (at byte ${extra}); ` +
          `reading stopped at the TRAILER; the tree uses the ${outcome.allocationRecords} allocation records before it`,
      );
    }
  }
  warnings.push(...damageWarnings(state, compressed));
  const temporaryWarnings: string[] = [];
  const result = pass.result();
  const temporaryOverflow = result.temporaryOverflow;
  if (temporaryOverflow >= 0) {
    temporaryWarnings.push(
      `the capture looks damaged: the temporary allocations add up to more than 2^53 bytes at allocation record ${temporaryOverflow}; ` +
        'the temporary tree counts only the ones before it',
    );
    warnings.push(...temporaryWarnings);
  }
  const lastNames = state.threadNamesAt(result.records - 1);
  const { peak, leaks, temporary } = result;
  const legacyOrder =
    fingerprint !== undefined && [peak, leaks, temporary].some((r) => r !== undefined && hasTies(r))
      ? legacyOrderThunk(path, fingerprint, read, { peak, leaks, temporary, peakIndex: result.peakIndex, records: result.records }, opts.temporaryThreshold)
      : undefined;
  return {
    ...base,
    totalAllocations: result.records,
    peakMemory: result.peakBytes,
    peak: { records: peak, threadNames: state.threadNamesAt(result.peakIndex) },
    leaks: { records: leaks, threadNames: lastNames },
    temporary: temporary === undefined ? undefined : { records: temporary, threadNames: lastNames },
    memory: result.timeline,
    timeline: { data: result.timeline, groups: result.groups, peakRecord: result.peakIndex, records: result.records },
    bytesRead: outcome.bytes,
    warnings,
    temporaryWarnings,
    ...(legacyOrder === undefined ? {} : { legacyOrder }),
  };
}

/** An aggregated snapshot in memray 1.19 and older's order: its LocationKey map filled in file order. */
function aggregatedOrder(header: CaptureHeader, r: SnapshotRecords): SnapshotRecords {
  if (header.version > LAST_HASH_ORDERED_VERSION) return r;
  return permuteRecords(r, locationOrder(r, Array.from({ length: r.length }, (_, k) => k)));
}
