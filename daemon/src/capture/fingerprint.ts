/**
 * A capture's identity: device, inode, size and mtime (ns), plus a hash of its first and last
 * 64 KiB, so a rewritten file (even one rewritten within the mtime granularity, or copied
 * over with the old mtime preserved) gets a new index.
 *
 * Every read of a capture for an index checks it against this fingerprint when it opens the
 * file and when it has read it (CaptureChangedError): an index only ever holds one version. So
 * does the later replay of memray 1.19 and older's record order (load.ts), against the file's
 * fingerprint from before its first pass: an order is never taken from another file.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';

export { CaptureChangedError } from './errors.js';

const BLOCK = 64 * 1024;

/** What a stat says about a file version (cheap to compare on every request). */
export type FileIdentity = string;

function identityOf(st: fs.BigIntStats): FileIdentity {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;
}

/** The capture id of the open file `fd` and its stat identity. */
export function fingerprintFd(fd: number): { captureId: string; identity: FileIdentity } {
  const st = fs.fstatSync(fd, { bigint: true });
  const identity = identityOf(st);
  const h = createHash('sha256');
  h.update(`${identity}\n`);
  const size = Number(st.size);
  const buf = Buffer.alloc(Math.min(BLOCK, size));
  h.update(buf.subarray(0, fs.readSync(fd, buf, 0, buf.length, 0)));
  if (size > BLOCK) h.update(buf.subarray(0, fs.readSync(fd, buf, 0, buf.length, size - buf.length)));
  return { captureId: h.digest('hex').slice(0, 24), identity };
}

/** The capture id and stat identity of `file` (throws what opening it throws). */
export function fingerprint(file: string): { captureId: string; identity: FileIdentity } {
  const fd = fs.openSync(file, 'r');
  try {
    return fingerprintFd(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** The stat identity of `file` now, or undefined if it cannot be stat'ed. */
export function currentIdentity(file: string): FileIdentity | undefined {
  const st = fs.statSync(file, { bigint: true, throwIfNoEntry: false });
  return st === undefined ? undefined : identityOf(st);
}

/** Whether `file` still is the version `captureId` names (false also when it is gone or unreadable). */
export function stillIs(file: string, captureId: string): boolean {
  try {
    return fingerprint(file).captureId === captureId;
  } catch {
    return false;
  }
}

/** Short hash of an absolute path: the index file name prefix shared by all versions of one path. */
export function pathKey(absPath: string): string {
  return createHash('sha256').update(absPath).digest('hex').slice(0, 12);
}
