/**
 * Small captures, which both sides treat alike: memtreed indexes them on its own thread
 * (index/jobs.ts), and a client that starts memtreed reads them itself meanwhile
 * (client commands/tree.ts coldStart).
 *
 * Up to 1 MiB (about 1.6 M records) warm code indexes faster than a worker thread could start
 * and read (~100 ms and as much CPU to start: an isolate, the reader's modules, all code cold),
 * and a thread per open left the daemon's RSS creeping up over hundreds of opens: a 1 MB
 * capture's first view in ~300 ms instead of ~400 (npm run bench -- small). The price in the
 * daemon: while it reads (~200 ms for 1 MiB, ~350 ms the first time) it answers no one else.
 */
import * as fs from 'node:fs';

export const SMALL_CAPTURE_MAX_BYTES = 1024 * 1024;

/** Whether `path` is a non-empty regular file of at most SMALL_CAPTURE_MAX_BYTES (false for anything odd, gone or unreadable). */
export function isSmallCapture(path: string): boolean {
  try {
    const st = fs.statSync(path);
    return st.isFile() && st.size > 0 && st.size <= SMALL_CAPTURE_MAX_BYTES;
  } catch {
    return false;
  }
}
