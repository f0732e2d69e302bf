// Module-name shortening of code positions (tree-reporter.md §3.5, capture-format.md §13.2):
// memray shows `/usr/lib/python3.11/json/decoder.py:42` as `json.decoder:42`. It uses
// pathlib's *lexical* relative_to, which node:path cannot reproduce: path.normalize resolves
// `..` (pathlib keeps it) and treats a leading `//` like `/` (POSIX pathlib keeps exactly two
// leading slashes as a distinct root). So the component logic is written out here.

/** A POSIX path split the way PurePosixPath does it. */
interface PurePath {
  /** '' (relative), '/' or '//' (exactly two leading slashes are kept; three or more collapse). */
  readonly root: string;
  /** Components with empty and '.' parts removed; '..' is kept literally. */
  readonly parts: readonly string[];
}

/** Parses a path lexically, like pathlib.PurePosixPath. */
function parsePurePath(path: string): PurePath {
  let root = '';
  if (path.startsWith('/')) root = path.startsWith('//') && !path.startsWith('///') ? '//' : '/';
  const parts = path.split('/').filter((part) => part !== '' && part !== '.');
  return { root, parts };
}

/** The components of `file` below `dir`, or undefined when dir is not a strict lexical prefix. */
function relativeParts(file: PurePath, dir: PurePath): readonly string[] | undefined {
  // pathlib compares roots too, so relative files never match absolute entries (and a
  // relative entry such as '.' matches every relative file).
  if (file.root !== dir.root || file.parts.length <= dir.parts.length) return undefined;
  for (let i = 0; i < dir.parts.length; i++) {
    if (file.parts[i] !== dir.parts[i]) return undefined;
  }
  // file == dir yields '.', whose with_suffix('') raises ValueError in memray: no match.
  return file.parts.slice(dir.parts.length);
}

/** pathlib's with_suffix(''): drops the last suffix unless the name is a bare dot-file. */
function stripSuffix(name: string): string {
  const dot = name.lastIndexOf('.');
  // pathlib's suffix needs 0 < dot < len - 1, so '.py' has no suffix and stays as is.
  // (`..py` becomes '.', as on Python 3.11; newer versions raise instead. Not worth more.)
  return dot > 0 && dot < name.length - 1 ? name.slice(0, dot) : name;
}

/**
 * memray's `_filename_to_module_name`: for `.py` files, the path relative to the first
 * search-path entry that is an existing directory and a lexical prefix, with `.py` dropped,
 * `/` → `.` and every `.__init__` removed; any other file is returned unchanged.
 */
export function filenameToModuleName(
  file: string,
  searchPath: readonly string[],
  isDir: (p: string) => boolean,
): string {
  if (!file.endsWith('.py')) return file;
  const parsed = parsePurePath(file);
  for (const entry of searchPath) {
    // Same first match as memray's isdir-then-relative_to order, but the cheap lexical test
    // runs first so the filesystem is only consulted for entries that could match.
    const rel = relativeParts(parsed, parsePurePath(entry));
    if (rel === undefined || !isDir(entry)) continue;
    const last = rel.length - 1;
    const dotted = rel.map((part, i) => (i === last ? stripSuffix(part) : part)).join('.');
    // str.replace removes non-overlapping matches left to right, as replaceAll does.
    return dotted.replaceAll('.__init__', '');
  }
  return file;
}

/** Position text of a frame: `module:line`, or the raw file when line is 0 (native frames). */
export function formatPosition(file: string, line: number, moduleName: (file: string) => string): string {
  return line !== 0 ? `${moduleName(file)}:${line}` : file;
}
