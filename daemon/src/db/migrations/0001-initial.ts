/**
 * The index of one capture.
 *
 * - meta: capture facts (header, fingerprint, warnings) and the `complete` flag, written last
 *   in the same transaction as everything else, so a half-written index is never complete.
 * - locations: distinct (function, file, line) with memray's frame classification.
 * - stacks: the stacks the stored records use, as (parent, location) chains. Python stacks keep
 *   the capture's own stack id (deterministic per file, so later passes reuse the rows);
 *   resolved chains (native captures' hybrid stacks) get negative ids.
 * - modes / records / threads: memray's snapshot records per mode, stored by rank in memray's
 *   size order (bytes descending, stable over memray's record order), the biggest
 *   `stored_count` of them, plus the mode's totals, and the thread names memray would show.
 *   Trees of at most `stored_count` records come from here; bigger ones re-read the capture.
 * - trees / nodes: the tree of a (mode, -b) pair, nodes numbered in preorder of the
 *   largest-first child order; for each of the four filter combinations a node's displayed
 *   parent (dpN, NULL when hidden) and displayed child count (ccN), so that `tree/expand` is
 *   one range scan of the (tree, dpN, id) index.
 */
import type { WritableDB } from '../open.js';

export default function migrate(db: WritableDB): void {
  db.exec(`
    CREATE TABLE meta (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL
    ) STRICT;

    CREATE TABLE locations (
      id INTEGER PRIMARY KEY,
      function TEXT NOT NULL,
      file TEXT NOT NULL,
      line INTEGER NOT NULL,
      internal INTEGER NOT NULL,
      import_system INTEGER NOT NULL,
      interesting INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE stacks (
      id INTEGER PRIMARY KEY,
      parent INTEGER NOT NULL,
      location INTEGER NOT NULL REFERENCES locations(id)
    ) STRICT;

    CREATE TABLE modes (
      id INTEGER PRIMARY KEY,
      mode TEXT NOT NULL UNIQUE,
      record_count INTEGER NOT NULL,
      stored_count INTEGER NOT NULL,
      total_bytes INTEGER NOT NULL,
      total_allocations INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE records (
      mode INTEGER NOT NULL REFERENCES modes(id) ON DELETE CASCADE,
      rank INTEGER NOT NULL,
      stack INTEGER NOT NULL,
      native INTEGER NOT NULL,
      tid INTEGER NOT NULL,
      generation INTEGER NOT NULL,
      bytes INTEGER NOT NULL,
      count INTEGER NOT NULL,
      PRIMARY KEY (mode, rank)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE threads (
      mode INTEGER NOT NULL REFERENCES modes(id) ON DELETE CASCADE,
      tid INTEGER NOT NULL,
      name TEXT NOT NULL,
      PRIMARY KEY (mode, tid)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE trees (
      id INTEGER PRIMARY KEY,
      mode INTEGER NOT NULL REFERENCES modes(id) ON DELETE CASCADE,
      biggest INTEGER NOT NULL,
      node_count INTEGER NOT NULL,
      elided_locations INTEGER NOT NULL,
      elided_allocations INTEGER NOT NULL,
      elided_bytes INTEGER NOT NULL,
      UNIQUE (mode, biggest)
    ) STRICT;

    CREATE TABLE nodes (
      tree INTEGER NOT NULL REFERENCES trees(id) ON DELETE CASCADE,
      id INTEGER NOT NULL,
      parent INTEGER,
      location INTEGER,
      bytes INTEGER NOT NULL,
      allocations INTEGER NOT NULL,
      thread TEXT NOT NULL,
      dp0 INTEGER, dp1 INTEGER, dp2 INTEGER, dp3 INTEGER,
      cc0 INTEGER NOT NULL, cc1 INTEGER NOT NULL, cc2 INTEGER NOT NULL, cc3 INTEGER NOT NULL,
      PRIMARY KEY (tree, id)
    ) STRICT, WITHOUT ROWID;

    CREATE INDEX nodes_dp0 ON nodes (tree, dp0, id) WHERE dp0 IS NOT NULL;
    CREATE INDEX nodes_dp1 ON nodes (tree, dp1, id) WHERE dp1 IS NOT NULL;
    CREATE INDEX nodes_dp2 ON nodes (tree, dp2, id) WHERE dp2 IS NOT NULL;
    CREATE INDEX nodes_dp3 ON nodes (tree, dp3, id) WHERE dp3 IS NOT NULL;
  `);
}
