/**
 * The symbol cache: native frames resolved for a file address of an image, keyed by the
 * image's identity (path, size, mtime, build-id, debug file), shared by every capture that maps
 * the same unchanged binary. `frames` is a JSON array of [function, file, line].
 */
import type { WritableDB } from '../open.js';

export default function migrate(db: WritableDB): void {
  db.exec(`
    CREATE TABLE symbols (
      image TEXT NOT NULL,
      address INTEGER NOT NULL,
      frames TEXT NOT NULL,
      PRIMARY KEY (image, address)
    ) STRICT, WITHOUT ROWID;
  `);
}
