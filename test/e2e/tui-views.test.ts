/**
 * memtree's view keys in the real `memtree tree` in a pseudo-terminal, against a real daemon
 * (and --no-daemon): search reveals a frame deep in a collapsed branch, focus then Backspace
 * returns to the same screen, the thread picker and the inverted toggle change the tree as
 * memray's own views of the capture do, the ❓ row opens, l/p/m switch modes (the header
 * names each, with memray's totals). Numbers are checked against memray's reference files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sizeFmt } from '../../client/src/format/size.js';
import { stacksCapture } from '../helpers/capture-writer.js';
import { DaemonInstance } from '../helpers/daemon-instance.js';
import { readExpected, type MemrayTreeFile } from '../helpers/expected.js';
import { KEY } from '../helpers/keys.js';
import { CAPTURES, SCENARIOS, tempDir } from '../helpers/paths.js';
import { PtySession } from '../helpers/pty-session.js';
import { treeRows } from '../helpers/screen-rows.js';

const COLS = 200;
const ROWS = 50;
/** Generous: the machine may be loaded. */
const WAIT = 20_000;

let daemon: DaemonInstance;
beforeAll(async () => {
  daemon = await DaemonInstance.start();
});
afterAll(async () => {
  await daemon.stop();
});

function start(capture: string, args: string[] = [], noDaemon = false): PtySession {
  const where = noDaemon ? ['--no-daemon'] : ['--state-dir', daemon.stateDir];
  const file = path.isAbsolute(capture) ? capture : path.join(CAPTURES, capture);
  return PtySession.memtree(['tree', ...where, ...args, file], { cols: COLS, rows: ROWS, cwd: SCENARIOS });
}

const has = (text: string) => (l: string[]) => l.some((x) => x.includes(text));
const footer = (l: string[]): string => l[l.length - 1] ?? '';
const rowsOf = (l: string[]): string[] => treeRows(l, 1, 120);
/** The detail panel's function line (the cursor's frame). */
const panelFunction = (l: string[]): string | undefined => l.map((x) => /🧭 Function: (\S+)/u.exec(x)?.[1]).find((x) => x !== undefined);

/** Whether every tree row is drawn whole (the terminal gets a frame in chunks): each ends with a position, <ROOT> or ❓'s text. */
const wholeRows = (l: string[]): boolean => rowsOf(l).length > 1 && rowsOf(l).every((r) => /(:\d+|<ROOT>|threshold \(not included in the total\))$/u.test(r));

async function firstScreen(s: PtySession): Promise<string[]> {
  await s.waitFor(has('<ROOT>'), WAIT, 'the first screen');
  // The first-child chain and the panel are drawn once nothing is loading any more.
  await s.waitFor((l) => !footer(l).includes('loading') && wholeRows(l), WAIT, 'the first screen loaded');
  const screen = await s.settle();
  return wholeRows(screen) ? screen : s.waitFor(wholeRows, WAIT, 'the first screen drawn whole');
}

async function quit(s: PtySession): Promise<void> {
  s.write('q');
  expect(await s.exited()).toBe(0);
}

function memray(capture: string, file: string): MemrayTreeFile {
  return readExpected<MemrayTreeFile>(capture, file);
}

