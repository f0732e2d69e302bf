/**
 * Views are computed from the records (issue 10): every snapshot record is stored, no trees.
 *
 * - paths: the trie of resolved stacks every record points into (tree frames, memray's
 *   main-thread trim and hybrid native stacks applied), as segments of two int32 columns
 *   (parent id, location id) for ids first .. first + n - 1; a later pass (a temporary mode)
 *   appends a segment. Id 0 is the empty stack.
 * - records: each mode's records in memray's size order as chunks of typed-array columns
 *   (path int32, tid / bytes / count float64): loading a million records is a few blob reads.
 * The old per-(mode, -b) trees and their nodes, the capped record rows and the stacks go.
 */
import type { WritableDB } from '../open.js';

export default function migrate(db: WritableDB): void {
  db.exec(`
    DROP TABLE nodes;
    DROP TABLE trees;
    DROP TABLE records;
    DROP TABLE stacks;

    CREATE TABLE paths (
      first INTEGER PRIMARY KEY,
      parent BLOB NOT NULL,
      location BLOB NOT NULL
    ) STRICT;

    CREATE TABLE records (
      mode INTEGER NOT NULL REFERENCES modes(id) ON DELETE CASCADE,
      chunk INTEGER NOT NULL,
      path BLOB NOT NULL,
      tid BLOB NOT NULL,
      bytes BLOB NOT NULL,
      count BLOB NOT NULL,
      PRIMARY KEY (mode, chunk)
    ) STRICT, WITHOUT ROWID;
  `);
}
