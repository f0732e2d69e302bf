// Every good capture (the vendored ones in test/fixtures/captures and, when it is next to the
// repository, the shared corpus), every mode: no warning. What memray reads silently (e.g. an
// allocation at a still-live address, trailing zero padding) must not be called damage.
// Damaged ones (bad_*) and the capture of a killed process (crashed_*: its warning is right)
// are not good captures. large_9m (9.5 M records) is checked where tree-json reads it once.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FILE_FORMAT_AGGREGATED } from '../../daemon/src/capture/header.js';
import { loadCapture, openCapture } from '../../daemon/src/capture/load.js';
import { CAPTURES, ROOT } from '../helpers/paths.js';

const SHARED = path.resolve(ROOT, '../shared/captures');

function goodCaptures(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.bin') && !f.startsWith('bad_') && !f.startsWith('crashed_') && f !== 'large_9m.bin')
    .sort()
    .map((f) => path.join(dir, f));
}

/** Reads `file` in every mode (peak, leaks and temporary allocations in one pass) and returns the warnings. */
function warningsOf(file: string): readonly string[] | undefined {
  const open = openCapture(file);
  const aggregated = open.header.fileFormat === FILE_FORMAT_AGGREGATED;
  open.close();
  return loadCapture(file, { temporaryThreshold: aggregated ? undefined : 1 }).warnings;
}

describe('good captures give no warning in any mode', () => {
  for (const file of goodCaptures(CAPTURES)) {
    it(`test/fixtures/captures/${path.basename(file)}`, () => {
      expect(warningsOf(file)).toEqual([]);
    });
  }

  const shared = fs.existsSync(SHARED) ? goodCaptures(SHARED) : [];
  it.skipIf(shared.length === 0)('../shared/captures has good captures (skipped when the shared corpus is absent)', () => {
    expect(shared.length).toBeGreaterThan(10);
  });
  for (const file of shared) {
    it(`../shared/captures/${path.basename(file)}`, (ctx) => {
      let warnings: readonly string[] | undefined;
      try {
        warnings = warningsOf(file);
      } catch (err) {
        // Header versions this reader does not read yet are another matter (docs/capture-versions.md).
        if (/incompatible capture format version/.test(String(err))) ctx.skip();
        throw err;
      }
      expect(warnings).toEqual([]);
    }, 120_000);
  }
});
