/**
 * `memtree memory`: --json equals memray's memory.json snapshots for every capture with a
 * reference, through memtreed and with --no-daemon; the chart shows the peak, fits the width,
 * is plain when piped; capture/memory downsampling keeps every bucket's extremes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureOpenRequest } from '../../protocol/src/capture.js';
import { CaptureMemoryRequest, type CaptureMemoryResult } from '../../protocol/src/memory.js';
import { DaemonInstance, tempStateDir } from '../helpers/daemon-instance.js';
import { diesMidAnswer, fakeDaemon } from '../helpers/fake-daemon.js';
import { readExpected } from '../helpers/expected.js';
import { CAPTURES, EXPECTED } from '../helpers/paths.js';
import { runMemtree } from '../helpers/run-cli.js';

let daemon: DaemonInstance;
beforeAll(async () => {
  daemon = await DaemonInstance.start();
});
afterAll(async () => {
  await daemon.stop();
});

const WITH_MEMORY = fs
  .readdirSync(EXPECTED)
  .filter((c) => fs.existsSync(path.join(EXPECTED, c, 'memory.json.gz')) && fs.existsSync(path.join(CAPTURES, `${c}.bin`)))
  .sort();

describe("memtree memory --json equals memray's memory snapshots", () => {
  it('has references to compare with', () => {
    expect(WITH_MEMORY.length).toBeGreaterThanOrEqual(15);
  });
  for (const capture of WITH_MEMORY) {
    it(`${capture}: through memtreed and --no-daemon`, async () => {
      const want = readExpected<{ snapshots: number[][]; start_time_ms: number; end_time_ms: number }>(capture, 'memory.json');
      const file = path.join(CAPTURES, `${capture}.bin`);
      for (const mode of [['--state-dir', daemon.stateDir], ['--no-daemon']]) {
        const r = await runMemtree(['memory', '--json', ...mode, file]);
        expect(r.code, r.stderr).toBe(0);
        const got = JSON.parse(r.stdout) as CaptureMemoryResult;
        expect(got.snapshots).toEqual(want.snapshots);
        expect([got.startTimeMs, got.endTimeMs]).toEqual([want.start_time_ms, want.end_time_ms]);
      }
    });
  }
});

describe('the chart', () => {
  it('fits the width, marks the peak, and is plain text when piped', async () => {
    const r = await runMemtree(['memory', '--no-daemon', '--width', '60', '--height', '8', path.join(CAPTURES, 'peak_then_free.bin')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/\x1b/);
    const lines = r.stdout.trimEnd().split('\n');
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(60);
    // 30 MB freed before the end: the peak is memray's high-water mark, before snapshot 8.
    expect(r.stdout).toContain('peak 30.039MB before snapshot 8');
    expect(lines.filter((l) => l.includes('▲'))).toHaveLength(1);
    expect(r.stdout).toMatch(/█ heap {2}• RSS {2}10 memory snapshots/);
  });

  it('is coloured when asked to be', async () => {
    const r = await runMemtree(['memory', '--no-daemon', path.join(CAPTURES, 'simple.bin')], { env: { ...process.env, FORCE_COLOR: '1', NO_COLOR: '' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\x1b\[38;2;/);
  });

  it('reports a missing file and bad options like the other commands', async () => {
    const missing = await runMemtree(['memory', '--no-daemon', path.join(CAPTURES, 'nope.bin')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No such file');
    const usage = await runMemtree(['memory', '--width', '0', path.join(CAPTURES, 'simple.bin')]);
    expect(usage.code).toBe(2);
  });

  it('a daemon that dies while answering: exit 1 at once, saying so (never a hang or a silent exit)', async () => {
    const dir = tempStateDir();
    const server = await fakeDaemon(path.join(dir, 'memtreed.sock'), diesMidAnswer);
    try {
      const r = await runMemtree(['memory', '--json', '--state-dir', dir, path.join(CAPTURES, 'simple.bin')]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^memtree: memtreed closed the connection before answering .*\n$/);
    } finally {
      await new Promise((r) => server.close(r));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('capture/memory downsampling', () => {
  it('keeps each bucket at its min and max, so the peak survives', async () => {
    const rpc = await daemon.connect();
    try {
      const open = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: path.join(CAPTURES, 'crashed_a.bin') });
      const whole = await rpc.conn.sendRequest(CaptureMemoryRequest.type, { captureId: open.captureId });
      const snaps = whole.snapshots!;
      for (const points of [1, 3, 7, 64]) {
        const r = await rpc.conn.sendRequest(CaptureMemoryRequest.type, { captureId: open.captureId, points });
        const buckets = r.buckets!;
        expect(buckets.length).toBeLessThanOrEqual(points);
        // The buckets cover every snapshot once, in order.
        expect(buckets.flatMap((b) => Array.from({ length: b.last - b.first + 1 }, (_, i) => b.first + i))).toEqual(snaps.map((_, i) => i));
        for (const b of buckets) {
          const part = snaps.slice(b.first, b.last + 1);
          expect(b.heap).toEqual([Math.min(...part.map((s) => s[2]!)), Math.max(...part.map((s) => s[2]!))]);
          expect(b.rss).toEqual([Math.min(...part.map((s) => s[1]!)), Math.max(...part.map((s) => s[1]!))]);
        }
        expect(Math.max(...buckets.map((b) => b.heap[1]))).toBe(Math.max(...snaps.map((s) => s[2]!)));
        expect(r.peak).toEqual(whole.peak);
      }
      const more = await rpc.conn.sendRequest(CaptureMemoryRequest.type, { captureId: open.captureId, points: 1000 });
      expect(more.snapshots).toEqual(snaps);
      await expect(rpc.conn.sendRequest(CaptureMemoryRequest.type, { captureId: open.captureId, points: 0 })).rejects.toThrow(/points/);
    } finally {
      rpc.close();
    }
  });
});
