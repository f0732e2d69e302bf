/**
 * The daemon killed while the view is open: the view says so (and where the log is), keeps its
 * rows, and `r` starts a daemon, opens the capture again and puts the cursor back where it was.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DaemonInstance } from '../helpers/daemon-instance.js';
import { KEY } from '../helpers/keys.js';
import { CAPTURES, MEMTREE_BIN, SCENARIOS } from '../helpers/paths.js';
import { PtySession } from '../helpers/pty-session.js';

/** The text of row y when it has highlighted (cursor) cells in the tree pane, else undefined. */
function highlighted(s: PtySession, y: number): string | undefined {
  const line = s.term.buffer.active.getLine(s.term.buffer.active.viewportY + y);
  if (line === undefined) return undefined;
  for (let x = 0; x < 60; x++) if (!line.getCell(x)!.isBgDefault()) return line.translateToString(true, 0, 60);
  return undefined;
}

/** The tree pane's text (the rows, without the detail panel at 120 columns). */
const pane = (lines: readonly string[]): string => lines.slice(1, 25).map((l) => l.slice(0, 70)).join('\n');

describe('a lost daemon in the view', () => {
  it('SIGKILL to memtreed: the banner names the loss and the log; r brings the tree back with the cursor where it was', async () => {
    const daemon = await DaemonInstance.start();
    const s = PtySession.memtree(['tree', '--state-dir', daemon.stateDir, path.join(CAPTURES, 'simple.bin')], { cols: 120, rows: 30, cwd: SCENARIOS });
    try {
      // The first-child chain loaded (main on row 4): ↓ before it is there stops short.
      await s.waitFor((l) => highlighted(s, 1)?.includes('<ROOT>') === true && l[4]!.includes('main  simple.py:45'), 20_000, 'the first screen');
      s.write(KEY.down + KEY.down + KEY.down);
      const before = await s.waitFor(() => highlighted(s, 4)?.includes('main') === true, 20_000, 'the cursor on main');
      await daemon.kill9();
      // The whole screen, not the first chunk of its repaint (the banner row comes first).
      const lost = await s.waitFor(
        (l) => l[1]!.includes('memtreed closed the connection') && l[2]!.includes('<ROOT>'),
        20_000,
        'the lost-daemon banner over the rows',
      );
      expect(lost[1]).toContain('press r to reconnect');
      expect(lost.join('\n')).toContain('<ROOT>'); // the rows stay
      s.write('r');
      // A new daemon (started by memtree) answers: the banner goes, the rows and the cursor are back.
      const back = await s.waitFor(
        (l) => !l.some((x) => x.includes('closed the connection')) && pane(l) === pane(before) && highlighted(s, 4)?.includes('main') === true,
        30_000,
        'the tree back after r',
      );
      expect(back[1]).toContain('<ROOT>');
      s.write('q');
      expect(await s.exited()).toBe(0);
    } finally {
      s.kill();
      // The daemon `r` started.
      execFileSync(process.execPath, [MEMTREE_BIN, 'daemon', 'stop', '--state-dir', daemon.stateDir], { stdio: 'ignore' });
      await daemon.stop();
    }
  });
});
