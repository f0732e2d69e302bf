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

/** Writes `bytes` to a new file (kept until the test file ends) and returns its path. */
export function bytesFile(bytes: Uint8Array, suffix = '.bin'): string {
  dir ??= tempDir('memtree-bytes-');
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
