/**
 * Source lines around a frame's line, read by the daemon where the capture is analysed
 * (memray's linecache lookup: the path as recorded, else relative to the client's working
 * directory, else joined to each sys.path entry of the traced process).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SourceWindow } from '../../../protocol/src/node.js';

const MAX_FILE = 16 << 20;
const cache = new Map<string, { mtimeMs: number; lines: string[] }>();

function candidates(file: string, cwd: string | undefined, searchPath: readonly string[]): string[] {
  if (path.isAbsolute(file)) return [file];
  const out: string[] = [];
  if (cwd !== undefined) out.push(path.resolve(cwd, file));
  for (const dir of searchPath) if (path.isAbsolute(dir)) out.push(path.join(dir, file));
  return out;
}

function readLines(file: string): string[] | undefined {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    return undefined;
  }
  if (!st.isFile() || st.size > MAX_FILE) return undefined;
  const hit = cache.get(file);
  if (hit !== undefined && hit.mtimeMs === st.mtimeMs) return hit.lines;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(fs.readFileSync(file));
  } catch {
    return undefined; // unreadable or not UTF-8: show nothing rather than mojibake
  }
  const lines = text.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === '') lines.pop(); // the newline ends the last line; no empty line after it
  if (cache.size > 256) cache.clear();
  cache.set(file, { mtimeMs: st.mtimeMs, lines });
  return lines;
}

/** Lines [line - context, line + context] of `file`, or null when there is nothing to show. */
export function sourceWindow(
  file: string,
  line: number,
  context: number,
  cwd: string | undefined,
  searchPath: readonly string[],
): SourceWindow | null {
  if (line <= 0 || file === '' || (file.startsWith('<') && file.endsWith('>'))) return null;
  for (const p of candidates(file, cwd, searchPath)) {
    const lines = readLines(p);
    if (lines === undefined) continue;
    if (line > lines.length) return null;
    const first = Math.max(1, line - context);
    const last = Math.min(lines.length, line + context);
    return { path: p, firstLine: first, lines: lines.slice(first - 1, last).map((l) => l.trimEnd()) };
  }
  return null;
}
