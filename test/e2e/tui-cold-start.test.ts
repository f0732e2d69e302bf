/**
 * The view of a small capture on a cold start (no daemon running): it reads the capture itself
 * while memtreed starts and indexes it (client/src/tui/cold-view.ts), with every feature of the
 * view through the daemon: the capture replaced under it gets the changed-capture banner, and
 * `r` opens the new version, through the daemon that was started.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempStateDir, waitFor } from '../helpers/daemon-instance.js';
import { KEY } from '../helpers/keys.js';
import { CAPTURES, tempDir } from '../helpers/paths.js';
import { PtySession, replaceCaptureUnderView } from '../helpers/pty-session.js';
import { runMemtree } from '../helpers/run-cli.js';

describe('the view on a cold start', () => {
  it('shows the tree, starts the daemon; a replaced capture gets the banner and r shows the new version', async () => {
    const stateDir = tempStateDir();
    const dir = tempDir();
    const file = path.join(dir, 'app.bin');
    fs.copyFileSync(path.join(CAPTURES, 'simple.bin'), file);
    const s = PtySession.memtree(['tree', '--state-dir', stateDir, file], { cols: 120, rows: 30, cwd: dir });
    try {
      await s.waitFor((l) => l.some((x) => x.includes('<ROOT>')) && l.join('\n').includes('level1'), 20_000, 'the first screen');
      expect(s.raw).toContain('\x1b[?1049h'); // on the alternate screen (the other test checks it never is)
      // The daemon it started indexes the capture meanwhile.
      const log = path.join(stateDir, 'memtreed.log');
      await waitFor(() => (fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('"msg":"prefetched"') ? true : undefined), 20_000, 'the prefetch');
      // The view asks this process: it holds no connection to the daemon (the status request's own is the one client).
      const before = await runMemtree(['rpc', '--no-spawn', '--state-dir', stateDir, 'daemon/status']);
      expect(JSON.parse(before.stdout).clients).toBe(1);
      // Other views work on the records read here: the thread picker, then back.
      s.write('t');
      await s.waitFor((l) => l.some((x) => x.includes('  0x1  ')), 20_000, 'the thread picker');
      s.write(KEY.escape);
      await s.waitFor((l) => !l.some((x) => x.includes('  0x1  ')) && l.join('\n').includes('level1'), 20_000, 'the tree again');
      await replaceCaptureUnderView(s, file, CAPTURES);
      s.write('q');
      expect(await s.exited()).toBe(0);
      // The new version was opened through the daemon.
      const status = await runMemtree(['rpc', '--no-spawn', '--state-dir', stateDir, 'daemon/status']);
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout).captures.map((c: { path: string }) => c.path)).toContain(file);
    } finally {
      s.kill();
      await runMemtree(['daemon', 'stop', '--state-dir', stateDir]);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a daemon that cannot start: the reason, and the view never takes the terminal', async () => {
    const stateDir = tempStateDir();
    const elsewhere = tempDir();
    fs.symlinkSync(elsewhere, path.join(stateDir, 'index')); // memtreed refuses a symlinked index dir
    const s = PtySession.memtree(['tree', '--state-dir', stateDir, path.join(CAPTURES, 'simple.bin')], { cols: 120, rows: 30 });
    try {
      expect(await s.exited()).toBe(1);
      expect(s.raw).toContain(`memtree: memtreed could not start: refusing to use ${path.join(stateDir, 'index')}: it is a symbolic link`);
      expect(s.raw).not.toContain('\x1b[?1049h'); // the alternate screen: the view never started
    } finally {
      s.kill();
    }
  });
});