describe.each([
  ['memtreed', false],
  ['--no-daemon', true],
] as const)('memtree tree’s view keys (%s)', (_how, noDaemon) => {
  it('/ finds leaf_small in a collapsed branch and reveals it; n / N step through matches; Esc clears', async () => {
    const s = start('simple.bin', [], noDaemon);
    try {
      let screen = await firstScreen(s);
      expect(rowsOf(screen).some((r) => r.includes('leaf_small'))).toBe(false); // under a collapsed level2
      s.write('/leaf_small');
      screen = await s.waitFor((l) => footer(l).includes('/leaf_small') && footer(l).includes('1/1') && panelFunction(l) === 'leaf_small', WAIT, 'the match');
      expect(rowsOf(screen).some((r) => r.includes('📄 100.001kB (0.52 %) leaf_small  simple.py:6'))).toBe(true);
      // Enter ends typing: `n` is a key again. level2 has three matches, largest first.
      s.write('\x7f'.repeat('leaf_small'.length) + 'level2\r');
      screen = await s.waitFor((l) => footer(l).includes('1/3') && panelFunction(l) === 'level2', WAIT, 'the first level2');
      expect(screen.some((l) => l.includes('🧭 Location: simple.py:28'))).toBe(true);
      s.write('n');
      screen = await s.waitFor((l) => footer(l).includes('2/3') && l.some((x) => x.includes('🧭 Location: simple.py:30')), WAIT, 'the second level2');
      s.write('N');
      screen = await s.waitFor((l) => footer(l).includes('1/3') && l.some((x) => x.includes('🧭 Location: simple.py:28')), WAIT, 'back to the first');
      s.write('\x1b');
      screen = await s.waitFor((l) => !footer(l).includes('/level2'), WAIT, 'the search cleared');
      await quit(s);
    } finally {
      s.kill();
    }
  });

  it('f shows the tree from level1 (memray’s show_from=level1 totals); Backspace returns to the same screen; x hides level1', async () => {
    const s = start('simple.bin', [], noDaemon);
    try {
      await firstScreen(s);
      s.write(KEY.down.repeat(4));
      // The whole frame, level1's source lines (its line 35 marked) included.
      const ready = (l: string[]): boolean => panelFunction(l) === 'level1' && !footer(l).includes('loading') && has('│▶35 ')(l) && wholeRows(l);
      await s.waitFor(ready, WAIT, 'the cursor on level1');
      let before = await s.settle();
      if (!ready(before)) before = await s.waitFor(ready, WAIT, 'the screen drawn whole');
      s.write('f');
      const ref = memray('simple', 'query-showfrom-level1-b200.json');
      let screen = await s.waitFor((l) => footer(l).includes('show from ^level1$') && l.some((x) => x.includes(`<ROOT>`)), WAIT, 'the focused view');
      // memray's root, and level1's two locations as the root's children.
      const top = (l: string[]): string => JSON.stringify(rowsOf(l).filter((r) => /^[├└]── /u.test(r)).map((r) => r.replace(/^.*%\) /u, '')));
      screen = await s.waitFor(
        (l) => has(`📂 ${sizeFmt(ref.tree.value)} (100.00 %) <ROOT>`)(l) && top(l) === JSON.stringify(['level1  simple.py:35', 'level1  simple.py:36']),
        WAIT,
        `the root of memray's show_from=level1 tree (${ref.tree.value} bytes) and level1's two locations under it`,
      );
      s.write(KEY.down.repeat(2));
      await s.waitFor((l) => panelFunction(l) === 'level2', WAIT, 'moved in the focused view');
      s.write('\x7f');
      // The same rows, cursor and panel (the footer loses only the back marker).
      const want = JSON.stringify(before.slice(0, -1));
      await s.waitFor((l) => !footer(l).includes('show from') && JSON.stringify(l.slice(0, -1)) === want, WAIT, 'the screen before f');
      // x: level1 frames leave every stack; their records stay (the root keeps every byte), under main.
      s.write('x');
      await s.waitFor(
        (l) => footer(l).includes('hide ^level1$') && wholeRows(l) && has('▼ 📂 19.139MB (100.00 %) <ROOT>')(l) && !rowsOf(l).some((r) => r.includes('level1')) && has(') level2  simple.py:28')(l),
        WAIT,
        'the tree without level1',
      );
      await quit(s);
    } finally {
      s.kill();
    }
  });

  it('t lists the threads with memray’s bytes; picking worker-alpha gives memray’s thread=… tree', async () => {
    const s = start('threads.bin', [], noDaemon);
    try {
      await firstScreen(s);
      s.write('t');
      const labels = ['0x1', '0x2 (worker-alpha)', '0x3 (worker-beta)', '0x4 (worker-gamma)', '0x5 (worker-delta)'];
      const screen = await s.waitFor((l) => labels.every((label) => l.some((x) => x.includes(`  ${label}  `))), WAIT, 'the thread list');
      const lines = labels.map((label) => {
        const file = `query-thread-${label.replace(/[ ()-]+/g, '_').replace(/_+$/, '')}-b1000000.json`;
        const bytes = memray('threads', file).tree.value;
        const line = screen.find((l) => l.includes(`  ${label}  `));
        expect(line, label).toBeDefined();
        expect(line, label).toContain(` ${sizeFmt(bytes)} `);
        return screen.indexOf(line!);
      });
      // Tick worker-alpha (the list is sorted by bytes: walk down to its line) and apply.
      const cursorLine = Math.min(...lines);
      s.write(KEY.down.repeat(lines[1]! - cursorLine) + ' \r');
      const ref = memray('threads', 'query-thread-0x2_worker_alpha-b200.json');
      await s.waitFor(has(`📂 ${sizeFmt(ref.tree.value)} (100.00 %) <ROOT>`), WAIT, 'the worker-alpha tree');
      await s.waitFor((l) => footer(l).includes('threads 0x2 (worker-alpha)'), WAIT, 'the filter in the footer');
      s.write('\x7f');
      await s.waitFor(has(`📂 ${sizeFmt(memray('threads', 'peak-b200.json').tree.value)} (100.00 %) <ROOT>`), WAIT, 'every thread again');
      await quit(s);
    } finally {
      s.kill();
    }
  });

  it('v shows the callers view (memray’s inverted children) and back', async () => {
    // memray's inverted data has every frame: uninteresting ones shown.
    const s = start('simple.bin', ['--show-uninteresting'], noDaemon);
    try {
      const first = await firstScreen(s);
      s.write('v');
      const ref = memray('simple', 'inverted-b1000000.json');
      const children = new Set(ref.tree.children.map((c) => `${sizeFmt(c.value)} ${c.location[0]}`));
      const topRows = (l: string[]): string[] => rowsOf(l).filter((r) => /^[├└]── /u.test(r));
      const sizeAndName = (r: string): string | undefined => /[📂📄] (\S+) \([\d.]+ %\) (\S+)/u.exec(r)?.slice(1, 3).join(' ');
      // Every root child shown is one of memray's (waiting for whole rows: the screen is redrawn in chunks).
      const screen = await s.waitFor(
        (l) => footer(l).includes('inverted') && topRows(l).length > 5 && topRows(l).every((r) => children.has(sizeAndName(r) ?? '')),
        WAIT,
        'the inverted view, its root children memray’s',
      );
      const top = topRows(screen);
      // The allocating frames: leaf_large first, a leaf of the normal tree.
      expect(top[0]).toContain('10.000MB (52.25 %) leaf_large  simple.py:14');
      s.write('v');
      const want = JSON.stringify(rowsOf(first));
      await s.waitFor((l) => !footer(l).includes('inverted') && JSON.stringify(rowsOf(l)) === want, WAIT, 'the normal view as at start');
      await quit(s);
    } finally {
      s.kill();
    }
  });

  it('the ❓ row of -b 5 opens into the left-out locations, biggest first (memray’s records 6 on)', async () => {
    const s = start('simple.bin', ['-b', '5'], noDaemon);
    try {
      await firstScreen(s);
      s.write(KEY.end);
      await s.waitFor((l) => l.some((x) => x.includes('Only the top 5 allocation locations')), WAIT, 'the cursor on ❓');
      s.write('\r');
      const records = readExpected<{ records: { size: number }[] }>('simple', 'peak-records.json').records.map((r) => r.size).sort((a, b) => b - a);
      const screen = await s.waitFor((l) => rowsOf(l).filter((r) => /^ {4}[├└]── 📄/u.test(r)).length > 3, WAIT, 'the left-out locations');
      const shown = rowsOf(screen).filter((r) => /^ {4}[├└]── 📄/u.test(r)).map((r) => /📄 (\S+) /u.exec(r)![1]);
      expect(shown.length).toBeGreaterThan(3);
      expect(shown).toEqual(records.slice(5, 5 + shown.length).map(sizeFmt));
      // On a location: its frame in the panel.
      s.write(KEY.down);
      await s.waitFor((l) => l.some((x) => x.includes('A location -b left out')), WAIT, 'the location’s panel');
      await quit(s);
    } finally {
      s.kill();
    }
  });

  it('l / m / p switch to leaks, temporary and peak; the header says so with memray’s totals', async () => {
    const s = start('threads.bin', [], noDaemon);
    try {
      await firstScreen(s);
      const leaks = memray('threads', 'leaks-b200.json').tree.value;
      const temp = memray('threads', 'temp1-b200.json').tree.value;
      const peak = memray('threads', 'peak-b200.json').meta.peak_memory;
      s.write('l');
      await s.waitFor((l) => l[0]!.startsWith(`Leaked (still allocated at exit): ${sizeFmt(leaks)};`), WAIT, 'the leaks header');
      s.write('m');
      await s.waitFor((l) => l[0]!.startsWith(`Temporary allocations (threshold 1): ${sizeFmt(temp)};`), WAIT, 'the temporary header');
      s.write('p');
      await s.waitFor((l) => l[0]!.startsWith(`Peak memory: ${sizeFmt(peak)};`), WAIT, 'the peak header');
      s.write('?');
      await s.waitFor(has('leaks / peak memory / temporary allocations'), WAIT, 'the key list');
      await s.waitFor(has('expand the linear group under the cursor'), WAIT, 'memray’s keys in it');
      s.write('\x1b');
      await s.waitFor((l) => !l.some((x) => x.includes('leaks / peak memory')), WAIT, 'the key list closed');
      await quit(s);
    } finally {
      s.kill();
    }
  });
});

