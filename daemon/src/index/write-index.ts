/**
 * Writes a capture's snapshots into its index database: every record of each mode (in
 * memray's size order, as typed-array chunks), the stack trie they point into, the locations,
 * the mode's totals and thread names. Runs inside one transaction together with the
 * `complete` flag.
 */
import type { CaptureInfo, SnapshotMode } from '../../../protocol/src/tree-document.js';
import type { LoadedCapture, Snapshot } from '../capture/load.js';
import type { WritableDB } from '../db/open.js';
import type { ModeRecords, PathTrie } from '../tree/view-data.js';

/** Key of a mode in the index: 'peak', 'leaks' or 'temp:N'. */
export type ModeKey = string;

/** Records per stored chunk: big enough for few rows, small enough to stay cheap to write. */
export const RECORD_CHUNK = 1 << 16;

export function modeKey(mode: SnapshotMode): ModeKey {
  return mode.kind === 'temporary' ? `temp:${mode.threshold}` : mode.kind;
}

/** The threshold of a temporary mode's key (modeKey's inverse), undefined for other modes. */
export function temporaryThresholdOf(key: ModeKey): number | undefined {
  return key.startsWith('temp:') ? Number(key.slice(5)) : undefined;
}

/** The bytes of a typed array, as a blob. */
export function blob(a: Int32Array | Float64Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** Statements of one writing pass, prepared once. */
export class IndexWriteStatements {
  readonly mode;
  readonly records;
  readonly thread;
  readonly paths;
  readonly location;

  constructor(db: WritableDB) {
    this.mode = db.prepare('INSERT INTO modes (mode, record_count, stored_count, total_bytes, total_allocations) VALUES (?, ?, ?, ?, ?)');
    this.records = db.prepare('INSERT INTO records (mode, chunk, path, tid, bytes, count) VALUES (?, ?, ?, ?, ?, ?)');
    this.thread = db.prepare('INSERT INTO threads (mode, tid, name) VALUES (?, ?, ?)');
    this.paths = db.prepare('INSERT INTO paths (first, parent, location) VALUES (?, ?, ?)');
    this.location = db.prepare(
      'INSERT INTO locations (id, function, file, line, internal, import_system, interesting) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
  }

  /** Writes one mode: its totals, every record by rank, and the names of its threads. */
  writeMode(key: ModeKey, recs: ModeRecords): void {
    let totalBytes = 0;
    let totalAllocations = 0;
    const tids = new Set<number>();
    for (let i = 0; i < recs.length; i++) {
      totalBytes += recs.bytes[i]!;
      totalAllocations += recs.count[i]!;
      tids.add(recs.tid[i]!);
    }
    const modeId = Number(this.mode.run(key, recs.length, recs.length, totalBytes, totalAllocations).lastInsertRowid);
    this.writeRecords(modeId, recs);
    for (const tid of tids) {
      const name = recs.threadNames.get(tid);
      if (name !== undefined) this.thread.run(modeId, tid, name);
    }
  }

  /** Writes a mode's records by rank, as chunks (memray-order.ts rewrites them this way too). */
  writeRecords(modeId: number, recs: ModeRecords): void {
    for (let chunk = 0, from = 0; from < recs.length; chunk++, from += RECORD_CHUNK) {
      const to = Math.min(from + RECORD_CHUNK, recs.length);
      this.records.run(modeId, chunk, blob(recs.path.subarray(from, to)), blob(recs.tid.subarray(from, to)), blob(recs.bytes.subarray(from, to)), blob(recs.count.subarray(from, to)));
    }
  }

  /** Appends the trie's ids from `from` (those a previous pass did not write). */
  appendPaths(trie: PathTrie, from: number): void {
    if (from >= trie.size) return;
    this.paths.run(from, blob(trie.parent.subarray(from)), blob(trie.location.subarray(from)));
  }
}

/** Capture facts kept in `meta` (JSON values). */
export interface IndexMeta {
  /** The capture's absolute path (tasks that read the capture again open it from here). */
  readonly path: string;
  readonly info: CaptureInfo;
  readonly warnings: readonly string[];
  readonly searchPath: readonly string[];
  /** memray's count of runner frames dropped from main-thread Python stacks. */
  readonly skippedFramesOnMainTid: number;
}

export function writeMeta(db: WritableDB, meta: IndexMeta): void {
  const put = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
  for (const [k, v] of Object.entries(meta)) put.run(k, JSON.stringify(v));
}

/** Marks the index complete; call last, inside the same transaction as everything else. */
export function markComplete(db: WritableDB): void {
  db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('complete', '1')").run();
}

/** The snapshots of a loaded capture by mode key. */
export function loadedModes(c: LoadedCapture, temporaryThreshold?: number): [ModeKey, Snapshot][] {
  const out: [ModeKey, Snapshot][] = [
    ['peak', c.peak],
    ['leaks', c.leaks],
  ];
  if (c.temporary !== undefined && temporaryThreshold !== undefined) out.push([modeKey({ kind: 'temporary', threshold: temporaryThreshold }), c.temporary]);
  return out;
}
