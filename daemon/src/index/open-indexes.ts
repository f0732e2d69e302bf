/**
 * The index databases the daemon holds open, least recently used first: opened when complete
 * and sound (else deleted), closed beyond a count limit and when idle, never while a job works
 * on their capture (3 file descriptors and some memory each: they must not grow with the
 * captures ever opened).
 */
import * as fs from 'node:fs';
import type { Logger } from 'pino';
import type { CaptureInfo } from '../../../protocol/src/tree-document.js';
import { SCHEMA_VERSION } from '../db/migrate.js';
import { openReadable, removeDatabase, type ReadableDB } from '../db/open.js';
import { touchIndex } from './index-budget.js';
import { metaValue } from './queries.js';

export interface OpenIndex {
  readonly captureId: string;
  readonly path: string;
  readonly file: string;
  readonly db: ReadableDB;
  readonly info: CaptureInfo;
  readonly warnings: readonly string[];
  readonly searchPath: readonly string[];
}

export class OpenIndexes {
  /** Least recently used first (a use re-inserts). */
  private readonly open = new Map<string, OpenIndex>();
  private readonly lastUsed = new Map<string, number>();

  constructor(
    private readonly limits: { readonly maxOpen: number; readonly idleCloseMs: number },
    /** Whether a job works on the capture now: its index stays open. */
    private readonly busy: (captureId: string) => boolean,
    private readonly log: Logger,
  ) {}

  get size(): number {
    return this.open.size;
  }

  has(captureId: string): boolean {
    return this.open.has(captureId);
  }

  /** The open index of `captureId`, if any (not counted as a use). */
  peek(captureId: string): OpenIndex | undefined {
    return this.open.get(captureId);
  }

  /** Marks an open index as used now (and most recently used). */
  use(idx: OpenIndex): OpenIndex {
    this.open.delete(idx.captureId);
    this.open.set(idx.captureId, idx);
    this.lastUsed.set(idx.captureId, Date.now());
    return idx;
  }

  /** Opens an index file if it is complete and sound; otherwise deletes it and returns undefined. */
  tryOpen(captureId: string, file: string): OpenIndex | undefined {
    const cached = this.open.get(captureId);
    if (cached !== undefined) return this.use(cached);
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
      };
      touchIndex(file);
      this.use(idx);
      this.closeBeyondLimit(captureId);
      return idx;
    } catch (err) {
      this.log.warn({ err, file }, 'discarding index');
      db?.close();
      removeDatabase(file);
      return undefined;
    }
  }

  /** Closes the least recently used open indexes beyond the limit (not `keep`, none a job works on). */
  private closeBeyondLimit(keep: string): void {
    for (const id of this.open.keys()) {
      if (this.open.size <= this.limits.maxOpen) return;
      if (id !== keep && !this.busy(id)) this.close(id);
    }
  }

  /** Closes indexes unused for the idle time; returns how many. */
  sweep(now: number): number {
    let closed = 0;
    for (const id of [...this.open.keys()]) {
      if (now - (this.lastUsed.get(id) ?? 0) >= this.limits.idleCloseMs && !this.busy(id)) {
        this.close(id);
        closed++;
      }
    }
    return closed;
  }

  close(captureId: string): void {
    const idx = this.open.get(captureId);
    if (idx === undefined) return;
    this.open.delete(captureId);
    this.lastUsed.delete(captureId);
    idx.db.close();
    touchIndex(idx.file); // its last use, for the eviction order
  }

  closeAll(): void {
    for (const id of [...this.open.keys()]) this.close(id);
  }

  all(): OpenIndex[] {
    return [...this.open.values()];
  }
}
