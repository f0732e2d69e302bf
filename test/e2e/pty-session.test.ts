/**
 * The pseudo-terminal harness itself: node-pty alone drops the end of a command's output when
 * the terminal's last process exits (microsoft/node-pty#72; here it lost the last line of a
 * 300-line burst in most runs), which made the signal tests fail now and then with the restored
 * screen missing. PtySession keeps a shell on the terminal until every byte has arrived.
 */
import { describe, expect, it } from 'vitest';
import { PtySession } from '../helpers/pty-session.js';

const BURST = 'i=0; while [ $i -lt 300 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done; echo END';

describe('PtySession', () => {
  it('a command that writes a burst and exits at once: every byte arrives before exited() resolves (20 runs)', async () => {
    for (let run = 0; run < 20; run++) {
      const s = PtySession.command('/bin/sh', ['-c', BURST], { cols: 100, rows: 30 });
      try {
        expect(await s.exited()).toBe(0);
        expect(s.raw).toContain('line-299-');
        expect(s.raw).toMatch(/END\r\n/);
        expect(s.screen().some((l) => l === 'END')).toBe(true);
      } finally {
        s.kill();
      }
    }
  });

  it("exited() gives the command's own status; `after` runs in the terminal with it as $s", async () => {
    const s = PtySession.command('/bin/sh', ['-c', 'echo hello; exit 3'], { after: 'echo "after: $s"' });
    try {
      expect(await s.exited()).toBe(3);
      expect(s.screen()).toContain('after: 3');
    } finally {
      s.kill();
    }
  });

  it('waitFor and until look at the screen between frames only (ESC 7 … ESC 8, as neo-blessed writes each), never at a half-drawn one', async () => {
    // A frame in two writes half a second apart: its first half alone satisfies the check.
    const frame = 'printf "\\0337\\033[1;1HAAAA"; sleep 0.5; printf "\\033[1;5HBBBB\\0338"; read -r _';
    for (const look of ['waitFor', 'until'] as const) {
      const s = PtySession.command('/bin/sh', ['-c', frame]);
      try {
        const first = (l: string[]): boolean => l[0]!.startsWith('AAAA');
        const screen =
          look === 'waitFor'
            ? await s.waitFor(first, 20_000, 'the frame')
            : await s.until((l) => expect(first(l)).toBe(true), 20_000);
        expect(screen[0], look).toBe('AAAABBBB');
        s.write('\r');
        expect(await s.exited()).toBe(0);
      } finally {
        s.kill();
      }
    }
  });

  it('Ctrl-C typed at a cooked terminal interrupts the command only; the status says so', async () => {
    const s = PtySession.command('/bin/sh', ['-c', 'echo ready; exec sleep 30']);
    try {
      await s.waitFor((l) => l.includes('ready'), 20_000, 'the command');
      s.write('\x03');
      expect(await s.exited()).toBe(130);
    } finally {
      s.kill();
    }
  });
});
