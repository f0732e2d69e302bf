/**
 * In-memory captures (from the synthetic writer) through the real reader, which reads files:
 * the bytes go to a file in this process's temporary directory first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadCapture, type LoadedCapture, type LoadOptions } from '../../daemon/src/capture/load.js';
import { tempDir } from './paths.js';

let dir: string | undefined;
let fileNo = 0;

/** Writes `bytes` to a new file (kept until this process exits) and returns its path. */
export function bytesFile(bytes: Uint8Array, suffix = '.bin'): string {
  if (dir === undefined) {
    const d = tempDir('memtree-bytes-');
    process.once('exit', () => fs.rmSync(d, { recursive: true, force: true }));
    dir = d;
  }
  const file = path.join(dir, `f${fileNo++}${suffix}`);
  fs.writeFileSync(file, bytes);
  return file;
}

/** loadCapture of `bytes` (the file is removed again once read). */
export function loadBytes(bytes: Uint8Array, opts: LoadOptions = {}): LoadedCapture {
  const file = bytesFile(bytes);
  try {
    return loadCapture(file, opts);
  } finally {
    fs.rmSync(file, { force: true });
  }
}
