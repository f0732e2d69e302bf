/**
 * The slow work of the daemon, as plain synchronous functions that run in a worker thread
 * (see task-worker.ts) or in-process in tests: indexing a capture, adding a temporary mode.
 * Trees are not tasks: views are computed from the stored records (index/view-store.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SnapshotMode } from '../../../protocol/src/tree-document.js';
import { CaptureError, NoSuchFileError } from '../capture/errors.js';
import { FILE_FORMAT_AGGREGATED } from '../capture/header.js';
import { checkStillVersion, openVersion, readCapture, type LoadedCapture, type ProvisionalCapture, type Snapshot } from '../capture/load.js';
import type { ProgressFn } from '../capture/records.js';
import { openWritable, removeDatabase, type WritableDB } from '../db/open.js';
import { captureInfo, snapshotFor } from '../tree/tree-document.js';
import { CaptureIndexWriter } from './capture-writer.js';
import { CaptureChangedError } from '../capture/fingerprint.js';
import { ProvisionalViews, type ProvisionalMessage } from './provisional.js';
import { markOrderPending, passOrderGate, resolvePendingOrder } from './memray-order.js';
import { metaValue, pendingModes } from './queries.js';
import { writeTimeline } from './timeline-store.js';
import { loadedModes, markComplete, modeKey, temporaryThresholdOf, writeMeta } from './write-index.js';

export const DEFAULT_BIGGEST = 200;

export type Task =
  /** Read the capture and write a complete index file. */
  | {
      kind: 'index';
      captureId: string;
      path: string;
      indexFile: string;
      temporaryThreshold?: number;
      /** Int32Array flag, non-zero once a client asked for a tree of this capture while it is indexed (Jobs.wantProvisional); absent: always. */
      provisionalWanted?: SharedArrayBuffer;
    }
  /** Add temporary allocations with `threshold` to an existing index. */
  | { kind: 'temporary'; captureId: string; path: string; indexFile: string; threshold: number }
  /**
   * Resolve memray 1.19 and older's record order of a complete index's pending modes
   * (memray-order.ts). Index and temporary jobs do this themselves once their rows are written
   * (handing their job over to this key); as a task of its own it reads the capture again
   * first (after a restart, a stopped job, or a handover refused: another order job ran).
   */
  | { kind: 'order'; captureId: string; path: string; indexFile: string };

/** The job key of a task: requests for the same work share one job. */
export function taskKey(t: Task): string {
  if (t.kind === 'index') return `index:${t.captureId}`;
  if (t.kind === 'order') return `order:${t.captureId}`;
  return `temporary:${t.captureId}:${t.threshold}`;
}

export interface TaskProgress {
  /** 'ordering': reading the capture a second time, for memray 1.19 and older's record order. */
  readonly phase: 'reading' | 'ordering' | 'writing';
  readonly bytes: number;
  readonly totalBytes: number;
  readonly records: number;
}

/** A task failure that crosses the worker boundary as plain data. */
export interface TaskFailure {
  /** 'changed': the file is no longer the version of the task's capture id (CaptureChangedError). */
  readonly kind: 'not-found' | 'capture' | 'changed' | 'internal';
  readonly message: string;
  readonly path?: string;
  readonly reason?: string;
  readonly offset?: number;
  /** Whether `offset` counts decompressed bytes. */
  readonly decompressed?: boolean;
}

export type TaskOutcome = { ok: true; indexMs: number } | { ok: false; failure: TaskFailure };

/** A task's outcome, and for an index or temporary task that left memray's order pending, the order phase to run next (as its 'order' task). */
export interface TaskRun {
  readonly outcome: TaskOutcome;
  readonly order?: () => TaskOutcome;
}

/** The order task of the capture a task reads. */
export function orderTaskOf(t: Task): Extract<Task, { kind: 'order' }> {
  return { kind: 'order', captureId: t.captureId, path: t.path, indexFile: t.indexFile };
}

function failure(err: unknown): TaskFailure {
  if (err instanceof CaptureChangedError) return { kind: 'changed', message: err.message, path: err.path };
  if (err instanceof NoSuchFileError) return { kind: 'not-found', message: err.message, path: err.path, reason: err.problem };
  if (err instanceof CaptureError) {
    return { kind: 'capture', message: err.message, path: err.path, reason: err.reason, offset: err.offset, decompressed: err.decompressed };
  }
  const e = err instanceof Error ? err : new Error(String(err));
  return { kind: 'internal', message: e.stack ?? e.message };
}

/**
 * Reads the capture at `capturePath`, which must be the version `captureId` names: the file
 * opened is checked against it before reading, and both the open file and the path after
 * reading (a file rewritten in place, or replaced by another, fails with CaptureChangedError, so
 * nothing read from it is ever stored). Aggregated captures have no temporary mode: the
 * threshold is dropped for them (asking for that mode gives its own error, see Captures).
 */