describe('view keys on special captures', () => {
  it('a frame 200 levels down a collapsed branch is found and revealed', async () => {
    const chain = Array.from({ length: 200 }, (_, i) => [`step${i}`, '/app/deep.py', i + 1] as const).reverse();
    const file = path.join(tempDir('memtree-views-'), 'deep.bin');
    fs.writeFileSync(
      file,
      stacksCapture([
        { size: 5_000_000, stack: [['big', '/app/main.py', 3], ['main', '/app/main.py', 10]] },
        { size: 1000, stack: [['needle', '/app/deep.py', 500], ...chain, ['main', '/app/main.py', 11]] },
      ]),
    );
    const s = start(file);
    try {
      await firstScreen(s);
      s.write('/needle');
      // Scrolled sideways to the match (rows show their depth), the match's row and its panel.
      await s.waitFor(
        (l) => panelFunction(l) === 'needle' && footer(l).includes('1/1') && has('‹202')(l) && has('📄 1.000kB (0.02 %) needle')(l),
        WAIT,
        'the deep match revealed',
      );
      // Typing ends with Enter (until then `q` would be part of the query).
      s.write('\r');
      await s.waitFor((l) => !footer(l).includes('▏'), WAIT, 'typing done');
      await quit(s);
    } finally {
      s.kill();
    }
  });

  it('at 80x24 the query being typed and the match count show on the footer', async () => {
    const s = PtySession.memtree(['tree', '--state-dir', daemon.stateDir, path.join(CAPTURES, 'simple.bin')], { cols: 80, rows: 24, cwd: SCENARIOS });
    try {
      await s.waitFor(has('<ROOT>'), WAIT, 'the first screen');
      s.write('/level2');
      await s.waitFor((l) => footer(l).includes('/level2▏  1/3') && panelFunction(l) === 'level2', WAIT, 'the query and its count');
      s.write('\r');
      await s.waitFor((l) => footer(l).includes('q Quit'), WAIT, 'the keys back after typing');
      await quit(s);
    } finally {
      s.kill();
    }
  });

  it.each([false, true])('Backspace also returns from a range of the chart strip (g, [, Enter) to the whole capture’s screen (--no-daemon: %s)', async (noDaemon) => {
    const s = start('simple.bin', [], noDaemon);
    try {
      const first = await firstScreen(s);
      s.write('g');
      await s.waitFor((l) => l.some((x) => x.includes('▲')), WAIT, 'the chart strip');
      s.write('[');
      await s.settle();
      s.write('\r');
      await s.waitFor((l) => l[0] !== first[0] && footer(l).includes('⌫ back'), WAIT, 'the tree of a range');
      s.write('\x7f');
      await s.waitFor((l) => l[0] === first[0] && !footer(l).includes('⌫ back'), WAIT, 'the whole capture again');
      await quit(s);
    } finally {
      s.kill();
    }
  });

  it('m on an aggregated capture says why there is no temporary mode, and the tree stays', async () => {
    const s = start('aggregated_threads.bin');
    try {
      const first = await firstScreen(s);
      s.write('m');
      const screen = await s.waitFor((l) => footer(l).includes('No temporary allocations: this is an aggregated capture'), WAIT, 'the notice');
      expect(screen[0]).toBe(first[0]);
      await quit(s);
    } finally {
      s.kill();
    }
  });
});
