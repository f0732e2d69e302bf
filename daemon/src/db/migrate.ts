/**
 * Schema migrations: one file per step under ./migrations, applied in order inside a
 * transaction each, tracked in `user_version`. Each kind of database (a capture's index, the
 * shared symbol cache) has its own list. These databases are caches: a file written by a newer
 * schema than we know is rejected (and rebuilt by the caller).
 */
import type { WritableDB } from './open.js';
import index0001 from './migrations/0001-initial.js';
import index0002 from './migrations/0002-view-records.js';
import index0003 from './migrations/0003-timeline.js';
import index0004 from './migrations/0004-order-pending.js';
import symbols0001 from './migrations/symbols-0001-initial.js';

export type Migration = (db: WritableDB) => void;

/** A capture's index. */
export const INDEX_MIGRATIONS: readonly Migration[] = [index0001, index0002, index0003, index0004];
/** The symbol cache shared by all captures (native mode). */
export const SYMBOL_MIGRATIONS: readonly Migration[] = [symbols0001];

/** The schema version of the index this build writes. */
export const SCHEMA_VERSION = INDEX_MIGRATIONS.length;

export class SchemaTooNewError extends Error {}

export function migrate(db: WritableDB, migrations: readonly Migration[]): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) throw new SchemaTooNewError(`schema ${current} is newer than ${migrations.length}`);
  for (let v = current; v < migrations.length; v++) {
    db.transaction(() => {
      migrations[v]!(db);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
