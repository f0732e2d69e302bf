/**
 * Schema migrations: one file per step under ./migrations, applied in order inside a
 * transaction each, tracked in `user_version`. Index files are caches: a file written by a
 * newer schema than we know is rejected (and rebuilt by the caller).
 */
import type { WritableDB } from './open.js';
import m0001 from './migrations/0001-initial.js';

const MIGRATIONS: readonly ((db: WritableDB) => void)[] = [m0001];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

export class SchemaTooNewError extends Error {}

export function migrate(db: WritableDB): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) throw new SchemaTooNewError(`index schema ${current} is newer than ${SCHEMA_VERSION}`);
  for (let v = current; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      MIGRATIONS[v]!(db);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
