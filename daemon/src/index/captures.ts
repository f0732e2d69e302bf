/**
 * The captures the daemon knows: finding or building a capture's index, opening it for
 * queries, building missing modes and trees through Jobs, and discarding stale or corrupt
 * index files. All database access of the main thread goes through here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from 'pino';
import { ResponseError } from 'vscode-jsonrpc';
import { MemtreeErrorCodes } from '../../../protocol/src/errors.js';
import type { SnapshotMode } from '../../../protocol/src/tree-document.js';
import { AGGREGATED_HAS_NO_TEMPORARY, aggregatedTemporaryMessage, fileProblemOf, NoSuchFileError } from '../capture/errors.js';
import { checkCaptureFile } from '../capture/load.js';
import { openReadable, removeDatabase, type ReadableDB } from '../db/open.js';
import { fingerprint, pathKey } from '../capture/fingerprint.js';
import { checkOutcome, forgotten, notFound, unknownCapture } from './capture-errors.js';
import { DEFAULT_CACHE_SIZE, directoryBytes, evictionVictims, INDEX_NAME, indexFiles } from './index-budget.js';
import { Jobs, type CancelSignal } from './jobs.js';
import { OpenIndexes, type OpenIndex } from './open-indexes.js';
import { CaptureVersions, changedError } from './versions.js';
import { ProvisionalStore } from './provisional-store.js';
import { hasMode, metaValue, orderPending } from './queries.js';
import { storedModeOf } from './range-views.js';
import { viewData } from './view-store.js';
import type { ViewData } from '../tree/view-data.js';
import { cleanUpStoppedTask, temporaryWarningsKey, type Task, type TaskOutcome, type TaskProgress } from './tasks.js';
import { modeKey } from './write-index.js';

export type { OpenIndex } from './open-indexes.js';

export type ProgressSink = (p: TaskProgress & { captureId: string; path: string }) => void;

/** How many resources the daemon's indexes may hold. */
export interface CaptureLimits {
  /** Index databases kept open at most (3 file descriptors each); the least recently used close first. */
  readonly maxOpen: number;
  /** An open index unused for this long is closed (it reopens on its next request). */
  readonly idleCloseMs: number;
  /** Budget of the index directory in bytes: least recently opened indexes beyond it are deleted. */
  readonly cacheSizeBytes: number;
}

export const DEFAULT_LIMITS: CaptureLimits = { maxOpen: 16, idleCloseMs: 60_000, cacheSizeBytes: DEFAULT_CACHE_SIZE };

/** What the daemon's indexes use, for daemon/status. */
export interface CaptureUsage {
  readonly openCaptures: number;
  readonly indexBytes: number;
  readonly limits: CaptureLimits;
}

function indexName(absPath: string, captureId: string): string {
  return `${pathKey(absPath)}-${captureId}.sqlite`;
}

export class Captures {
  /** Open index databases. */
  private readonly open: OpenIndexes;
  /** The file version of each capture id; requests with a changed one fail with CaptureChanged. */
  private readonly versions = new CaptureVersions();
  /** Captures being forgotten: the index goes once their jobs end (see forget). */
  private readonly forgetting = new Map<string, Promise<void>>();
  readonly limits: CaptureLimits;
  /** Provisional trees of the captures being indexed now. */
  readonly provisional = new ProvisionalStore();

  constructor(
    readonly indexDir: string,
    readonly jobs: Jobs,
    private readonly log: Logger,
    limits: Partial<CaptureLimits> = {},
  ) {
    fs.mkdirSync(indexDir, { recursive: true, mode: 0o700 });
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.open = new OpenIndexes(this.limits, (id) => this.busy(id), log);
    jobs.observe(this.provisional);
  }

  /** Whether a job works on the capture now: its index must stay open and must not be deleted. */
  private busy(captureId: string): boolean {
    return this.jobs.list().some((j) => j.captureId === captureId);
  }

  /** Closes indexes unused for the idle time; returns how many. Called periodically. */
  sweep(now = Date.now()): number {
    return this.open.sweep(now);
  }

