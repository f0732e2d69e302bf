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
export function ensureSecureDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  checkSecureDir(dir);
}

function checkSecureDir(dir: string): void {
  const st = fs.lstatSync(dir);
  if (st.isSymbolicLink()) throw new InsecureDirError(`refusing to use ${dir}: it is a symbolic link (use the directory it points to)`);
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

/**
 * The daemon's data: the index directory (captures' paths, command lines, stacks) and the log's
 * directory are checked like the runtime directory (created 0700, a real directory, owned by
 * this user, closed to group and others).
 */
export function checkDataPathsSecure(paths: Pick<MemtreePaths, 'indexDir' | 'logFile'>): void {
  for (const dir of new Set([paths.indexDir, path.dirname(paths.logFile)])) ensureSecureDir(dir);
}

/**
 * Creates `file` 0600 if missing, refusing a symbolic link or anything but a regular file owned
 * by this user; an existing one open to group or others is closed to them (older versions made
 * the log 0644).
 */
export function ensurePrivateFile(file: string): void {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO there fails (ENXIO) instead of blocking until someone reads it.
    const flags = fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;
    fd = fs.openSync(file, flags, 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new InsecureDirError(`refusing to use ${file}: it is a symbolic link`);
    if (code === 'ENXIO' || code === 'EISDIR') throw new InsecureDirError(`refusing to use ${file}: it is not a regular file`);
    throw err;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new InsecureDirError(`refusing to use ${file}: it is not a regular file`);
    const me = typeof process.getuid === 'function' ? process.getuid() : st.uid;
    if (st.uid !== me) throw new InsecureDirError(`refusing to use ${file}: it is owned by uid ${st.uid}, not by you (uid ${me})`);
    if ((st.mode & 0o077) !== 0) fs.fchmodSync(fd, 0o600);
  } finally {
    fs.closeSync(fd);
  }
}
