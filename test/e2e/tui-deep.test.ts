/**
 * A 300-level recursion at 80x24: wherever the cursor goes (End, PageUp, PageDown, ← / →) its
 * row's function name is on the screen; rows scrolled sideways show their depth.
 */
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonInstance } from '../helpers/daemon-instance.js';
import { KEY } from '../helpers/keys.js';
import { CAPTURES } from '../helpers/paths.js';
import { PtySession } from '../helpers/pty-session.js';

let daemon: DaemonInstance;
beforeAll(async () => {
  daemon = await DaemonInstance.start();
});
afterAll(async () => {
  await daemon.stop();
});

/** The cursor row: the one with highlighted (background-coloured) cells; undefined before the first frame. */
function cursorRow(s: PtySession): { y: number; text: string } | undefined {
  const b = s.term.buffer.active;
  for (let y = 1; y < s.term.rows - 1; y++) {
    const line = b.getLine(b.viewportY + y)!;
    for (let x = 0; x < 48; x++) {
      if (!line.getCell(x)!.isBgDefault()) return { y, text: line.translateToString(true, 0, 48) };
    }
  }
  return undefined;
}

/** The function name in a tree row's label: the word after the percentage. */
const FN = /%\) (\S+)/;

describe('deep trees at 80x24', () => {
  it('deep_recursion.bin: after End, PageUp, PageDown, ← and → the cursor row shows its function name; scrolled rows show their depth', async () => {
    const s = PtySession.memtree(['tree', '--state-dir', daemon.stateDir, path.join(CAPTURES, 'deep_recursion.bin')], { cols: 80, rows: 24 });
    try {
      await s.waitFor((l) => l.some((x) => x.includes('<ROOT>')) && cursorRow(s) !== undefined, 20_000, 'the first screen');
      const seen: string[] = [];
      /** Presses `key` and waits until the cursor row differs from before and names its function. */
      const press = async (key: string, what: string, moved: (before: { y: number; text: string }, after: { y: number; text: string }) => boolean): Promise<string> => {
        const before = cursorRow(s)!;
        s.write(key);
        await s.waitFor(
          () => {
            const now = cursorRow(s);
            return now !== undefined && moved(before, now) && FN.test(now.text);
          },
          20_000,
          `the cursor row after ${what} with its function name`,
        );
        const row = cursorRow(s)!;
        seen.push(`${what}: ${row.text}`);
        return FN.exec(row.text)![1]!;
      };
      // Every key here changes the cursor row (its place, its text, or its arrow).
      const any = (b: { y: number; text: string }, a: { y: number; text: string }): boolean => a.y !== b.y || a.text !== b.text;
      // Down the first-child chain (expanded at start, ~400 rows), a page at a time.
      let deepest = '';
      for (let i = 0; i < 10; i++) deepest = await press(KEY.pageDown, `PageDown ${i + 1}`, any);
      expect(deepest).toMatch(/^(recurse|very_deep)$/);
      // Every row is scrolled sideways and says its depth.
      const depths = s.screen().slice(1, 23).map((l) => Number(/^‹(\d+)/.exec(l)?.[1]));
      expect(depths.every((d) => d > 100)).toBe(true);
      expect(await press(KEY.end, 'End', (_b, a) => a.text.includes('1.340kB'))).toBe('_run_tracker');
      expect(await press(KEY.pageUp, 'PageUp', any)).toMatch(/^(recurse|very_deep)$/);
      expect(Number(/^‹(\d+)/.exec(cursorRow(s)!.text)?.[1])).toBeGreaterThan(250);
      // ← collapses an expanded row or goes to the parent; → expands, then enters.
      for (let i = 0; i < 3; i++) await press(KEY.left, `← ${i + 1}`, any);
      for (let i = 0; i < 3; i++) await press(KEY.right, `→ ${i + 1}`, any);
      // Home brings the guides back.
      await press(KEY.home, 'Home', (_b, a) => a.text.includes('<ROOT>'));
      expect(s.screen()[2]).toMatch(/^├── /);
      s.write('q');
      expect(await s.exited()).toBe(0);
    } finally {
      s.kill();
    }
  });
});