  /** Deletes the least recently opened indexes beyond the size budget, never an open one or one a job works on. */
  enforceBudget(): void {
    for (const v of evictionVictims(this.indexDir, this.limits.cacheSizeBytes, (id) => this.open.has(id) || this.busy(id))) {
      this.log.info({ file: v.file, bytes: v.bytes }, 'index evicted: the index directory is over its size budget');
      removeDatabase(v.file);
    }
  }

  /** What the indexes use now. */
  usage(): CaptureUsage {
    return { openCaptures: this.open.size, indexBytes: directoryBytes(this.indexDir), limits: this.limits };
  }

  /** Deletes indexes of older versions of the file at `absPath`. */
  private removeStale(absPath: string, captureId: string): void {
    const key = pathKey(absPath);
    for (const f of fs.readdirSync(this.indexDir)) {
      const m = INDEX_NAME.exec(f);
      if (m === null || m[1] !== key || m[2] === captureId) continue;
      this.close(m[2]!);
      this.log.info({ file: f }, 'removing the index of a changed capture');
      removeDatabase(path.join(this.indexDir, f));
    }
  }

  /** Finds or builds the index of the capture at `p`; waits for indexing (with progress). */
  async openCapture(
    p: string,
    cwd: string,
    modes: readonly SnapshotMode[],
    progress: ProgressSink,
    token?: CancelSignal,
    force = false,
  ): Promise<{ index: OpenIndex; indexed: boolean; indexMs: number; warnings: readonly string[] }> {
    const abs = path.resolve(cwd, p);
    try {
      checkCaptureFile(abs, p);
    } catch (err) {
      if (err instanceof NoSuchFileError) throw notFound(err);
      throw err;
    }
    let captureId: string;
    try {
      const f = fingerprint(abs);
      captureId = f.captureId;
      this.versions.opened(captureId, f.identity);
    } catch (err) {
      throw notFound(new NoSuchFileError(p, fileProblemOf(err)));
    }
    const file = path.join(this.indexDir, indexName(abs, captureId));
    let indexed = false;
    let indexMs = 0;
    for (let attempt = 1; ; attempt++) {
      // A capture/forget of this version ends first (it waits for the capture's jobs).
      await this.forgetting.get(captureId);
      this.removeStale(abs, captureId);
      if (force && attempt === 1) {
        // An order job writes into the index being discarded: it goes first.
        await this.jobs.stopBackground(captureId);
        this.discard(captureId, file);
      }
      let index = this.open.tryOpen(captureId, file);
      if (index === undefined) {
        const temp = modes.find((m) => m.kind === 'temporary');
        const task: Task = { kind: 'index', captureId, path: abs, indexFile: file, temporaryThreshold: temp?.kind === 'temporary' ? temp.threshold : undefined };
        const outcome = await this.jobs.run(task, (pr) => progress({ ...pr, captureId, path: abs }), token);
        // A failed pass (a full disk) leaves its .partial file: remove it unless a new job owns it.
        if (!outcome.ok && !this.busy(captureId)) cleanUpStoppedTask(task);
        indexMs += this.check(outcome, captureId, p);
        indexed = true;
        if (!this.forgetting.has(captureId)) index = this.open.tryOpen(captureId, file);
        this.enforceBudget();
      }
      if (index !== undefined) {
        for (const m of modes) if (this.isOpen(index)) await this.ensureMode(index, m, progress, token, p);
        if (this.isOpen(index)) {
          this.assertUnchanged(index, p);
          return { index, indexed, indexMs, warnings: this.warnings(index, modes) };
        }
      }
      // Forgotten by another client while this open waited: open it again.
      if (attempt >= 3) throw new ResponseError(MemtreeErrorCodes.UnknownCapture, `${p} was forgotten (capture/forget) while it was being opened`);
    }
  }

  /** The capture's warnings, with those about the temporary snapshots of `modes`. */
  private warnings(index: OpenIndex, modes: readonly SnapshotMode[]): readonly string[] {
    const out = [...index.warnings];
    for (const m of modes) if (m.kind === 'temporary') out.push(...(metaValue<string[]>(index.db, temporaryWarningsKey(m.threshold)) ?? []));
    return out;
  }

