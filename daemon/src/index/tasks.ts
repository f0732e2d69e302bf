/**
 * The slow work of the daemon, as plain synchronous functions that run in a worker thread
 * (see task-worker.ts) or in-process in tests: indexing a capture, adding a temporary mode,
 * building a tree for another -b.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CaptureError, NoSuchFileError } from '../capture/errors.js';
import { loadCapture, openCapture, type LoadedCapture } from '../capture/load.js';
import { openWritable, type WritableDB } from '../db/open.js';
import { captureInfo } from '../tree/tree-document.js';
import { CaptureIndexWriter } from './capture-writer.js';
import { buildAndPersistTree, needsCapture } from './tree-store.js';
import { loadedModes, markComplete, writeMeta, type ModeKey } from './write-index.js';

export const DEFAULT_BIGGEST = 200;

export type Task =
  /** Read the capture and write a complete index file. */
  | { kind: 'index'; path: string; captureId: string; fingerprint: string; indexFile: string; temporaryThreshold?: number }
  /** Add temporary allocations with `threshold` to an existing index. */
  | { kind: 'temporary'; path: string; indexFile: string; threshold: number }
  /** Build and store the tree of (mode, biggest). */
  | { kind: 'tree'; indexFile: string; mode: ModeKey; biggest: number };

export interface TaskProgress {
  readonly phase: 'reading' | 'writing';
  readonly bytes: number;
  readonly totalBytes: number;
  readonly records: number;
}

/** A task failure that crosses the worker boundary as plain data. */
export interface TaskFailure {
  readonly kind: 'not-found' | 'capture' | 'internal';
  readonly message: string;
  readonly path?: string;
  readonly reason?: string;
  readonly offset?: number;
}

export type TaskOutcome = { ok: true; indexMs: number } | { ok: false; failure: TaskFailure };

function failure(err: unknown): TaskFailure {
  if (err instanceof NoSuchFileError) return { kind: 'not-found', message: err.message, path: err.path };
  if (err instanceof CaptureError) {
    return { kind: 'capture', message: err.message, path: err.path, reason: err.reason, offset: err.offset };
  }
  const e = err instanceof Error ? err : new Error(String(err));
  return { kind: 'internal', message: e.stack ?? e.message };
}

function load(taskPath: string, threshold: number | undefined, onProgress: (p: TaskProgress) => void): LoadedCapture {
  const totalBytes = fs.statSync(taskPath).size;
  return loadCapture(taskPath, {
    temporaryThreshold: threshold,
    onProgress: (_decompressed, bytes, records) => onProgress({ phase: 'reading', bytes, totalBytes, records }),
  });
}

function removeDbFiles(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
}

/**
 * Removes what a task stopped part-way leaves behind: an index task's .partial file. (The
 * other tasks write inside one transaction of the real index, which SQLite rolls back.)
 */
export function cleanUpStoppedTask(task: Task): void {
  if (task.kind === 'index') removeDbFiles(`${task.indexFile}.partial`);
}

function writeIndex(db: WritableDB, task: Extract<Task, { kind: 'index' }>, c: LoadedCapture, indexMs: number): void {
  writeMeta(db, {
    captureId: task.captureId,
    path: task.path,
    fingerprint: task.fingerprint,
    info: captureInfo(c, task.path),
    warnings: c.warnings,
    searchPath: c.header.sysPath,
    mainTid: c.header.mainTid,
    skippedFramesOnMainTid: c.header.skippedFramesOnMainTid,
    nativeTraces: c.header.nativeTraces,
    stacksResolved: c.header.nativeTraces,
    aggregated: c.header.fileFormat === 1,
    indexMs,
  });
  const w = new CaptureIndexWriter(db, c, task.indexFile);
  try {
    for (const [key, snap] of loadedModes(c, task.temporaryThreshold)) {
      w.mode(key, snap);
      w.tree(key, snap, DEFAULT_BIGGEST);
    }
  } finally {
    w.close();
  }
  markComplete(db);
}

/** Reads the capture again (another temporary threshold, or a tree bigger than the stored records) and writes with `fn`. */
function withCapture(
  db: WritableDB,
  indexFile: string,
  threshold: number | undefined,
  onProgress: (p: TaskProgress) => void,
  fn: (w: CaptureIndexWriter) => void,
): void {
  const capturePath = JSON.parse((db.prepare("SELECT value FROM meta WHERE key = 'path'").get() as { value: string }).value) as string;
  const c = load(capturePath, threshold, onProgress);
  onProgress({ phase: 'writing', bytes: c.fileSize, totalBytes: c.fileSize, records: c.totalAllocations });
  const w = new CaptureIndexWriter(db, c, indexFile);
  try {
    db.transaction(() => fn(w))();
  } finally {
    w.close();
  }
}

/** Runs a task to completion. Never throws: failures come back as data. */
export function runTask(task: Task, onProgress: (p: TaskProgress) => void = () => {}): TaskOutcome {
  const t0 = performance.now();
  try {
    if (task.kind === 'index') {
      // Aggregated captures have no temporary mode: index what they have; asking for the
      // temporary mode later gives its own clear error.
      const probe = openCapture(task.path);
      const aggregated = probe.header.fileFormat === 1;
      probe.close();
      const threshold = aggregated ? undefined : task.temporaryThreshold;
      const c = load(task.path, threshold, onProgress);
      onProgress({ phase: 'writing', bytes: c.fileSize, totalBytes: c.fileSize, records: c.totalAllocations });
      // Written under another name and renamed when complete: a daemon killed mid-way leaves
      // only a .partial file, which is never opened as an index.
      const partial = `${task.indexFile}.partial`;
      removeDbFiles(partial);
      fs.mkdirSync(path.dirname(partial), { recursive: true });
      const db = openWritable(partial);
      try {
        db.transaction(() => writeIndex(db, { ...task, temporaryThreshold: threshold }, c, Math.round(performance.now() - t0)))();
        db.pragma('wal_checkpoint(TRUNCATE)');
        db.pragma('journal_mode = DELETE');
      } finally {
        db.close();
      }
      removeDbFiles(task.indexFile);
      fs.renameSync(partial, task.indexFile);
      removeDbFiles(partial);
    } else if (task.kind === 'temporary') {
      const db = openWritable(task.indexFile);
      try {
        const key = `temp:${task.threshold}`;
        withCapture(db, task.indexFile, task.threshold, onProgress, (w) => {
          w.mode(key, w.snapshot(key));
          w.tree(key, w.snapshot(key), DEFAULT_BIGGEST);
        });
      } finally {
        db.close();
      }
    } else {
      const db = openWritable(task.indexFile);
      try {
        if (!needsCapture(db, task.mode, task.biggest)) db.transaction(() => buildAndPersistTree(db, task.mode, task.biggest))();
        else {
          // More records than the index stores: build this tree from the capture itself.
          const threshold = task.mode.startsWith('temp:') ? Number(task.mode.slice(5)) : undefined;
          withCapture(db, task.indexFile, threshold, onProgress, (w) => w.tree(task.mode, w.snapshot(task.mode), task.biggest));
        }
      } finally {
        db.close();
      }
    }
    return { ok: true, indexMs: Math.round(performance.now() - t0) };
  } catch (err) {
    return { ok: false, failure: failure(err) };
  }
}
