/**
 * The captures the daemon knows: finding or building a capture's index, opening it for
 * queries, building missing modes and trees through Jobs, and discarding stale or corrupt
 * index files. All database access of the main thread goes through here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from 'pino';
import { ResponseError } from 'vscode-jsonrpc';
import { MemtreeErrorCodes, type CaptureErrorData } from '../../../protocol/src/errors.js';
import type { CaptureInfo, SnapshotMode } from '../../../protocol/src/tree-document.js';
import { SCHEMA_VERSION } from '../db/migrate.js';
import { openReadable, type ReadableDB } from '../db/open.js';
import { fingerprint, pathKey } from './fingerprint.js';
import { Jobs, type CancelSignal } from './jobs.js';
import { findTree, hasMode, metaValue } from './queries.js';
import type { TaskFailure, TaskOutcome, TaskProgress } from './tasks.js';
import { modeKey } from './write-index.js';

export interface OpenIndex {
  readonly captureId: string;
  readonly path: string;
  readonly file: string;
  readonly db: ReadableDB;
  readonly info: CaptureInfo;
  readonly warnings: readonly string[];
  readonly searchPath: readonly string[];
  readonly aggregated: boolean;
  readonly indexMs: number;
}

export type ProgressSink = (p: TaskProgress & { captureId: string; path: string }) => void;

/** Maps a task failure to the JSON-RPC error a client gets. */
export function failureError(f: TaskFailure): ResponseError<CaptureErrorData | undefined> {
  if (f.kind === 'not-found') {
    return new ResponseError(MemtreeErrorCodes.CaptureNotFound, f.message, { path: f.path!, reason: 'No such file' });
  }
  if (f.kind === 'capture') {
    const code = /pre-aggregated/.test(f.reason ?? '') ? MemtreeErrorCodes.ModeUnavailable : MemtreeErrorCodes.CaptureInvalid;
    return new ResponseError(code, f.message, { path: f.path!, reason: f.reason!, offset: f.offset });
  }
  return new ResponseError(-32603, `internal error: ${f.message.split('\n')[0]}`, undefined);
}

function check(outcome: TaskOutcome): number {
  if (!outcome.ok) throw failureError(outcome.failure);
  return outcome.indexMs;
}

export class Captures {
  private readonly open = new Map<string, OpenIndex>();

  constructor(
    readonly indexDir: string,
    readonly jobs: Jobs,
    private readonly log: Logger,
  ) {
    fs.mkdirSync(indexDir, { recursive: true, mode: 0o700 });
  }

  private indexFile(absPath: string, captureId: string): string {
    return path.join(this.indexDir, `${pathKey(absPath)}-${captureId}.sqlite`);
  }

  /** Opens an index file if it is complete and sound; otherwise deletes it and returns undefined. */
  private tryOpen(captureId: string, file: string): OpenIndex | undefined {
    const cached = this.open.get(captureId);
    if (cached !== undefined) return cached;
    if (!fs.existsSync(file)) return undefined;
    let db: ReadableDB | undefined;
    try {
      db = openReadable(file);
      const version = db.pragma('user_version', { simple: true }) as number;
      const ok = (db.pragma('quick_check', { simple: true }) as string) === 'ok';
      if (version !== SCHEMA_VERSION || !ok || metaValue<number>(db, 'complete') !== 1) {
        throw new Error(`index ${file} is incomplete, corrupt or of another schema`);
      }
      const idx: OpenIndex = {
        captureId,
        path: metaValue<string>(db, 'path')!,
        file,
        db,
        info: metaValue<CaptureInfo>(db, 'info')!,
        warnings: metaValue<string[]>(db, 'warnings') ?? [],
        searchPath: metaValue<string[]>(db, 'searchPath') ?? [],
        aggregated: metaValue<boolean>(db, 'aggregated') ?? false,
        indexMs: metaValue<number>(db, 'indexMs') ?? 0,
      };
      this.open.set(captureId, idx);
      return idx;
    } catch (err) {
      this.log.warn({ err, file }, 'discarding index');
      db?.close();
      this.deleteFiles(file);
      return undefined;
    }
  }

  private deleteFiles(file: string): void {
    for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
  }