  /** Whether `index` is still open and not being forgotten (its database usable). */
  private isOpen(index: OpenIndex): boolean {
    return this.open.peek(index.captureId) === index && !this.forgetting.has(index.captureId);
  }

  /** The open index of a capture id, if its file is still that version (else CaptureChanged). */
  get(captureId: string): OpenIndex {
    if (this.forgetting.has(captureId)) throw forgotten(captureId);
    if (this.versions.isChanged(captureId) && !this.open.has(captureId)) throw changedError(captureId);
    // An id from capture/list (or from before a restart, or closed when idle) names an index on disk: open it.
    const open = this.open.peek(captureId);
    const idx = open !== undefined ? this.open.use(open) : this.openListed(captureId);
    if (idx === undefined) throw unknownCapture(captureId);
    this.assertUnchanged(idx);
    return idx;
  }

  /** Throws CaptureChanged unless the capture's file is still the version its id names. */
  private assertUnchanged(idx: OpenIndex, shownAs = idx.path): void {
    const known = this.versions.isChanged(idx.captureId);
    if (this.versions.unchanged(idx.path, idx.captureId)) return;
    if (!known) this.log.info({ captureId: idx.captureId, path: idx.path }, 'capture changed since it was opened');
    throw changedError(shownAs);
  }

  /** The outcome of a job for capture `captureId`, or its error (a changed file marks the id). */
  private check(outcome: TaskOutcome, captureId: string, shownAs?: string): number {
    if (!outcome.ok && outcome.failure.kind === 'changed') this.versions.markChanged(captureId);
    return checkOutcome(outcome, shownAs, this.indexDir);
  }

  /** Opens the complete index file of `captureId` found in the index directory, if any. */
  private openListed(captureId: string): OpenIndex | undefined {
    if (!/^[0-9a-f]{24}$/.test(captureId)) return undefined;
    const f = fs.readdirSync(this.indexDir).find((name) => INDEX_NAME.exec(name)?.[2] === captureId);
    return f === undefined ? undefined : this.open.tryOpen(captureId, path.join(this.indexDir, f));
  }

  /** Makes sure the index has `mode` (temporary modes are computed on first use); errors name the file as `shownAs`. */
  async ensureMode(index: OpenIndex, mode: SnapshotMode, progress: ProgressSink, token?: CancelSignal, shownAs = index.path): Promise<void> {
    const key = modeKey(mode);
    if (hasMode(index.db, key)) return;
    if (mode.kind !== 'temporary') throw new ResponseError(-32603, `index of ${index.path} lacks mode ${key}`);
    if (index.info.fileFormat === 'aggregated') {
      const reason = AGGREGATED_HAS_NO_TEMPORARY;
      throw new ResponseError(MemtreeErrorCodes.ModeUnavailable, aggregatedTemporaryMessage(shownAs), {
        path: index.path,
        reason,
      });
    }
    this.check(
      await this.jobs.run(
        { kind: 'temporary', captureId: index.captureId, path: index.path, indexFile: index.file, threshold: mode.threshold },
        (pr) => progress({ ...pr, captureId: index.captureId, path: index.path }),
        token,
      ),
      index.captureId,
      shownAs,
    );
    // Forgotten (capture/forget) while the job ran: the database is closed.
    if (!this.isOpen(index)) throw forgotten(index.captureId);
    this.enforceBudget(); // the index grew by a mode
  }

