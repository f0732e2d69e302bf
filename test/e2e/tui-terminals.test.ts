/**
 * The view under every common TERM, with ncurses 6 terminfo entries (extended-number format,
 * test/fixtures/terminfo): the tree rows equal memray's screens; with 8 colours no cell's
 * foreground is its background; without colours (vt100, NO_COLOR) the cursor row is reverse
 * video; a terminal that cannot address the cursor gets the printed tree and a note.
 */
import * as path from 'node:path';
import type xterm from '@xterm/headless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonInstance } from '../helpers/daemon-instance.js';
import { KEY } from '../helpers/keys.js';
import { CAPTURES, FIXTURES, SCENARIOS } from '../helpers/paths.js';
import { PtySession } from '../helpers/pty-session.js';
import { MEMRAY_COLS, MEMRAY_ROWS, memrayRows, treeRows } from '../helpers/screen-rows.js';

const TERMINFO = path.join(FIXTURES, 'terminfo');

/**
 * TERM → the colours the view should use there (COLORTERM unset). alacritty has no entry in
 * the fixtures (nor in Debian's ncurses-base): the built-in xterm-256color, with 16 colours
 * since its name does not promise more (alacritty itself sets COLORTERM=truecolor).
 */
const TERMS: [term: string, colors: 'none' | 8 | 16 | 256][] = [
  ['xterm', 8],
  ['xterm-256color', 256],
  ['screen', 8],
  ['screen-256color', 256],
  ['tmux-256color', 256],
  ['linux', 8],
  ['vt100', 'none'],
  ['rxvt-unicode-256color', 256],
  ['alacritty', 16],
];

let daemon: DaemonInstance;
beforeAll(async () => {
  daemon = await DaemonInstance.start();
});
afterAll(async () => {
  await daemon.stop();
});

interface CellColors {
  readonly x: number;
  readonly y: number;
  readonly ch: string;
  readonly fg: number | undefined;
  readonly bg: number | undefined;
  readonly rgb: boolean;
  readonly inverse: boolean;
}

/** Every visible cell's colours (undefined: the terminal's default). */
function cellColors(term: xterm.Terminal): CellColors[] {
  const b = term.buffer.active;
  const out: CellColors[] = [];
  for (let y = 0; y < term.rows; y++) {
    const line = b.getLine(b.viewportY + y);
    for (let x = 0; x < term.cols; x++) {
      const c = line?.getCell(x);
      if (c === undefined) continue;
      out.push({
        x,
        y,
        ch: c.getChars(),
        fg: c.isFgDefault() ? undefined : c.getFgColor(),
        bg: c.isBgDefault() ? undefined : c.getBgColor(),
        rgb: c.isFgRGB() || c.isBgRGB(),
        inverse: c.isInverse() !== 0,
      });
    }
  }
  return out;
}

function start(env: NodeJS.ProcessEnv, capture = 'simple.bin'): PtySession {
  return PtySession.memtree(['tree', '--state-dir', daemon.stateDir, path.join(CAPTURES, capture)], {
    cols: MEMRAY_COLS,
    rows: MEMRAY_ROWS,
    cwd: SCENARIOS,
    env: { TERMINFO, COLORTERM: '', NO_COLOR: '', ...env },
  });
}

/** Waits until the tree rows are memray's rows of `screen`. */
function waitForRows(s: PtySession, screen: string): Promise<string[]> {
  const want = memrayRows(screen);
  return s.waitFor((l) => JSON.stringify(treeRows(l, 1)) === JSON.stringify(want), 20_000, `the rows of memray's ${screen}`);
}

describe('the view in every terminal', () => {
  for (const [term, colors] of TERMS) {
    it(`TERM=${term}: memray's rows after start and a key, ${colors === 'none' ? 'no colours, reverse-video cursor' : `${colors} colours`}, terminal restored`, async () => {
      const s = start({ TERM: term });
      try {
        await waitForRows(s, 'simple-00-initial.txt');
        s.write(KEY.down);
        // memray's rows do not show the cursor: wait for its highlight on the second row.
        const highlighted = (c: CellColors): boolean => c.y === 2 && (c.inverse || c.bg !== undefined);
        await waitForRows(s, 'simple-01-down.txt');
        await s.waitFor(() => cellColors(s.term).some(highlighted), 20_000, 'the cursor on the second row');
        const cells = cellColors(s.term);
        const cursorRow = 2;
        expect(s.screen()[cursorRow]).toContain('19.136MB');
        if (colors === 'none') {
          expect(cells.filter((c) => c.fg !== undefined || c.bg !== undefined)).toEqual([]);
          expect(cells.some((c) => c.y === cursorRow && c.inverse)).toBe(true);
        } else {
          expect(cells.some((c) => c.rgb)).toBe(false);
          const painted = cells.filter((c) => c.fg !== undefined && c.bg !== undefined);
          expect(painted.filter((c) => c.fg === c.bg)).toEqual([]);
          // The cursor row has a background: the check above had something to check.
          expect(cells.some((c) => c.y === cursorRow && c.bg !== undefined)).toBe(true);
          const max = Math.max(...cells.flatMap((c) => [c.fg ?? 0, c.bg ?? 0]));
          if (colors === 256) expect(max).toBeGreaterThanOrEqual(16);
          else expect(max).toBeLessThan(colors);
        }
        s.write('q');
        expect(await s.exited()).toBe(0);
        expect(s.term.buffer.active.type).toBe('normal');
      } finally {
        s.kill();
      }
    });
  }

  it('NO_COLOR: no colour anywhere, the cursor row in reverse video', async () => {
    const s = start({ TERM: 'xterm-256color', NO_COLOR: '1', COLORTERM: 'truecolor' });
    try {
      await waitForRows(s, 'simple-00-initial.txt');
      const cells = cellColors(s.term);
      expect(cells.filter((c) => c.fg !== undefined || c.bg !== undefined)).toEqual([]);
      expect(cells.some((c) => c.y === 1 && c.inverse)).toBe(true);
      s.write('q');
      expect(await s.exited()).toBe(0);
    } finally {
      s.kill();
    }
  });

  for (const term of ['dumb', 'unknown']) {
    it(`TERM=${term}: the tree is printed, with a one-line note on stderr, and memtree exits 0`, async () => {
      const s = start({ TERM: term });
      try {
        expect(await s.exited()).toBe(0);
        const text = s.screen().join('\n');
        expect(text).toContain(`memtree: the terminal (TERM=${term}) cannot move the cursor: printing the tree instead of the interactive view`);
        expect(text).toContain('📂 19.139MB (100.00 %) <ROOT>');
        expect(text).toContain('└── 📄 10.000MB (52.25 %) leaf_large  simple.py:14');
        expect(s.raw).not.toContain('\x1b[?1049h');
      } finally {
        s.kill();
      }
    });
  }
});
