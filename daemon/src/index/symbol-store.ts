/**
 * The native symbol cache on disk (SQLite, next to the indexes): a worker symbolizing a capture
 * reads what earlier captures resolved for the same unchanged binaries and adds what it
 * resolved, in one transaction at the end of its job.
 */
import * as path from 'node:path';
import type { Frame } from '../capture/capture-state.js';
import { SYMBOL_MIGRATIONS } from '../db/migrate.js';
import { openWritable, type WritableDB } from '../db/open.js';
import type { SymbolCache } from '../native/symbolizer.js';

export class SqliteSymbolCache implements SymbolCache {
  private readonly db: WritableDB;
  private readonly loaded = new Map<string, Map<number, readonly Frame[]>>();
  private readonly pending: [string, number, string][] = [];
  private readonly selectImage;

  constructor(indexDir: string) {
    this.db = openWritable(path.join(indexDir, 'symbols.sqlite'), SYMBOL_MIGRATIONS);
    this.selectImage = this.db.prepare('SELECT address, frames FROM symbols WHERE image = ?');
  }

  /** All cached frames of an image, read once per job (a capture touches few images). */
  private image(key: string): Map<number, readonly Frame[]> {
    let m = this.loaded.get(key);
    if (m === undefined) {
      m = new Map();
      for (const row of this.selectImage.all(key) as { address: number; frames: string }[]) {
        const frames = (JSON.parse(row.frames) as [string, string, number][]).map(([fn, file, line]) => ({ function: fn, file, line }));
        m.set(row.address, frames);
      }
      this.loaded.set(key, m);
    }
    return m;
  }

  get(imageKey: string, fileAddress: number): readonly Frame[] | undefined {
    return this.image(imageKey).get(fileAddress);
  }

  set(imageKey: string, fileAddress: number, frames: readonly Frame[]): void {
    this.image(imageKey).set(fileAddress, frames);
    this.pending.push([imageKey, fileAddress, JSON.stringify(frames.map((f) => [f.function, f.file, f.line]))]);
  }

  /** Writes what this job resolved and closes the database. */
  close(): void {
    try {
      const insert = this.db.prepare('INSERT OR IGNORE INTO symbols (image, address, frames) VALUES (?, ?, ?)');
      this.db.transaction(() => {
        for (const row of this.pending) insert.run(...row);
      })();
    } finally {
      this.db.close();
    }
  }
}
