/**
 * The real `memtree tree` in a pseudo-terminal against a real daemon: the screen after each key
 * of memray's reference session equals memray 1.20's rows; the footer toggles; the terminal is
 * left as it was; errors, pipes, resizing and long names behave.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stacksCapture } from '../helpers/capture-writer.js';
import { truncateToWidth } from '../../client/src/tui/wcwidth.js';
import { layout } from '../../client/src/tui/layout.js';
import { DaemonInstance } from '../helpers/daemon-instance.js';
import { CAPTURES, MEMTREE_BIN, SCENARIOS, tempDir } from '../helpers/paths.js';
import { KEY } from '../helpers/keys.js';
import { PtySession } from '../helpers/pty-session.js';
import { memrayRows, treeRows } from '../helpers/screen-rows.js';

const COLS = 160;
const ROWS = 48;

let daemon: DaemonInstance;
beforeAll(async () => {
  daemon = await DaemonInstance.start();
});
afterAll(async () => {
  await daemon.stop();
});

const STEPS: [name: string, key: string][] = [
  ['01-down', KEY.down],
  ['02-down', KEY.down],
  ['03-e', 'e'],
  ['04-i', 'i'],
  ['05-u', 'u'],
  ['06-down', KEY.down],
  ['07-e', 'e'],
];

function start(capture: string, opts: { cols?: number; rows?: number; args?: string[] } = {}): PtySession {
  return PtySession.memtree(['tree', '--state-dir', daemon.stateDir, ...(opts.args ?? []), path.join(CAPTURES, capture)], {
    cols: opts.cols ?? COLS,
    rows: opts.rows ?? ROWS,
    cwd: SCENARIOS,
  });
}

describe('memtree tree in a terminal', () => {
  it('simple.bin: memray 1.20’s rows, labels, order and expansion after every key; footer labels toggle; q restores the terminal', async () => {
    const s = start('simple.bin');
    try {
      let screen = await s.until((l) => {
        expect(treeRows(l, 1)).toEqual(memrayRows('simple-00-initial.txt'));
        expect(l[ROWS - 1]).toContain('q Quit the app  i Hide import system  u Show uninteresting  e Expand linear group');
      });
      for (const [name, key] of STEPS) {
        s.write(key);
        screen = await s.until((l) => expect(treeRows(l, 1), name).toEqual(memrayRows(`simple-${name}.txt`)));
      }
      // After `i` and `u` the footer says what the keys will do next.
      expect(screen[ROWS - 1]).toContain('i Show import system');
      expect(screen[ROWS - 1]).toContain('u Hide uninteresting');
      s.write('q');
      expect(await s.exited()).toBe(0);
      // The alternate screen was left and the cursor shown again.
      expect(s.term.buffer.active.type).toBe('normal');
      expect(s.raw.lastIndexOf('\x1b[?1049l')).toBeGreaterThan(s.raw.lastIndexOf('\x1b[?1049h'));
      expect(s.raw.lastIndexOf('\x1b[?25h')).toBeGreaterThan(s.raw.lastIndexOf('\x1b[?25l'));
    } finally {
      s.kill();
    }
  });

  for (const [how, key] of [
    ['q', 'q'],
    ['ctrl+C', KEY.ctrlC],
  ] as const) {
    it(`the terminal modes are restored after quitting with ${how} (stty shows canonical mode and echo again)`, async () => {
      const s = PtySession.memtree(['tree', '--state-dir', daemon.stateDir, path.join(CAPTURES, 'threads.bin')], { cols: 100, rows: 30, after: 'stty -a' });
      try {
        // The footer is drawn last, in raw mode: the view takes keys by then.
        await s.waitFor((l) => l.some((x) => x.includes('<ROOT>')) && l[l.length - 1]!.includes('q Quit'), 20_000, 'the first screen');
        s.write(key);
        // Both quit the view normally (memray's ctrl+C quits its Textual app too).
        expect(await s.exited()).toBe(0);
        const text = s.screen().join('\n');
        expect(text).toMatch(/(^|\s)icanon(\s|$)/m);
        expect(text).toMatch(/(^|\s)echo(\s|$)/m);
        expect(text).not.toMatch(/-icanon|-echo\s/);
      } finally {
        s.kill();
      }
    });
  }

  it('at 80x24, resized, with 265-character function names: rows are cut, never wrapped', async () => {
    const s = start('unicode.bin', { cols: 100, rows: 30, args: ['--print'] });
    // --print on a terminal: the whole tree as text (colours on), exit 0.
    expect(await s.exited()).toBe(0);
    // The heaviest chain (expanded at start) ends in a 265-character name, and a thread name with an emoji.
    const long = `a_very_long_function_name${'_that_keeps_going'.repeat(14)}_end`;
    const file = path.join(tempDir('memtree-pty-'), 'long.bin');
    fs.writeFileSync(
      file,
      stacksCapture([
        { size: 3_000_000, stack: [[long, '/app/módulo_ñ.py', 3], ['main', '/app/app.py', 10]], tid: 2, threadName: '工作线程-🚀' },
        { size: 1000, stack: [['other', '/app/app.py', 12]] },
      ]),
    );
    const t = PtySession.memtree(['tree', '--state-dir', daemon.stateDir, file], { cols: 80, rows: 24 });
    try {
      await t.waitFor((l) => l.some((x) => x.includes('<ROOT>')), 20_000, 'the first screen');
      t.write(KEY.down + KEY.down);
      let screen = await t.until((lines) => expect(lines.some((l) => /📄 3.000MB \(99.97 %\) a_very_long_func\S*│/u.test(l))).toBe(true));
      const check = (lines: string[], cols: number): void => {
        // Every tree row starts like a tree row: a wrapped tail would start with letters.
        const pane = layout(cols, lines.length).tree;
        const rows = treeRows(lines, pane.y, pane.width, pane.height);
        expect(rows.length).toBeGreaterThan(3);
        for (const row of rows) expect(row).toMatch(/^(?:[│├└▼▶ ]|📂|📄|❓|⋯)/u);
        expect(lines[lines.length - 1]).toMatch(/q Quit/);
        for (const l of lines) expect(truncateToWidth(l, cols)).toBe(l);
      };
      check(screen, 80);
      t.resize(120, 40);
      screen = await t.until((l) => check(l, 120));
      t.resize(60, 20);
      screen = await t.until((l) => check(l, 60));
      t.write('q');
      expect(await t.exited()).toBe(0);
    } finally {
      t.kill();
    }
  });

  it('errors are memray’s, on one line, without taking over the screen', async () => {
    // Wide terminals: a message naming a long checkout path must not wrap mid-word.
    const missing = PtySession.memtree(['tree', '--state-dir', daemon.stateDir, 'nosuchfile.bin'], { cols: 400 });
    expect(await missing.exited()).toBe(1);
    expect(missing.screen().join('\n')).toContain('No such file: nosuchfile.bin');
    expect(missing.raw).not.toContain('\x1b[?1049h');
    const bad = PtySession.memtree(['tree', '--state-dir', daemon.stateDir, path.join(CAPTURES, 'bad_random.bin')], { cols: 400 });
    expect(await bad.exited()).toBe(1);
    expect(bad.term.buffer.active.type).toBe('normal');
    expect(bad.screen().join('\n')).toMatch(/Failed to parse allocation records in .*bad_random\.bin: not a memray capture/);
  });

  it('`memtree tree x.bin | cat` prints the tree and exits 0', async () => {
    // The status echoed is memtree's own (inside the pipe's left side), not cat's: sh has no pipefail.
    const s = PtySession.command('/bin/sh', ['-c', '("$NODE" "$MEMTREE_BIN" tree --state-dir "$STATE_DIR" "$CAPTURE"; echo "STATUS=$?") | cat'], {
      cols: 140,
      rows: 60,
      env: { NODE: process.execPath, MEMTREE_BIN, STATE_DIR: daemon.stateDir, CAPTURE: path.join(CAPTURES, 'simple.bin') },
    });
    expect(await s.exited()).toBe(0);
    const text = s.screen().join('\n');
    expect(text).toContain('📂 19.139MB (100.00 %) <ROOT>');
    expect(text).toContain('└── 📄 10.000MB (52.25 %) leaf_large  simple.py:14');
    expect(text).toMatch(/^STATUS=0$/m);
    expect(s.raw).not.toContain('\x1b[?1049h');
  });
});
