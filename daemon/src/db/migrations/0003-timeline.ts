/**
 * Memory over time and what time-range trees need (docs/views.md "Memory over time", "Time
 * ranges"; daemon/src/snapshot/timeline.ts computes them in the one pass).
 *
 * - memory: one row per memory record (or an aggregated capture's stored memory snapshot).
 * - periods: period k lies before memory record k (the last one after the last record): its
 *   first ALLOCATION record, its high-water mark and the record after which it was reached.
 * - groups: every (stack, thread) group of the capture: its resolved stack (a `paths` trie id)
 *   and memray tid.
 * - peak_runs: group `grp` held bytes/count at the high-water mark of periods from_period ..
 *   (the group's next run).
 * - lifetimes: count allocations of bytes made by `grp` in alloc_period and freed in
 *   free_period (NULL: never).
 * - thread_names: THREAD_RECORD names with the ALLOCATION record index from which they hold.
 */
import type { WritableDB } from '../open.js';

export default function migrate(db: WritableDB): void {
  db.exec(`
    CREATE TABLE memory (
      id INTEGER PRIMARY KEY,
      time_ms INTEGER NOT NULL,
      rss INTEGER NOT NULL,
      heap INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE periods (
      id INTEGER PRIMARY KEY,
      first_record INTEGER NOT NULL,
      hwm INTEGER NOT NULL,
      hwm_record INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE groups (
      id INTEGER PRIMARY KEY,
      path INTEGER NOT NULL,
      tid INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE peak_runs (
      grp INTEGER NOT NULL,
      from_period INTEGER NOT NULL,
      bytes INTEGER NOT NULL,
      count INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE lifetimes (
      grp INTEGER NOT NULL,
      alloc_period INTEGER NOT NULL,
      free_period INTEGER,
      bytes INTEGER NOT NULL,
      count INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE thread_names (
      at_record INTEGER NOT NULL,
      tid INTEGER NOT NULL,
      name TEXT NOT NULL
    ) STRICT;
  `);
}
