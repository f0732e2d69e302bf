// Source lines around a frame, read from the local disk (tree-reporter.md 3.10): the file may
// have changed since the capture; memray makes no check either, and neither do we.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { SourceWindow } from '../../../protocol/src/node.js';

/** Where and how to look for source files. */
export interface SourceLookup {
  /** Directory relative file names are tried against first (default: process.cwd()). */
  readonly cwd?: string;
  /** Further directories for relative names, in order (the capture's sys.path). */
  readonly searchPath?: readonly string[];
  /** Reads a file; injectable for tests. Rejects when the file cannot be read. */
  readonly readFile?: (file: string) => Promise<string>;
}

/** Whether a recorded file name can name a file at all (`<frozen runpy>`, `<unknown>`, `<stdin>`: no). */
export function isReadableName(file: string): boolean {
  return file !== '' && !(file.startsWith('<') && file.endsWith('>'));
}

/** Larger files are not shown (a source file this big is almost certainly something else). */
const MAX_SOURCE_BYTES = 16 * 1024 * 1024;

async function defaultRead(file: string): Promise<string> {
  // Only regular files: a FIFO or device named like a source file would block or never end.
  const st = await fs.stat(file);
  if (!st.isFile() || st.size > MAX_SOURCE_BYTES) throw new Error(`not a readable source file: ${file}`);
  return fs.readFile(file, 'utf8');
}

/** Reads source files for `detail`, caching each file's lines for the whole session, as memray does. */
export class SourceFiles {
  private readonly cache = new Map<string, Promise<{ path: string; lines: string[] } | null>>();
  private readonly lookup: SourceLookup;

  constructor(lookup: SourceLookup = {}) {
    this.lookup = lookup;
  }

  /** The lines `line - context` .. `line + context` of `file` (1-based, clipped), or null. */
  async window(file: string, line: number, context: number, signal: AbortSignal): Promise<SourceWindow | null> {
    if (line <= 0 || !isReadableName(file)) return null;
    const loaded = await this.load(file);
    signal.throwIfAborted();
    if (loaded === null || line > loaded.lines.length) return null;
    const first = Math.max(line - context, 1);
    const last = Math.min(line + context, loaded.lines.length);
    return { path: loaded.path, firstLine: first, lines: loaded.lines.slice(first - 1, last) };
  }

  // The read itself is not cancelled: it is shared by every request for the file (and cached),
  // so one requester's abort must not fail the others. Each caller checks its own signal.
  private load(file: string): Promise<{ path: string; lines: string[] } | null> {
    let p = this.cache.get(file);
    if (p === undefined) {
      p = this.read(file);
      this.cache.set(file, p);
    }
    return p;
  }

  private async read(file: string): Promise<{ path: string; lines: string[] } | null> {
    const read = this.lookup.readFile ?? defaultRead;
    const candidates = path.isAbsolute(file)
      ? [file]
      : [path.resolve(this.lookup.cwd ?? process.cwd(), file), ...(this.lookup.searchPath ?? []).map((d) => path.resolve(d, file))];
    for (const candidate of candidates) {
      let text: string;
      try {
        text = await read(candidate);
      } catch {
        // Missing or unreadable: try the next candidate, as memray's linecache does.
        continue;
      }
      const lines = text.split(/\r\n|\r|\n/);
      if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
      return { path: candidate, lines: lines.map((l) => l.trimEnd()) };
    }
    return null;
  }
}
