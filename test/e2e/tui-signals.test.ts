/**
 * The view and the outside world: SIGINT, SIGTERM and SIGHUP restore the terminal and exit
 * 130 / 143 / 129; `q` while indexing cancels and exits 130; a damaged capture keeps its
 * warning banner under the header for the whole session.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCapture } from '../bench/generate-capture.js';
import { DaemonInstance } from '../helpers/daemon-instance.js';
import { KEY } from '../helpers/keys.js';
import { CAPTURES, tempDir } from '../helpers/paths.js';
import { PtySession } from '../helpers/pty-session.js';

let daemon: DaemonInstance;
beforeAll(async () => {
  daemon = await DaemonInstance.start();
});
afterAll(async () => {
  await daemon.stop();
});

/** memtree in a terminal whose modes `stty -a` prints afterwards. */
function withStty(capture: string): PtySession {
  return PtySession.memtree(['tree', '--state-dir', daemon.stateDir, capture], { cols: 100, rows: 30, after: 'stty -a' });
}

/** The pid of the session shell's child (memtree). */
function childOf(pid: number): number {
  const out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).trim();
  expect(out).toMatch(/^\d+$/);
  return Number(out);
}

/** Every mode the view turned on was turned off again afterwards. */
function expectModesRestored(s: PtySession): void {
  const raw = s.raw;
  expect(s.term.buffer.active.type).toBe('normal');
  expect(raw.lastIndexOf('\x1b[?1049l')).toBeGreaterThan(raw.lastIndexOf('\x1b[?1049h'));
  expect(raw.lastIndexOf('\x1b[?25h')).toBeGreaterThan(raw.lastIndexOf('\x1b[?25l'));
  for (const mouse of ['1000', '1002', '1003', '1006', '1015']) {
    if (raw.includes(`\x1b[?${mouse}h`)) expect(raw.lastIndexOf(`\x1b[?${mouse}l`)).toBeGreaterThan(raw.lastIndexOf(`\x1b[?${mouse}h`));
  }
  const text = s.screen().join('\n');
  expect(text).toMatch(/(^|\s)icanon(\s|$)/m);
  expect(text).toMatch(/(^|\s)echo(\s|$)/m);
  expect(text).not.toMatch(/-icanon|-echo\s/);
}

describe('signals', () => {
  for (const [signal, status] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    it(`${signal} to the view: terminal restored (alternate screen, cursor, echo, canonical mode), status ${status}`, async () => {
      const s = withStty(path.join(CAPTURES, 'threads.bin'));
      try {
        await s.waitFor((l) => l.some((x) => x.includes('<ROOT>')) && l.some((x) => x.includes('q Quit')), 20_000, 'the first screen');
        process.kill(childOf(s.pid), signal);
        expect(await s.exited()).toBe(status);
        expectModesRestored(s);
      } finally {
        s.kill();
      }
    });
  }

  it('q while the capture is being indexed: cancelled, said so, status 130, terminal restored', async () => {
    const dir = tempDir('memtree-cancel-');
    const capture = path.join(dir, 'big.bin');
    generateCapture(capture, { records: 3_000_000, seed: 7 });
    const s = withStty(capture);
    try {
      // The progress view, or already the provisional tree of the peak so far: both cancel on q.
      await s.waitFor((l) => l.some((x) => x.includes('Indexing big.bin') || x.startsWith('provisional · ')), 30_000, 'the progress view');
      s.write('q');
      expect(await s.exited()).toBe(130);
      const text = s.screen().join('\n');
      expect(text).toContain(`memtree: indexing ${capture} cancelled`);
      expectModesRestored(s);
    } finally {
      s.kill();
    }
  });
});

describe('warnings in the view', () => {
  for (const [capture, warning] of [
    ['crashed_a.bin', 'no TRAILER record: the capture was not finished'],
    ['bad_truncated_raw.bin', 'reading stopped at byte 11861'],
  ] as const) {
    it(`${capture}: a banner under the header from the first screen to the last`, async () => {
      const s = PtySession.memtree(['tree', '--state-dir', daemon.stateDir, path.join(CAPTURES, capture)], { cols: 120, rows: 30 });
      try {
        const first = await s.waitFor((l) => l.some((x) => x.includes('<ROOT>')) && l[1]!.includes(warning), 20_000, 'the banner');
        expect(first[1]).toMatch(new RegExp(`^⚠ ${capture.replace('.', '\\.')}: `));
        // The tree starts below the banner.
        expect(first[2]).toMatch(/<ROOT>/);
        const line = s.term.buffer.active.getLine(1)!;
        expect(line.getCell(0)!.isBgDefault()).toBe(false);
        expect(line.getCell(2)!.getFgColor()).not.toBe(line.getCell(2)!.getBgColor());
        s.write(KEY.down);
        await s.waitFor(
          (l) => {
            const b = s.term.buffer.active.getLine(3);
            return l[1]!.includes(warning) && b !== undefined && !b.getCell(8)!.isBgDefault();
          },
          20_000,
          'the cursor on the next row, the banner still there',
        );
        s.write('q');
        expect(await s.exited()).toBe(0);
        // And, as memray does, the warning again on the terminal after the view.
        expect(s.screen().join('\n')).toContain(`memtree: warning:`);
      } finally {
        s.kill();
      }
    });
  }
});