function load(
  capturePath: string,
  captureId: string,
  threshold: number | undefined,
  onProgress: (p: TaskProgress) => void,
  onProvisional?: (m: ProvisionalMessage) => void,
  provisionalWanted?: SharedArrayBuffer,
): LoadedCapture {
  const wanted = provisionalWanted === undefined ? undefined : new Int32Array(provisionalWanted);
  const open = openVersion(capturePath, captureId);
  try {
    const read = readCapture(open, {
      temporaryThreshold: open.header.fileFormat === FILE_FORMAT_AGGREGATED ? undefined : threshold,
      onProgress: (_decompressed, bytes, records) => onProgress({ phase: 'reading', bytes, totalBytes: open.fileSize, records }),
      // Native captures get no provisional trees (provisional.ts): their pass asks for no snapshots.
      onProvisional: onProvisional === undefined || open.header.nativeTraces ? undefined : provisionalSink(onProvisional),
      ...(wanted === undefined ? {} : { provisionalTiming: { wanted: () => Atomics.load(wanted, 0) !== 0 } }),
    });
    // Jobs store the pass's order: memray 1.19 and older's is resolved later (memray-order.ts).
    checkStillVersion(open, capturePath, captureId);
    return read;
  } finally {
    open.close();
  }
}

/** The progress of the read for memray 1.19 and older's order (LoadedCapture.legacyOrder) as the task's. */
function orderingProgress(onProgress: (p: TaskProgress) => void, totalBytes: number): ProgressFn {
  return (_decompressed, bytes, records) => onProgress({ phase: 'ordering', bytes, totalBytes, records });
}

/** Provisional snapshots of one pass as messages (provisional.ts). */
function provisionalSink(post: (m: ProvisionalMessage) => void): (p: ProvisionalCapture) => void {
  const views = new ProvisionalViews();
  return (p) => {
    const m = views.message(p);
    if (m !== undefined) post(m);
  };
}

/**
 * Removes what a task stopped part-way leaves behind: an index task's .partial file. (The
 * other tasks write inside one transaction of the real index, which SQLite rolls back.)
 */
export function cleanUpStoppedTask(task: Task): void {
  if (task.kind === 'index') removeDatabase(`${task.indexFile}.partial`);
}

function writeIndex(db: WritableDB, task: Extract<Task, { kind: 'index' }>, c: LoadedCapture): void {
  writeMeta(db, {
    path: task.path,
    info: captureInfo(c, task.path),
    // Warnings about the temporary snapshot only are kept per threshold (temporaryWarningsKey).
    warnings: c.warnings.filter((w) => !(c.temporaryWarnings ?? []).includes(w)),
    searchPath: c.header.sysPath,
    skippedFramesOnMainTid: c.header.skippedFramesOnMainTid,
  });
  const w = new CaptureIndexWriter(db, c, task.indexFile);
  try {
    for (const [key, snap] of loadedModes(c, task.temporaryThreshold)) {
      w.mode(key, snap);
    }
    writeTimeline(db, w, c);
  } finally {
    w.close();
  }
  // Stored in the pass's order: memray 1.19 and older's is resolved after the index is complete.
  if (c.legacyOrder !== undefined) markOrderPending(db, loadedModes(c, task.temporaryThreshold).map(([key]) => key));
  if (task.temporaryThreshold !== undefined) putTemporaryWarnings(db, task.temporaryThreshold, c);
  markComplete(db);
}

/** The meta key of the warnings that concern only the temporary snapshot of `threshold`. */
export function temporaryWarningsKey(threshold: number): string {
  return `warnings:temp:${threshold}`;
}

function putTemporaryWarnings(db: WritableDB, threshold: number, c: LoadedCapture): void {
  const w = c.temporaryWarnings ?? [];
  if (w.length > 0) db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(temporaryWarningsKey(threshold), JSON.stringify(w));
}

/** Reads the capture again for `mode` (a new temporary threshold) and writes with `fn`. */
function withCapture(
  db: WritableDB,
  captureId: string,
  indexFile: string,
  mode: SnapshotMode,
  onProgress: (p: TaskProgress) => void,
  fn: (w: CaptureIndexWriter, snap: Snapshot, c: LoadedCapture) => void,
): void {
  const c = load(metaValue<string>(db, 'path')!, captureId, mode.kind === 'temporary' ? mode.threshold : undefined, onProgress);
  onProgress({ phase: 'writing', bytes: c.fileSize, totalBytes: c.fileSize, records: c.totalAllocations });
  // One write transaction from the first read of the stored rows (the writer numbers new
  // locations and stacks after them) to the commit: other jobs writing into this index (another
  // temporary threshold, a tree) wait for it instead of numbering the same rows.
  db.transaction(() => {
    const w = new CaptureIndexWriter(db, c, indexFile);
    try {
      fn(w, snapshotFor(c, mode), c);
    } finally {
      w.close();
    }
  }).immediate();
}

/**
 * Writes a complete index: under another name, renamed when complete, so a daemon killed
 * mid-way leaves only a .partial file, never opened as an index. Returns the order phase when
 * memray's order is pending (the pass's records stay in memory for it).
 */