  /**
   * Makes sure the records a view of view-store key `key` reads are in memray's order when its
   * answer depends on it: when memray 1.19 and older's order of their stored mode is still
   * pending (memray-order.ts) and `sensitive` says the view depends on the order
   * (tree/order-sensitivity.ts, over the pass's records: their sizes are memray's), waits for
   * the capture's order job, started if none runs (after a restart). A pending order is never
   * served to such a view: a failed job is its error (CaptureChanged for a changed file).
   */
  async memrayOrder(index: OpenIndex, key: string, sensitive: (data: ViewData) => boolean, progress?: ProgressSink, token?: CancelSignal, shownAs = index.path): Promise<void> {
    const stored = storedModeOf(index.db, key);
    if (stored === undefined || !orderPending(index.db, stored) || !sensitive(viewData(index.db, key))) return;
    const task: Task = { kind: 'order', captureId: index.captureId, path: index.path, indexFile: index.file };
    // A second run when the first joined a job that did not resolve this index's order.
    for (let run = 0; run < 2 && orderPending(index.db, stored); run++) {
      let outcome: TaskOutcome;
      try {
        outcome = await this.jobs.run(task, progress === undefined ? undefined : (pr) => progress({ ...pr, captureId: index.captureId, path: index.path }), token);
      } catch (err) {
        if (!this.isOpen(index)) throw forgotten(index.captureId);
        throw err;
      }
      this.check(outcome, index.captureId, shownAs);
      if (!this.isOpen(index)) throw forgotten(index.captureId);
    }
    if (orderPending(index.db, stored)) throw new ResponseError(-32603, `internal error: memray's record order of ${shownAs} is still pending`);
  }

  /**
   * The complete indexes in the index directory. Indexes not open stay closed: only their
   * `path` is read, on a short-lived connection (a listing should not hold every file open).
   */
  list(): { captureId: string; path: string; indexBytes: number; lastOpened: number; open: boolean }[] {
    const out: { captureId: string; path: string; indexBytes: number; lastOpened: number; open: boolean }[] = [];
    for (const f of indexFiles(this.indexDir)) {
      const open = this.open.peek(f.captureId);
      const capturePath = open?.path ?? this.peekPath(f.file);
      if (capturePath === undefined) continue;
      out.push({ captureId: f.captureId, path: capturePath, indexBytes: f.bytes, lastOpened: f.lastOpened, open: open !== undefined });
    }
    return out;
  }

  /** The capture path of a complete index file that is not open, or undefined. */
  private peekPath(file: string): string | undefined {
    let db: ReadableDB | undefined;
    try {
      db = openReadable(file);
      return metaValue<number>(db, 'complete') === 1 ? metaValue<string>(db, 'path') : undefined;
    } catch {
      return undefined; // unreadable: the next capture/open of it rebuilds it
    } finally {
      db?.close();
    }
  }

  /**
   * Deletes a capture's index. The capture's running jobs (indexing, a temporary mode, a tree)
   * end first; meanwhile and afterwards requests with the id fail with UnknownCapture, and a
   * capture/open of the file waits, then indexes it again.
   */
  forget(captureId: string): Promise<void> {
    const pending = this.forgetting.get(captureId);
    if (pending !== undefined) return pending;
    const idx = this.open.peek(captureId) ?? this.openListed(captureId);
    if (idx === undefined) throw unknownCapture(captureId);
    // Its order job serves only later views: stopped, not waited for.
    const done = this.jobs.stopBackground(captureId).then(() => this.jobs.idle(captureId)).then(() => {
      this.discard(captureId, idx.file);
      this.forgetting.delete(captureId);
    });
    this.forgetting.set(captureId, done);
    return done;
  }

  /** Closes a capture's index, if open, and deletes its file (the next open rebuilds it). */
  discard(captureId: string, file = this.open.peek(captureId)?.file): void {
    this.close(captureId);
    if (file !== undefined) removeDatabase(file);
  }

  close(captureId: string): void {
    this.open.close(captureId);
  }

  /**
   * Deletes the indexes of the capture at `absPath` (every version), or every index; indexes a
   * job works on now are kept. Returns what was removed and what was kept.
   */
  clear(absPath?: string): { removed: number; freedBytes: number; kept: number } {
    const key = absPath === undefined ? undefined : pathKey(absPath);
    let removed = 0;
    let freedBytes = 0;
    let kept = 0;
    for (const f of indexFiles(this.indexDir)) {
      if (key !== undefined && f.pathKey !== key) continue;
      if (this.busy(f.captureId)) {
        kept++;
        continue;
      }
      this.discard(f.captureId, f.file);
      removed++;
      freedBytes += f.bytes;
    }
    return { removed, freedBytes, kept };
  }

  closeAll(): void {
    this.open.closeAll();
  }

  /** Open captures, for status. */
  openCaptures(): OpenIndex[] {
    return this.open.all();
  }
}
