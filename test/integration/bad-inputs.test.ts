/**
 * Damaged and foreign files (shared/captures/bad_*, derived from simple.bin by memray's
 * make_bad_inputs.py, plus a crashed capture): either a one-line error naming the file and the
 * problem, exit status 1, quickly and without a stack trace; or, where valid data comes before
 * the damage, that data is used and a warning says where reading stopped. Never silence.
 * The same through memtreed as with --no-daemon; and memray 1.20 rejects exactly the files
 * memtree rejects (its recorded behaviour, vendored next to the expected trees).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TreeDocument } from '../../protocol/src/tree-document.js';
import { DaemonInstance } from '../helpers/daemon-instance.js';
import { readExpected } from '../helpers/expected.js';
import { CAPTURES, EXPECTED, tempDir } from '../helpers/paths.js';
import { Allocator, writeCapture, type CaptureEvent } from '../helpers/capture-writer.js';
import { canRunAsNobody, NOBODY, runMemtree, runTreeBothWays, type CliResult } from '../helpers/run-cli.js';

/** Files memtree rejects, and what the one-line error must say (besides the offset, required of all). */
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

/** Files read up to the damage, with the warning that must be printed (besides where, required of all). */
const PARTIAL: Record<string, RegExp> = {
  'bad_bitflip_raw.bin': /looks damaged: a TRAILER record at byte \d+ is followed by more data/,
  'bad_truncated_raw.bin': /reading stopped at byte 11861: ALLOCATION record cut short/,
  'crashed_a.bin': /no TRAILER record: the capture was not finished .*reading stopped at byte 21366/,
};

/**
 * Files with damage that changes nothing memtree reads, or that reads as something memray
 * treats as normal (bad_bitflip: allocations at still-live addresses, which replace the earlier
 * ones silently, capture-format.md section 9): no warning.
 */
const HARMLESS = ['bad_bitflip_mid.bin', 'bad_bitflip.bin'];

/**
 * Where every error names the problem: a byte offset. A warning gives a byte offset, or the
 * number of the allocation record where the damage shows (in an LZ4 file the record number is
 * the precise location: offsets of the decompressed stream mean nothing to a reader of the file).
 */
const ERROR_WHERE = /at byte \d+/;
const WARNING_WHERE = /at byte \d+|allocation record \d+/;

/** memray 1.20's behaviour with each damaged file (test/fixtures/expected/<name>/memray-behaviour.json.gz). */
interface MemrayBehaviour {
  file: string;
  python_api: { filereader?: 'ok'; metadata?: { total_allocations: number; peak_memory: number; command_line: string } };
  /** rc null: memray tree accepted the file (its interactive view was still running at the timeout). */
  cli_tree: { rc: number | null; stderr?: string; note?: string };
}

const BEHAVIOUR: MemrayBehaviour[] = fs
  .readdirSync(EXPECTED)
  .filter((d) => fs.existsSync(path.join(EXPECTED, d, 'memray-behaviour.json.gz')))
  .sort()
  .map((d) => readExpected<MemrayBehaviour>(d, 'memray-behaviour.json'));

let daemon: DaemonInstance;
beforeAll(async () => {
  daemon = await DaemonInstance.start();
});
afterAll(async () => {
  await daemon.stop();
});

/** `memtree tree ...args` without and through the daemon: same status, stderr and stdout either way. */
const tree = (...args: string[]): Promise<CliResult> => runTreeBothWays(daemon.stateDir, args);

