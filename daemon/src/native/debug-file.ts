/**
 * Where libbacktrace finds separate debug information for an image: by build id under
 * `<root>/.build-id/xx/rest.debug`, else by `.gnu_debuglink` name next to the image (symlinks
 * in its name resolved), in its `.debug/` subdirectory and under `<root>/<image dir>/`.
 * `<root>` is /usr/lib/debug unless a test overrides it. No debuginfod.
 */
import * as fs from 'node:fs';
import { toHex } from './elf.js';
import { FileSource } from './file-source.js';

/** The default debug directory libbacktrace (and gdb) search. */
export const DEFAULT_DEBUG_ROOT = '/usr/lib/debug';

/** Opens `path` if it is a readable regular file (libbacktrace moves on to the next candidate otherwise). */
function tryOpen(path: string): FileSource | undefined {
  try {
    return FileSource.open(path);
  } catch {
    return undefined;
  }
}

/** The build-id path of a debug file. */
export function buildIdPath(buildId: Uint8Array, root: string): string | undefined {
  if (buildId.length === 0) return undefined;
  const hex = toHex(buildId);
  return `${root}/.build-id/${hex.slice(0, 2)}/${hex.slice(2)}.debug`;
}

/** The base-name symlinks of `path` resolved as libbacktrace resolves them. */
function resolveLinks(path: string): string {
  for (let guard = 0; guard < 40; guard++) {
    let target: string;
    try {
      if (!fs.lstatSync(path).isSymbolicLink()) return path;
      target = fs.readlinkSync(path);
    } catch {
      return path;
    }
    if (target.startsWith('/')) path = target;
    else {
      const slash = path.lastIndexOf('/');
      path = slash < 0 ? target : path.slice(0, slash + 1) + target;
    }
  }
  return path;
}

/** The files tried, in order, for debuglink `name` of the image at `imagePath` ("" for a debug file). */
export function debugLinkCandidates(imagePath: string, name: string, root: string): string[] {
  const resolved = resolveLinks(imagePath);
  const slash = resolved.lastIndexOf('/');
  const prefix = slash < 0 ? '' : resolved.slice(0, slash + 1);
  return [prefix + name, `${prefix}.debug/${name}`, `${root}/${prefix}${name}`];
}

/** The first candidate of `paths` that opens. */
export function openFirst(paths: readonly string[]): FileSource | undefined {
  for (const p of paths) {
    const source = tryOpen(p);
    if (source !== undefined) return source;
  }
  return undefined;
}

/**
 * A short identity of `path` for cache keys (path, size, modification time) if it is a
 * regular file, else undefined: one stat tells both whether a debug file candidate exists and
 * what it is.
 */
export function regularFileStamp(path: string): string | undefined {
  try {
    const st = fs.statSync(path, { throwIfNoEntry: false });
    return st?.isFile() === true ? `${path}:${st.size}:${Math.trunc(st.mtimeMs)}` : undefined;
  } catch {
    return undefined;
  }
}
