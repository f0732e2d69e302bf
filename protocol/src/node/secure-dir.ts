/**
 * The runtime directory holds the socket that controls the daemon: it must be a real
 * directory owned by this user and closed to group and others. Both daemon and client check
 * it, so neither talks to (or through) a directory someone else controls.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MemtreePaths } from './paths.js';

export class InsecureDirError extends Error {}

/** Creates `dir` (0700) if missing, then checks ownership and permissions. */
function ensureSecureDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  checkSecureDir(dir);
}

function checkSecureDir(dir: string): void {
  const st = fs.lstatSync(dir);
  if (!st.isDirectory()) throw new InsecureDirError(`refusing to use ${dir}: it is not a directory`);
  const me = typeof process.getuid === 'function' ? process.getuid() : st.uid;
  if (st.uid !== me) throw new InsecureDirError(`refusing to use ${dir}: it is owned by uid ${st.uid}, not by you (uid ${me})`);
  if ((st.mode & 0o077) !== 0) {
    throw new InsecureDirError(
      `refusing to use ${dir}: its mode ${(st.mode & 0o777).toString(8)} lets group or others in (chmod 700 ${dir})`,
    );
  }
}

/**
 * Checks both directories memtreed's control files live in: the runtime directory and the
 * socket's (another one with `--socket` or a deep state directory). With `create` (the
 * daemon) missing ones are made 0700 first; without (a client) missing ones are skipped: the
 * daemon that creates them checks them.
 */
export function checkPathsSecure(paths: Pick<MemtreePaths, 'runtimeDir' | 'socket'>, create: boolean): void {
  for (const dir of new Set([paths.runtimeDir, path.dirname(paths.socket)])) {
    if (create) ensureSecureDir(dir);
    else if (fs.existsSync(dir)) checkSecureDir(dir);
  }
}
