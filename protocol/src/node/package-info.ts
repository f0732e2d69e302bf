/**
 * This package's root directory and version (Node-only, shared by daemon and client): the
 * nearest package.json upwards from this module, which works from the sources, the compiled
 * modules and the client bundle alike.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

let root: string | undefined;
let version: string | undefined;

/** The directory of memtree's package.json (the file system root if none is found). */
export function packageRoot(): string {
  if (root === undefined) {
    let dir = import.meta.dirname;
    while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
    root = dir;
  }
  return root;
}

/** memtree's package version, read once ('0.0.0' when package.json cannot be read). */
export function packageVersion(): string {
  if (version === undefined) {
    try {
      version = (JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      version = '0.0.0';
    }
  }
  return version;
}
