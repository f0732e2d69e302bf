/**
 * Opening index databases (better-sqlite3): WAL, foreign keys, NORMAL sync, migrations.
 */
import * as fs from 'node:fs';
import Database from 'better-sqlite3';
import { INDEX_MIGRATIONS, migrate, type Migration } from './migrate.js';

/** A connection that may write. */
export type WritableDB = Database.Database & { readonly __writable: true };
/** A connection used only for reads. */
export type ReadableDB = Database.Database;

/** `mustExist`: a missing file is an error, not a new database (a job writing into an index that may be gone meanwhile). */
export function openWritable(file: string, migrations: readonly Migration[] = INDEX_MIGRATIONS, mustExist = false): WritableDB {
  const db = new Database(file, { fileMustExist: mustExist });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // Tree and mode jobs may write one index from two workers; wait instead of failing.
    db.pragma('busy_timeout = 10000');
    db.pragma('foreign_keys = ON');
    migrate(db as WritableDB, migrations);
    return db as WritableDB;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Opens an existing index for queries; `fileMustExist` so a missing file is an error, not a
 * new database. Not opened `readonly`: a WAL database needs its -shm file even for readers.
 */
export function openReadable(file: string): ReadableDB {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    db.pragma('query_only = ON');
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Deletes a database file with its WAL and shared-memory files (missing ones are fine). */
export function removeDatabase(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
}
