/**
 * The runtime directory holds the socket that controls the daemon: it must be a real
 * directory owned by this user and closed to group and others. Both daemon and client check
 * it, so neither talks to (or through) a directory someone else controls.
 */
import * as fs from 'node:fs';

export class InsecureDirError extends Error {}

/** Creates `dir` (0700) if missing, then checks ownership and permissions. */
export function ensureSecureDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  checkSecureDir(dir);
}

export function checkSecureDir(dir: string): void {
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