function indexCapture(task: Extract<Task, { kind: 'index' }>, onProgress: (p: TaskProgress) => void, onProvisional?: (m: ProvisionalMessage) => void): (() => void) | undefined {
  const c = load(task.path, task.captureId, task.temporaryThreshold, onProgress, onProvisional, task.provisionalWanted);
  onProgress({ phase: 'writing', bytes: c.fileSize, totalBytes: c.fileSize, records: c.totalAllocations });
  const partial = `${task.indexFile}.partial`;
  removeDatabase(partial);
  fs.mkdirSync(path.dirname(partial), { recursive: true });
  const db = openWritable(partial);
  try {
    db.transaction(() => writeIndex(db, task, c))();
  } finally {
    // The last connection's close checkpoints the WAL into the file and removes it: the
    // renamed file is complete on its own.
    db.close();
  }
  removeDatabase(task.indexFile);
  fs.renameSync(partial, task.indexFile);
  return orderPhase(task.indexFile, c, task.temporaryThreshold, onProgress);
}

/** The order phase of a job that stored capture `c`'s records in its pass's order (none when memray's order is that order). */
function orderPhase(indexFile: string, c: LoadedCapture, threshold: number | undefined, onProgress: (p: TaskProgress) => void): (() => void) | undefined {
  if (c.legacyOrder === undefined) return undefined;
  return () => withIndex(indexFile, (db) => (passOrderGate(), resolvePendingOrder(db, c, threshold, orderingProgress(onProgress, c.fileSize))));
}

/** Runs `fn` on the existing index `file` (a job must never create one: the index may have been forgotten meanwhile). */
function withIndex(file: string, fn: (db: WritableDB) => void): void {
  if (!fs.existsSync(file)) return;
  const db = openWritable(file, undefined, true);
  try {
    fn(db);
  } finally {
    db.close();
  }
}

/**
 * The order task: reads the capture again, then resolves the order; one read per pending
 * temporary threshold (a read holds one), the first of which also resolves peak and leaks.
 */
function orderIndex(task: Extract<Task, { kind: 'order' }>, onProgress: (p: TaskProgress) => void): void {
  withIndex(task.indexFile, (db) => {
    let pending = pendingModes(db);
    if (pending.length > 0) passOrderGate();
    while (pending.length > 0) {
      // A temporary mode first: its read holds peak and leaks too.
      const key = pending.find((k) => temporaryThresholdOf(k) !== undefined) ?? pending[0]!;
      const threshold = temporaryThresholdOf(key);
      const c = load(task.path, task.captureId, threshold, onProgress);
      resolvePendingOrder(db, c, threshold, orderingProgress(onProgress, c.fileSize));
      pending = pendingModes(db);
      // Never the same read twice (resolvePendingOrder throws rather than leave its modes).
      if (pending.includes(key)) throw new Error(`memray's order of mode ${key} was not resolved`);
    }
  });
}

/** `fn`'s outcome, timed. Never throws: failures come back as data. */
function outcomeOf(fn: () => void): TaskOutcome {
  const t0 = performance.now();
  try {
    fn();
    return { ok: true, indexMs: Math.round(performance.now() - t0) };
  } catch (err) {
    return { ok: false, failure: failure(err) };
  }
}

/** Runs a task and its order phase, if any, to completion (see startTask). Never throws. */
export function runTask(task: Task, onProgress: (p: TaskProgress) => void = () => {}, onProvisional?: (m: ProvisionalMessage) => void): TaskOutcome {
  const run = startTask(task, onProgress, onProvisional);
  return run.outcome.ok && run.order !== undefined ? run.order() : run.outcome;
}

/**
 * Runs a task; an index or temporary task's order phase, if memray's order is pending, is left to the
 * caller (TaskRun.order). Never throws: failures come back as data. An index task hands
 * `onProvisional` the provisional snapshots of its pass (about one a second).
 */
export function startTask(task: Task, onProgress: (p: TaskProgress) => void = () => {}, onProvisional?: (m: ProvisionalMessage) => void): TaskRun {
  let order: (() => void) | undefined;
  const outcome = outcomeOf(() => {
    if (task.kind === 'index') order = indexCapture(task, onProgress, onProvisional);
    else if (task.kind === 'order') orderIndex(task, onProgress);
    else {
      const db = openWritable(task.indexFile);
      try {
        const mode: SnapshotMode = { kind: 'temporary', threshold: task.threshold };
        withCapture(db, task.captureId, task.indexFile, mode, onProgress, (w, snap, c) => {
          putTemporaryWarnings(db, task.threshold, c);
          w.mode(modeKey(mode), snap);
          // Stored in the pass's order, like an index's modes: memray's is resolved after the answer.
          if (c.legacyOrder !== undefined) markOrderPending(db, [modeKey(mode)]);
          order = orderPhase(task.indexFile, c, task.threshold, onProgress);
        });
      } finally {
        db.close();
      }
    }
  });
  const then = order;
  return outcome.ok && then !== undefined ? { outcome, order: () => outcomeOf(then) } : { outcome };
}
