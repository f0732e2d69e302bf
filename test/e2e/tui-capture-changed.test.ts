/**
 * The capture file replaced while the view shows it: the view says so instead of mixing the two
 * versions or ending, and `r` opens the new version.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DaemonInstance } from '../helpers/daemon-instance.js';
import { CAPTURES, MEMTREE_BIN, tempDir } from '../helpers/paths.js';
import { PtySession, replaceCaptureUnderView } from '../helpers/pty-session.js';

describe('a capture replaced under the view', () => {
  it('the banner says it changed; r shows the new version', async () => {
    const daemon = await DaemonInstance.start();
    const dir = tempDir();
    const file = path.join(dir, 'app.bin');
    fs.copyFileSync(path.join(CAPTURES, 'simple.bin'), file);
    const s = PtySession.memtree(['tree', '--state-dir', daemon.stateDir, file], { cols: 120, rows: 30, cwd: dir });
    try {
      // simple.bin's peak is 19138731 bytes (18.252MB); peak_then_free.bin's is another.
      await s.waitFor((l) => l.some((x) => x.includes('<ROOT>')) && l.join('\n').includes('level1'), 20_000, 'the first screen');
      await replaceCaptureUnderView(s, file, CAPTURES);
      s.write('q');
      expect(await s.exited()).toBe(0);
    } finally {
      s.kill();
      execFileSync(process.execPath, [MEMTREE_BIN, 'daemon', 'stop', '--state-dir', daemon.stateDir], { stdio: 'ignore' });
      await daemon.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
