/**
 * Header versions 9-13 (memray 1.4-1.20): the real captures of memray 1.6, 1.10 and 1.18 read
 * with their header facts and memray versions; versions memtree does not read (older than 9,
 * newer than 13) get one clear line naming the memray releases that wrote them, with and
 * without the daemon. (Their trees are checked against memray's in tree-json.test.ts.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCapture } from '../../daemon/src/capture/load.js';
import type { TreeDocument } from '../../protocol/src/tree-document.js';
import { DaemonInstance } from '../helpers/daemon-instance.js';
import { readExpected } from '../helpers/expected.js';
import { CAPTURES, tempDir } from '../helpers/paths.js';
import { runMemtree } from '../helpers/run-cli.js';

const OLD = fs
  .readdirSync(CAPTURES)
  .filter((f) => /_v(9|10|11)\.bin$/.test(f))
  .sort();

/** memray's own metadata for a capture (from its ground truth). */
function memrayMeta(capture: string): { total_frames: number; total_allocations: number; peak_memory: number } {
  return readExpected<{ meta: { total_frames: number; total_allocations: number; peak_memory: number } }>(capture, 'peak-records.json').meta;
}

describe('captures of memray 1.6, 1.10 and 1.18', () => {
  it('the fixtures hold every version 9, 10 and 11 capture of the corpus', () => {
    expect(OLD.length).toBe(19); // 7 of version 11, 7 of version 10, 5 of version 9 (1.6 has no --aggregate)
  });

  for (const file of OLD) {
    it(`${file}: header version, memray's frame count, peak and allocation count`, () => {
      const capture = file.replace('.bin', '');
      const version = Number(/_v(\d+)$/.exec(capture)![1]);
      const c = loadCapture(path.join(CAPTURES, file));
      const meta = memrayMeta(capture);
      expect(c.header.version).toBe(version);
      expect(c.header.pythonVersion).toBe(0); // not recorded before version 12
      expect(c.header.nFrames).toBe(meta.total_frames);
      expect(c.totalAllocations).toBe(meta.total_allocations);
      expect(c.peakMemory).toBe(meta.peak_memory);
      expect(c.header.fileFormat).toBe(capture.startsWith('aggregated_') ? 1 : 0);
      // Only version 11 records --trace-python-allocators.
      expect(c.header.tracePythonAllocators).toBe(capture === 'pyalloc_v11');
      expect(c.header.commandLine).toMatch(/^\/tmp\/site-memray-1\.\d+\.0\/memray\/__main__\.py run -q -o /);
      expect(c.warnings).toEqual([]);
    });
  }
});

/** simple_nocompress_v9.bin (raw) with another version number in its header. */
function withVersion(dir: string, version: number): string {
  const bytes = fs.readFileSync(path.join(CAPTURES, 'simple_nocompress_v9.bin'));
  bytes.writeInt32LE(version, 7);
  const out = path.join(dir, `version_${version}.bin`);
  fs.writeFileSync(out, bytes);
  return out;
}

const REFUSED: [number, RegExp][] = [
  [8, /capture format version 8 is too old: it was written by memray 1\.2-1\.3 \(memtree reads versions 9 to 13, written by memray 1\.4 to 1\.20\)/],
  [7, /capture format version 7 is too old: it was written by memray 1\.1 /],
  [6, /capture format version 6 is too old: it was written by memray 1\.0 /],
  [3, /capture format version 3 is too old: it was written by a memray release before 1\.0 /],
  [14, /incompatible capture format version 14 \(memtree reads versions 9 to 13, written by memray 1\.4 to 1\.20\)/],
  [0, /incompatible capture format version 0 /],
];

describe('header versions memtree does not read, and the ones it does', () => {
  let dir: string;
  let daemon: DaemonInstance;
  beforeAll(async () => {
    dir = tempDir();
    daemon = await DaemonInstance.start();
  });
  afterAll(async () => {
    await daemon.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const [version, message] of REFUSED) {
    it(`version ${version}: one line naming the memray releases, exit 1, with and without the daemon`, async () => {
      const file = withVersion(dir, version);
      for (const where of [['--no-daemon'], ['--state-dir', daemon.stateDir]]) {
        const r = await runMemtree(['tree', '--json', ...where, file]);
        expect(r.code).toBe(1);
        expect(r.stdout).toBe('');
        const lines = r.stderr.split('\n').filter((l) => l !== '');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toContain(`Failed to parse allocation records in ${file}: `);
        expect(lines[0]).toMatch(message);
        expect(lines[0]).toMatch(/\(at byte 7\)$/);
      }
    });
  }

  for (const [file, version, writtenBy] of [
    ['simple_nocompress_v9.bin', 9, 'memray 1.4-1.6'],
    ['simple_v10.bin', 10, 'memray 1.7-1.10'],
    ['temporary_v11.bin', 11, 'memray 1.11-1.18'],
    ['simple_v12.bin', 12, 'memray 1.19'],
    ['simple.bin', 13, 'memray 1.20'],
  ] as const) {
    it(`--json of ${file}: formatVersion ${version}, writtenBy "${writtenBy}", with and without the daemon`, async () => {
      for (const where of [['--no-daemon'], ['--state-dir', daemon.stateDir]]) {
        const r = await runMemtree(['tree', '--json', ...where, path.join(CAPTURES, file)]);
        expect(r.code).toBe(0);
        const doc = JSON.parse(r.stdout) as TreeDocument;
        expect([doc.capture.formatVersion, doc.capture.writtenBy]).toEqual([version, writtenBy]);
      }
    });
  }
});
