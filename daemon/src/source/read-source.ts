/**
 * Source lines around a frame's line, read by the daemon where the capture is analysed
 * (memray's linecache lookup: the path as recorded, else relative to the client's working
 * directory, else joined to each sys.path entry of the traced process), after the checkouts
 * the user named (--source-root) that the capture's paths map into.
 *
 * A capture names the files, and a capture may come from anyone: only regular files are read
 * (never a FIFO, which would block, a device, or the kernel's /proc and /sys files), at most
 * MAX_FILE bytes, opened without blocking and checked again on the open descriptor. Where the
 * files come from is injectable (`SourceLookup.read`), so tests depend on no file of the
 * machine being there or not.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SourceAttempt, SourceWindow } from '../../../protocol/src/node.js';

/** Bigger files are not read (no Python source is near this; a capture may name anything). */
export const MAX_FILE = 4 << 20;
/** What the cache of read files may hold, in UTF-16 code units. */
const CACHE_CHARS = 64 << 20;

/** A file's lines, or why they cannot be shown. */
export type FileLines = { readonly lines: readonly string[] } | { readonly problem: string };

/** Where and how source files are found. */
export interface SourceLookup {
  /** The client's working directory, for relative names. */
  readonly cwd?: string;
  /** The traced process's sys.path (absolute entries are searched for relative names). */
  readonly searchPath: readonly string[];
  /** Checkouts tried first: a recorded path maps to ROOT/<its last k components>, longest first. */
  readonly roots?: readonly string[];
  /** Reads one candidate path (default readSourceFile); tests pass their own. */
  readonly read?: (file: string) => FileLines;
}

/** The window, or null with the places tried (empty when nothing was looked for). */
export interface SourceResult {
  readonly window: SourceWindow | null;
  readonly tried: readonly SourceAttempt[];
}

/** Recorded paths map into a root by their trailing components; more than this is not a checkout layout. */
const MAX_SUFFIX = 12;

function rootCandidates(file: string, roots: readonly string[]): string[] {
  const parts = file.split(/[\\/]+/).filter((p) => p !== '' && p !== '.' && p !== '..');
  const out: string[] = [];
  for (const root of roots) {
    if (!path.isAbsolute(root)) continue;
    for (let k = Math.min(parts.length, MAX_SUFFIX); k >= 1; k--) out.push(path.join(root, ...parts.slice(parts.length - k)));
  }
  return out;
}

/** Every path to try for `file`, in order, without repeats. */
export function sourceCandidates(file: string, lookup: SourceLookup): string[] {
  const out = rootCandidates(file, lookup.roots ?? []);
  if (path.isAbsolute(file)) out.push(path.normalize(file));
  else {
    if (lookup.cwd !== undefined && path.isAbsolute(lookup.cwd)) out.push(path.resolve(lookup.cwd, file));
    for (const dir of lookup.searchPath) if (path.isAbsolute(dir)) out.push(path.join(dir, file));
  }
  return [...new Set(out)];
}

/** The kernel's pseudo-files: their sizes lie and reading them has effects or reveals secrets. */
const SYSTEM_DIRS = /^\/(proc|sys|dev)(\/|$)/;

const cache = new Map<string, { key: string; lines: string[]; chars: number }>();
let cachedChars = 0;

function statKey(st: fs.Stats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
}

function errorProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ELOOP') return 'too many symbolic links';
  return `cannot read (${code ?? String(err)})`;
}

/**
 * The lines of `file` if it is a regular UTF-8 file of at most MAX_FILE bytes outside /proc,
 * /sys and /dev. Never blocks: FIFOs and devices are refused before opening, and the open is
 * non-blocking in case the path was swapped for one in between (then fstat refuses it).
 */
export function readSourceFile(file: string): FileLines {
  let real: string;
  let st: fs.Stats;
  try {
    real = fs.realpathSync(file);
    st = fs.statSync(real);
  } catch (err) {
    return { problem: errorProblem(err) };
  }
  if (SYSTEM_DIRS.test(real)) return { problem: 'a system file (not read)' };
  if (st.isDirectory()) return { problem: 'a directory' };
  if (!st.isFile()) return { problem: 'not a regular file (not read)' };
  if (st.size > MAX_FILE) return { problem: `larger than ${MAX_FILE >> 20} MiB (not read)` };
  const hit = cache.get(real);
  if (hit !== undefined && hit.key === statKey(st)) return { lines: hit.lines };
  let fd: number;
  try {
    fd = fs.openSync(real, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
  } catch (err) {
    return { problem: errorProblem(err) };
  }
  let bytes: Buffer;
  try {
    const fst = fs.fstatSync(fd);
    if (!fst.isFile() || fst.dev !== st.dev || fst.ino !== st.ino) return { problem: 'not a regular file (not read)' };
    // Read what the size says and no more: a file that grows meanwhile is cut, never unbounded.
    const size = Math.min(fst.size, MAX_FILE);
    bytes = Buffer.alloc(size);
    let got = 0;
    while (got < size) {
      const n = fs.readSync(fd, bytes, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    bytes = bytes.subarray(0, got);
  } catch (err) {
    return { problem: errorProblem(err) };
  } finally {
    fs.closeSync(fd);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { problem: 'not UTF-8 text' }; // show nothing rather than mojibake
  }
  const lines = text.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === '') lines.pop(); // the newline ends the last line; no empty line after it
  const chars = text.length;
  if (cachedChars + chars > CACHE_CHARS || cache.size >= 256) {
    cache.clear();
    cachedChars = 0;
  }
  cache.set(real, { key: statKey(st), lines, chars });
  cachedChars += chars;
  return { lines };
}

/**
 * Lines [line - context, line + context] of `file`, or no window and where it looked. Names
 * that are no file (`<frozen runpy>`, `<string>`), line 0 and the empty name are not looked for.
 */
export function sourceWindow(file: string, line: number, context: number, lookup: SourceLookup): SourceResult {
  if (line <= 0 || file === '' || (file.startsWith('<') && file.endsWith('>'))) return { window: null, tried: [] };
  const read = lookup.read ?? readSourceFile;
  const tried: SourceAttempt[] = [];
  for (const p of sourceCandidates(file, lookup)) {
    const r = read(p);
    if ('problem' in r) {
      tried.push({ path: p, problem: r.problem });
      continue;
    }
    const lines = r.lines;
    if (line > lines.length) {
      tried.push({ path: p, problem: `has ${lines.length} lines, not ${line}` });
      continue;
    }
    const first = Math.max(1, line - context);
    const last = Math.min(lines.length, line + context);
    return { window: { path: p, firstLine: first, lines: lines.slice(first - 1, last).map((l) => l.trimEnd()) }, tried: [] };
  }
  return { window: null, tried };
}

/** Source roots from `MEMTREE_SOURCE_ROOTS` (a PATH-like list) followed by the given ones. */
export function sourceRootsFrom(env: NodeJS.ProcessEnv, given: readonly string[]): string[] {
  const fromEnv = (env.MEMTREE_SOURCE_ROOTS ?? '').split(path.delimiter).filter((d) => d !== '');
  return [...given, ...fromEnv].map((d) => path.resolve(d));
}