  /** Deletes indexes of older versions of the file at `absPath`. */
  private removeStale(absPath: string, captureId: string): void {
    const prefix = `${pathKey(absPath)}-`;
    for (const f of fs.readdirSync(this.indexDir)) {
      if (!f.startsWith(prefix) || !f.endsWith('.sqlite') || f === `${prefix}${captureId}.sqlite`) continue;
      const id = f.slice(prefix.length, -'.sqlite'.length);
      this.close(id);
      this.log.info({ file: f }, 'removing the index of a changed capture');
      this.deleteFiles(path.join(this.indexDir, f));
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
  ): Promise<{ index: OpenIndex; indexed: boolean; indexMs: number }> {
    const abs = path.resolve(cwd, p);
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(abs);
    } catch {
      st = undefined;
    }
    if (st === undefined || !st.isFile()) {
      throw new ResponseError(MemtreeErrorCodes.CaptureNotFound, `No such file: ${p}`, { path: p, reason: 'No such file' });
    }
    const fp = fingerprint(abs);
    this.removeStale(abs, fp.captureId);
    const file = this.indexFile(abs, fp.captureId);
    if (force) {
      this.close(fp.captureId);
      this.deleteFiles(file);
    }
    let index = this.tryOpen(fp.captureId, file);
    let indexed = false;
    let indexMs = 0;
    if (index === undefined) {
      const temp = modes.find((m) => m.kind === 'temporary');
      const outcome = await this.jobs.run(
        `index:${fp.captureId}`,
        {
          kind: 'index',
          path: abs,
          captureId: fp.captureId,
          fingerprint: fp.digest,
          indexFile: file,
          temporaryThreshold: temp?.kind === 'temporary' ? temp.threshold : undefined,
        },
        (pr) => progress({ ...pr, captureId: fp.captureId, path: abs }),
        token,
      );
      indexMs = check(outcome);
      indexed = true;
      index = this.tryOpen(fp.captureId, file);
      if (index === undefined) throw new ResponseError(-32603, `the index of ${p} could not be opened after indexing`);
    }
    for (const m of modes) await this.ensureMode(index, m, progress, token);
    return { index, indexed, indexMs };
  }

  /** The open index of a capture id. */
  get(captureId: string): OpenIndex {
    const idx = this.open.get(captureId);
    if (idx === undefined) {
      throw new ResponseError(MemtreeErrorCodes.UnknownCapture, `no open capture has id ${captureId}; open it with capture/open`);
    }
    return idx;
  }

  /** Makes sure the index has `mode` (temporary modes are computed on first use). */
  async ensureMode(index: OpenIndex, mode: SnapshotMode, progress: ProgressSink, token?: CancelSignal): Promise<void> {
    const key = modeKey(mode);
    if (hasMode(index.db, key)) return;
    if (mode.kind !== 'temporary') throw new ResponseError(-32603, `index of ${index.path} lacks mode ${key}`);
    if (index.aggregated) {
      const reason = "Can't find temporary allocations using a pre-aggregated capture file.";
      throw new ResponseError(MemtreeErrorCodes.ModeUnavailable, `Failed to parse allocation records in ${index.path}: ${reason}`, {
        path: index.path,
        reason,
      });
    }
    check(
      await this.jobs.run(
        `temp:${index.captureId}:${mode.threshold}`,
        { kind: 'temporary', path: index.path, indexFile: index.file, threshold: mode.threshold },
        (pr) => progress({ ...pr, captureId: index.captureId, path: index.path }),
        token,
      ),
    );
  }

  /** The tree id of (mode, biggest), building the tree on first use. */
  async tree(index: OpenIndex, mode: SnapshotMode, biggest: number, progress: ProgressSink, token?: CancelSignal) {
    await this.ensureMode(index, mode, progress, token);
    const key = modeKey(mode);
    let t = findTree(index.db, key, biggest);
    if (t === undefined) {
      check(await this.jobs.run(`tree:${index.captureId}:${key}:${biggest}`, { kind: 'tree', indexFile: index.file, mode: key, biggest }, undefined, token));
      t = findTree(index.db, key, biggest);
      if (t === undefined) throw new ResponseError(-32603, `tree (${key}, ${biggest}) missing after building it`);
    }
    return t;
  }

  list(): { captureId: string; path: string; indexBytes: number }[] {
    const out: { captureId: string; path: string; indexBytes: number }[] = [];
    for (const f of fs.readdirSync(this.indexDir)) {
      const m = /^[0-9a-f]{12}-([0-9a-f]{24})\.sqlite$/.exec(f);
      if (m === null) continue;
      const idx = this.tryOpen(m[1]!, path.join(this.indexDir, f));
      if (idx !== undefined) out.push({ captureId: idx.captureId, path: idx.path, indexBytes: fs.statSync(idx.file).size });
    }
    return out;
  }

  /** Closes and deletes a capture's index. */
  forget(captureId: string): void {
    const idx = this.get(captureId);
    this.close(captureId);
    this.deleteFiles(idx.file);
  }

  /** Drops a corrupt index so the next open rebuilds it. */
  discard(captureId: string): void {
    const idx = this.open.get(captureId);
    if (idx === undefined) return;
    this.close(captureId);
    this.deleteFiles(idx.file);
  }

  close(captureId: string): void {
    const idx = this.open.get(captureId);
    if (idx === undefined) return;
    this.open.delete(captureId);
    idx.db.close();
  }

  closeAll(): void {
    for (const id of [...this.open.keys()]) this.close(id);
  }

  /** Open captures, for status. */
  openCaptures(): OpenIndex[] {
    return [...this.open.values()];
  }
}
