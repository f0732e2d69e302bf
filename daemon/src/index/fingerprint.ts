/**
 * A capture's identity: device, inode, size and mtime (ns), plus a hash of its first and last
 * 64 KiB, so a rewritten file (even one rewritten within the mtime granularity, or copied
 * over with the old mtime preserved) gets a new index.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';

const BLOCK = 64 * 1024;

/** The capture id of `file`: a prefix of the hash of its identity and its first and last blocks. */
export function captureIdOf(file: string): string {
  const fd = fs.openSync(file, 'r');
  try {
    const st = fs.fstatSync(fd, { bigint: true });
    const h = createHash('sha256');
    h.update(`${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}\n`);
    const size = Number(st.size);
    const buf = Buffer.alloc(Math.min(BLOCK, size));
    h.update(buf.subarray(0, fs.readSync(fd, buf, 0, buf.length, 0)));
    if (size > BLOCK) h.update(buf.subarray(0, fs.readSync(fd, buf, 0, buf.length, size - buf.length)));
    return h.digest('hex').slice(0, 24);
  } finally {
    fs.closeSync(fd);
  }
}

/** Short hash of an absolute path: the index file name prefix shared by all versions of one path. */
export function pathKey(absPath: string): string {
  return createHash('sha256').update(absPath).digest('hex').slice(0, 12);
}
