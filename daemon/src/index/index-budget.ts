/**
 * The index directory's size budget: what its files add up to, and which indexes to delete to
 * get under the budget (the least recently opened first, never one in use). An index file's
 * mtime records its last opening (Captures touches it), so the order survives restarts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Default budget of the index directory: 2 GiB. */
export const DEFAULT_CACHE_SIZE = 2 * 2 ** 30;

/** Index files are named `<path key>-<capture id>.sqlite`: all versions of one path share the prefix. */
export const INDEX_NAME = /^([0-9a-f]{12})-([0-9a-f]{24})\.sqlite$/;

export interface IndexFile {
  readonly captureId: string;
  readonly pathKey: string;
  /** Absolute path of the .sqlite file. */
  readonly file: string;
  /** Bytes of the file with its -wal and -shm files. */
  readonly bytes: number;
  /** Last opening (ms since the epoch). */
  readonly lastOpened: number;
}

function size(file: string): number {
  return fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0;
}

/** Bytes of a database with its write-ahead log and shared-memory file. */
export function databaseBytes(file: string): number {
  return size(file) + size(`${file}-wal`) + size(`${file}-shm`);
}

/** Every file in the index directory, summed (indexes, partial ones, the symbol cache). */
export function directoryBytes(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isFile()) total += size(path.join(dir, e.name));
  return total;
}

/** The index files in `dir`. */
export function indexFiles(dir: string): IndexFile[] {
  const out: IndexFile[] = [];
  for (const name of fs.readdirSync(dir)) {
    const m = INDEX_NAME.exec(name);
    if (m === null) continue;
    const file = path.join(dir, name);
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (st === undefined || !st.isFile()) continue;
    out.push({ pathKey: m[1]!, captureId: m[2]!, file, bytes: databaseBytes(file), lastOpened: st.mtimeMs });
  }
  return out;
}

/**
 * The indexes to delete so that `dir` fits in `budget` bytes: least recently opened first,
 * skipping those `inUse` says are in use. May not reach the budget (everything left in use).
 */
export function evictionVictims(dir: string, budget: number, inUse: (captureId: string) => boolean): IndexFile[] {
  let total = directoryBytes(dir);
  if (total <= budget) return [];
  const victims: IndexFile[] = [];
  for (const f of indexFiles(dir).sort((a, b) => a.lastOpened - b.lastOpened)) {
    if (total <= budget) break;
    if (inUse(f.captureId)) continue;
    victims.push(f);
    total -= f.bytes;
  }
  return victims;
}

/** Marks an index as opened now (its mtime), for the eviction order. */
export function touchIndex(file: string): void {
  const now = new Date();
  try {
    fs.utimesSync(file, now, now);
  } catch {
    // Gone or not ours to touch: it only loses its place in the order.
  }
}

/**
 * Parses a size: bytes, or a number with K, M, G or T (powers of 1024, optional "iB"/"B").
 * Throws on anything else.
 */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text);
  if (m === null) throw new Error(`invalid size '${text}' (examples: 500M, 2G, 1073741824)`);
  const power = ' kmgt'.indexOf(m[2]!.toLowerCase() || ' ');
  return Math.floor(Number(m[1]) * 1024 ** power);
}