describe.concurrent('bad inputs', () => {
  for (const [file, reason] of Object.entries(REJECTED)) {
    it(`${file}: one-line error with the offset, exit 1 (daemon or not)`, async () => {
      const r = await tree('--json', path.join(CAPTURES, file));
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^Failed to parse allocation records in .*/${file.replace('.', '\\.')}: `));
      expect(lines[0]).toMatch(reason);
      expect(lines[0]).toMatch(ERROR_WHERE);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }

  for (const [file, warning] of Object.entries(PARTIAL)) {
    it(`${file}: data before the damage is used, with a warning saying where (daemon or not)`, async () => {
      const r = await tree('--json', path.join(CAPTURES, file));
      expect(r.code).toBe(0);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^memtree: warning: /);
      expect(lines[0]).toContain(file);
      expect(lines[0]).toMatch(warning);
      expect(lines[0]).toMatch(WARNING_WHERE);
      const doc = JSON.parse(r.stdout) as TreeDocument;
      expect(doc.root.bytes).toBeGreaterThan(0);
    });
  }

  it('bad_bitflip_mid.bin: 16 flipped bytes inside a line table change nothing (daemon or not)', async () => {
    const [bad, good] = await Promise.all([tree('--json', path.join(CAPTURES, 'bad_bitflip_mid.bin')), runMemtree(['tree', '--json', '--no-daemon', path.join(CAPTURES, 'simple.bin')])]);
    expect(bad.code).toBe(0);
    expect(bad.stderr).toBe('');
    expect((JSON.parse(bad.stdout) as TreeDocument).root).toEqual((JSON.parse(good.stdout) as TreeDocument).root);
  });

  it('bad_bitflip.bin: allocations at still-live addresses replace them silently, as in memray: no warning (daemon or not)', async () => {
    const r = await tree('--json', path.join(CAPTURES, 'bad_bitflip.bin'));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const want = readExpected<MemrayBehaviour>('bad_bitflip', 'memray-behaviour.json').python_api.metadata!;
    expect((JSON.parse(r.stdout) as TreeDocument).capture.peakMemory).toBe(want.peak_memory);
  });

  it('a missing file: "No such file", exit 1 (daemon or not)', async () => {
    const r = await tree('--json', 'nosuchfile');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('No such file: nosuchfile\n');
  });

  it('a directory: "Is a directory", exit 1 (daemon or not)', async () => {
    const r = await tree(CAPTURES);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Is a directory: ${CAPTURES}\n`);
  });

  it('a FIFO and a device: "Not a regular file", exit 1, without opening them (daemon or not)', async () => {
    const dir = tempDir();
    try {
      const fifo = path.join(dir, 'capture.fifo');
      execFileSync('mkfifo', [fifo]);
      for (const file of [fifo, '/dev/null']) {
        const r = await tree('--json', file);
        expect(r.code).toBe(1);
        expect(r.stderr).toBe(`Not a regular file: ${file}\n`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  // Root reads every file, so as root the reader is a second user (nobody) with its own daemon.
  const asRoot = process.getuid?.() === 0;
  it.skipIf(asRoot && !canRunAsNobody())('an unreadable file: "Permission denied", exit 1 (daemon or not)', async () => {
    const dir = tempDir();
    const user = asRoot ? { uid: NOBODY, gid: NOBODY } : {};
    const stateDir = path.join(dir, 'state');
    try {
      fs.chmodSync(dir, 0o755);
      fs.mkdirSync(stateDir, { mode: 0o700 });
      if (asRoot) fs.chownSync(stateDir, NOBODY, NOBODY);
      const file = path.join(dir, 'private.bin');
      fs.copyFileSync(path.join(CAPTURES, 'simple.bin'), file);
      fs.chmodSync(file, 0);
      for (const how of [['--no-daemon'], ['--state-dir', stateDir]]) {
        const r = await runMemtree(['tree', ...how, '--json', file], user);
        expect(r.code, how.join(' ')).toBe(1);
        expect(r.stderr, how.join(' ')).toBe(`Permission denied: ${file}\n`);
      }
    } finally {
      await runMemtree(['daemon', 'stop', '--state-dir', stateDir], user);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('/proc/self/mem (a pseudo-file of size 0 that fails to read): "not a memray capture", exit 1 (daemon or not)', async () => {
    const r = await tree('--json', '/proc/self/mem');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Failed to parse allocation records in \/proc\/self\/mem: not a memray capture: its first bytes cannot be read \(EIO\) \(at byte 0\)\n$/);
  });

  it('a 4 GiB sparse all-zero file: "not a memray capture" at once, exit 1 (daemon or not)', async () => {
    const dir = tempDir();
    try {
      const file = path.join(dir, 'zeros.bin');
      execFileSync('truncate', ['-s', '4G', file]); // sparse: no disk used
      const r = await tree('--json', file);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `Failed to parse allocation records in ${file}: not a memray capture: it starts with zero bytes where the "memray" magic bytes should be (at byte 0)\n`,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a raw capture followed by 4 GiB of zero padding: the same tree as without it (daemon or not; the padding is not read)', async () => {
    const dir = tempDir();
    try {
      const file = path.join(dir, 'padded.bin');
      fs.copyFileSync(path.join(CAPTURES, 'simple_nocompress.bin'), file);
      execFileSync('truncate', ['-s', '+4G', file]);
      const [padded, plain] = await Promise.all([tree('--json', file), runMemtree(['tree', '--json', '--no-daemon', path.join(CAPTURES, 'simple_nocompress.bin')])]);
      expect(padded.code).toBe(0);
      expect(padded.stderr).toBe(plain.stderr);
      expect((JSON.parse(padded.stdout) as TreeDocument).root).toEqual((JSON.parse(plain.stdout) as TreeDocument).root);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('temporary allocations of an aggregated capture: its own message, exit 1 (daemon or not)', async () => {
    const file = path.join(CAPTURES, 'aggregated_threads.bin');
    for (const mode of ['--temporary-allocations', '--temporary-allocation-threshold=3']) {
      const r = await tree('--json', mode, file);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`${file} is an aggregated capture (memray run --aggregate): it has no temporary allocations\n`);
    }
  });

  it('sizes beyond 2^53 (damaged size fields): the same warning naming the record and the same tree on both paths, never a SQLite error', async () => {
    const dir = tempDir();
    try {
      const file = path.join(dir, 'huge.bin');
      const HEAP = 0x7f0000000000;
      const events: CaptureEvent[] = [
        { type: 'code', id: 1, function: 'f', file: 'app.py', firstLine: 1 },
        { type: 'push', tid: 1, code: 1, offset: 0 },
        { type: 'alloc', tid: 1, address: HEAP, size: 1000, allocator: Allocator.MALLOC },
        { type: 'alloc', tid: 1, address: HEAP + 64, size: 2 ** 50, allocator: Allocator.MALLOC },
        { type: 'alloc', tid: 1, address: HEAP + 64, size: 0, allocator: Allocator.FREE },
        { type: 'alloc', tid: 1, address: HEAP + 128, size: 2 ** 64 - 2 ** 12, allocator: Allocator.MALLOC },
        { type: 'alloc', tid: 1, address: HEAP + 256, size: 7, allocator: Allocator.MALLOC },
      ];
      fs.writeFileSync(file, writeCapture(events, { compress: true }));
      for (const flags of [[], ['--leaks'], ['--temporary-allocations'], ['-b', '1000000']]) {
        const r = await tree('--json', ...flags, file);
        expect(r.code, flags.join(' ')).toBe(0);
        expect(r.stderr).toMatch(/^memtree: warning: .*huge\.bin: reading stopped at byte \d+ of the decompressed data: allocation record 3 has a size of 18446744073709547520 bytes, beyond 2\^53/);
        expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
        const doc = JSON.parse(r.stdout) as TreeDocument;
        expect(doc.capture.peakMemory).toBe(2 ** 50 + 1000);
        expect(doc.capture.totalAllocations).toBe(3);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('temporary allocations adding up past 2^53: a warning in temporary mode only, the same on both paths (indexed first or later)', async () => {
    const dir = tempDir();
    try {
      const HEAP = 0x7f0000000000;
      const events: CaptureEvent[] = [];
      for (let i = 0; i < 5; i++) {
        events.push({ type: 'alloc', tid: 1, address: HEAP, size: 2 ** 51, allocator: Allocator.MALLOC });
        events.push({ type: 'alloc', tid: 1, address: HEAP, size: 0, allocator: Allocator.FREE });
      }
      const bytes = writeCapture(events);
      const warning = /^memtree: warning: .*: the capture looks damaged: the temporary allocations add up to more than 2\^53 bytes at allocation record 7; /;
      // Indexed in peak mode first (the temporary modes are later jobs), and in temporary mode first.
      for (const [name, order] of [['peak-first.bin', ['peak', 't1', 't2']], ['temp-first.bin', ['t1', 'peak', 't2']]] as const) {
        const file = path.join(dir, name);
        fs.writeFileSync(file, bytes);
        for (const step of order) {
          const flags = step === 'peak' ? [] : ['--temporary-allocation-threshold', step.slice(1)];
          const r = await tree('--json', ...flags, file);
          expect(r.code, `${name} ${step}`).toBe(0);
          if (step === 'peak') expect(r.stderr, `${name} ${step}`).toBe('');
          else expect(r.stderr, `${name} ${step}`).toMatch(warning);
        }
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
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

describe.concurrent('memray 1.20 on the same files (memray-behaviour.json.gz)', () => {
  it('every damaged file memray was run on is one of the cases above, and memray rejected exactly the rejected ones', () => {
    const files = BEHAVIOUR.map((b) => b.file);
    expect(files.length).toBeGreaterThanOrEqual(Object.keys(REJECTED).length);
    expect([...files].sort()).toEqual([...Object.keys(REJECTED), ...Object.keys(PARTIAL), ...HARMLESS].sort());
    expect(BEHAVIOUR.filter((b) => b.cli_tree.rc !== null).map((b) => b.file).sort()).toEqual(Object.keys(REJECTED).sort());
  });

  for (const b of BEHAVIOUR) {
    if (b.cli_tree.rc !== null) {
      it(`${b.file}: memray tree exits ${b.cli_tree.rc}, so does memtree (daemon or not), with memray's first words`, async () => {
        // Run like memray was: in the file's folder, so the file name in the message is as given
        // (the daemon, which works on absolute paths, too).
        for (const how of [['--no-daemon'], ['--state-dir', daemon.stateDir]]) {
          const r = await runMemtree(['tree', ...how, b.file], { cwd: CAPTURES });
          expect(r.code, how[0]).toBe(b.cli_tree.rc);
          // memray: "Failed to parse allocation records in FILE\nReason: ..."; memtree: one line, "FILE: reason".
          const memrayFirst = b.cli_tree.stderr!.split('\n')[0]!;
          expect(r.stderr.startsWith(`${memrayFirst}: `), `${how[0]}: ${r.stderr}`).toBe(true);
        }
      });
    } else {
      it(`${b.file}: memray tree accepts it, so memtree exits 0 with a tree of memray's totals`, async () => {
        expect(b.cli_tree.note).toMatch(/the file was accepted/);
        const r = await runMemtree(['tree', '--json', '--no-daemon', b.file], { cwd: CAPTURES });
        expect(r.code).toBe(0);
        const doc = JSON.parse(r.stdout) as TreeDocument;
        expect(doc.root.bytes).toBeGreaterThan(0);
        const meta = b.python_api.metadata!;
        expect(doc.capture.peakMemory).toBe(meta.peak_memory);
        expect(doc.capture.totalAllocations).toBe(meta.total_allocations);
        expect(doc.capture.commandLine).toBe(meta.command_line);
      });
    }
  }
});
