/**
 * A generated capture that takes a while to index: bigger than SMALL_CAPTURE_MAX_BYTES, so the
 * daemon reads it in a worker (with progress, cancellation and provisional trees) and not on
 * its own thread, where smaller ones are read at once.
 */
import * as fs from 'node:fs';
import { SMALL_CAPTURE_MAX_BYTES } from '../../daemon/src/capture/small-capture.js';
import { generateCapture } from '../bench/generate-capture.js';

/** Writes it to `file`: at least `records` records (40,000 distinct stacks), doubled until it is big enough. */
export function generateWorkerCapture(file: string, records = 1_000_000): void {
  for (let n = records; ; n *= 2) {
    generateCapture(file, { records: n, distinctStacks: 40_000 });
    if (fs.statSync(file).size > SMALL_CAPTURE_MAX_BYTES) return;
  }
}
