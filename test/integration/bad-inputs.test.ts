/**
 * Damaged and foreign files (shared/captures/bad_*, derived from simple.bin by memray's
 * make_bad_inputs.py, plus a crashed capture): either a one-line error naming the file and the
 * problem, exit status 1, quickly and without a stack trace; or, where valid data comes before
 * the damage, that data is used and a warning says where reading stopped. Never silence.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TreeDocument } from '../../protocol/src/tree-document.js';
import { CAPTURES } from '../helpers/paths.js';
import { runMemtree } from '../helpers/run-cli.js';

/** Files memtree rejects, and what the one-line error must say. */
const REJECTED: Record<string, RegExp> = {
  'bad_bitflip_early.bin': /LZ4 data is corrupt at byte \d+/,
  'bad_empty.bin': /not a memray capture: the file is empty/,
  'bad_header_only.bin': /Failed to read input file header.*\(at byte \d+\)/,
  'bad_not_capture.png': /not a memray capture: it does not start with the "memray" magic bytes/,
  'bad_random.bin': /not a memray capture/,
  'bad_truncated.bin': /LZ4 data ends early at byte 7489/,
  'bad_wrong_magic.bin': /not a memray capture/,
  'bad_wrong_magic_lz4.bin': /not a memray capture/,
  'bad_wrong_version.bin': /no valid record after the header: .*\(at byte \d+\)/,
};

/** Files read up to the damage, with the warning that must be printed. */
const PARTIAL: Record<string, RegExp> = {
  'bad_bitflip.bin': /looks damaged: 3 allocations were recorded at addresses that were still allocated/,
  'bad_bitflip_raw.bin': /looks damaged: a TRAILER record at byte \d+ is followed by more data/,
  'bad_truncated_raw.bin': /reading stopped at byte 11861: ALLOCATION record cut short/,
  'crashed_a.bin': /no TRAILER record: the capture was not finished .*reading stopped at byte 21366/,
};

describe.concurrent('bad inputs', () => {
  for (const [file, reason] of Object.entries(REJECTED)) {
    it(`${file}: one-line error, exit 1`, async () => {
      const r = await runMemtree(['tree', '--json', '--no-daemon', path.join(CAPTURES, file)]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^Failed to parse allocation records in .*${file.replace('.', '\\.')}: `));
      expect(lines[0]).toMatch(reason);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }

  for (const [file, warning] of Object.entries(PARTIAL)) {
    it(`${file}: data before the damage is used, with a warning`, async () => {
      const r = await runMemtree(['tree', '--json', '--no-daemon', path.join(CAPTURES, file)]);
      expect(r.code).toBe(0);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^memtree: warning: /);
      expect(lines[0]).toContain(file);
      expect(lines[0]).toMatch(warning);
      const doc = JSON.parse(r.stdout) as TreeDocument;
      expect(doc.root.bytes).toBeGreaterThan(0);
    });
  }

  it('bad_bitflip_mid.bin: 16 flipped bytes inside a line table change nothing', async () => {
    const [bad, good] = await Promise.all([
      runMemtree(['tree', '--json', '--no-daemon', path.join(CAPTURES, 'bad_bitflip_mid.bin')]),
      runMemtree(['tree', '--json', '--no-daemon', path.join(CAPTURES, 'simple.bin')]),
    ]);
    expect(bad.stderr).toBe('');
    expect((JSON.parse(bad.stdout) as TreeDocument).root).toEqual((JSON.parse(good.stdout) as TreeDocument).root);
  });

  it('a missing file: "No such file", exit 1', async () => {
    const r = await runMemtree(['tree', '--json', '--no-daemon', 'nosuchfile']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('No such file: nosuchfile\n');
  });

  it('a directory is not a capture: "No such file", exit 1', async () => {
    const r = await runMemtree(['tree', '--no-daemon', CAPTURES]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`No such file: ${CAPTURES}\n`);
  });

  it('both temporary options: usage error, exit 2', async () => {
    const r = await runMemtree(['tree', '--temporary-allocations', '--temporary-allocation-threshold', '3', 'x.bin']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--temporary-allocation-threshold: not allowed with argument --temporary-allocations');
  });

  it('a non-integer -b: usage error, exit 2', async () => {
    const r = await runMemtree(['tree', '-b', 'abc', 'x.bin']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("argument -b/--biggest-allocs: invalid int value: 'abc'");
  });
});
