/**
 * The chart strip and range cursor of the real `memtree tree` in a pseudo-terminal against a
 * real daemon: `g` shows the chart with its peak, `[` `]` `{` `}` move the range cursor, Enter
 * and `L` show the tree of the range's peak and leaks (root and header equal to memray's
 * temporal reference for that range), Esc goes back to the whole capture, and a range given
 * on the command line is where the view starts.
 */
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sizeFmt } from '../../client/src/format/size.js';
import { DaemonInstance } from '../helpers/daemon-instance.js';
import { readExpected, type MemrayTemporalRange } from '../helpers/expected.js';
import { CAPTURES, SCENARIOS } from '../helpers/paths.js';
import { KEY } from '../helpers/keys.js';
import { PtySession } from '../helpers/pty-session.js';

const COLS = 120;
const ROWS = 40;
const CAPTURE = 'peak_then_free'; // 10 memory snapshots, the peak before snapshot 8

function reference(kind: 'peak' | 'leaks', name: string): MemrayTemporalRange {
  const file = readExpected<{ ranges: MemrayTemporalRange[] }>(CAPTURE, `temporal-${kind}.json`);
  const r = file.ranges.find((x) => x.name === name);
  if (r === undefined) throw new Error(`no range ${name} in temporal-${kind}.json`);
  return r;
}

/** The root row's label, as the tree shows it ("📂 20.039MB (100.00 %) <ROOT>"). */
const rootRow = (bytes: number): string => `${sizeFmt(bytes)} (100.00 %) <ROOT>`;

let daemon: DaemonInstance;
beforeAll(async () => {
  daemon = await DaemonInstance.start();
});
afterAll(async () => {
  await daemon.stop();
});

function start(args: string[] = [], noDaemon = false): PtySession {
  const where = noDaemon ? ['--no-daemon'] : ['--state-dir', daemon.stateDir];
  return PtySession.memtree(['tree', ...where, '-b', '1000000', ...args, path.join(CAPTURES, `${CAPTURE}.bin`)], { cols: COLS, rows: ROWS, cwd: SCENARIOS });
}

const has = (text: string) => (lines: string[]) => lines.some((l) => l.includes(text));

/** Generous: the machine running the tests may be loaded. */
const WAIT = 30_000;

describe('memory over time in the interactive view', () => {
  for (const [how, noDaemon] of [
    ['through memtreed', false],
    ['with --no-daemon', true],
  ] as const) {
    it(`${how}: g shows the chart; [ { move the range; Enter: its peak, L: its leaks (memray’s reference); Esc: the whole capture`, async () => {
      const whole = reference('peak', 'whole');
      const firstHalf = reference('peak', 'first_half');
      const secondHalf = reference('leaks', 'second_half');
      expect(firstHalf.range).toEqual([0, 5]);
      expect(secondHalf.range).toEqual([6, 10]);
      const s = start([], noDaemon);
      try {
        let screen = await s.waitFor(has(rootRow(whole.tree.value)), WAIT, 'the first screen');
        expect(screen[0]).toContain(`Peak memory: ${sizeFmt(whole.hwm_bytes!)}`);
        expect(screen.join('\n')).not.toContain('▲');
        s.write('g');
        // The cursor starts on the peak (before snapshot 8); the peak is marked under the chart.
        screen = await s.waitFor(has('Snapshots 8-8 of 10'), WAIT, 'the chart strip');
        const marks = screen.find((l) => l.includes('▲'));
        expect(marks).toBeDefined();
        expect(marks).toContain('━');
        expect(screen.some((l) => /[▁▂▃▄▅▆▇█]/.test(l))).toBe(true);
        // The tree is still the whole capture's, below the strip.
        expect(screen[0]).toContain(`Peak memory: ${sizeFmt(whole.hwm_bytes!)}`);
        s.write('[[[');
        await s.waitFor(has('Snapshots 5-5 of 10'), WAIT, 'the cursor on snapshot 5');
        s.write('{{{{{');
        await s.waitFor(has('Snapshots 0-5 of 10'), WAIT, 'the range 0-5');
        s.write(KEY.enter);
        const header = `Snapshots 0-5 of 10, their peak: ${sizeFmt(firstHalf.hwm_bytes!)} before snapshot ${firstHalf.hwm_snapshot}`;
        // The root, and the root's first child as memray has it (the first-child chain opens below it).
        const first = firstHalf.tree.children[0]!;
        await s.waitFor(
          (l) => l[0]!.includes(header) && has(rootRow(firstHalf.tree.value))(l) && l.some((x) => x.includes(`${sizeFmt(first.value)} (`) && x.includes(first.location[0])),
          WAIT,
          'the tree of the range’s peak',
        );
        expect(firstHalf.tree.value).toBe(firstHalf.hwm_bytes);
        expect(firstHalf.tree.value).not.toBe(whole.tree.value);
        // ] collapses the cursor to the next snapshot; } extends it to the last column (after the last snapshot: N).
        s.write(']]]]]]');
        await s.waitFor(has('Snapshots 6-6 of 10'), WAIT, 'the cursor on snapshot 6');
        s.write('}}}}');
        await s.waitFor(has('Snapshots 6-10 of 10'), WAIT, 'the range 6-10');
        s.write('L');
        const leaks = `Snapshots 6-10 of 10 (`;
        await s.waitFor(
          (l) => l[0]!.includes(leaks) && l[0]!.includes(`allocated there and not freed by its end: ${sizeFmt(secondHalf.tree.value)}`) && has(rootRow(secondHalf.tree.value))(l),
          WAIT,
          'the tree of the range’s leaks',
        );
        s.write(KEY.escape);
        await s.waitFor((l) => l[0]!.includes(`Peak memory: ${sizeFmt(whole.hwm_bytes!)}`) && has(rootRow(whole.tree.value))(l), WAIT, 'the whole capture again');
        // g hides the strip; the tree keeps working.
        s.write('g');
        await s.waitFor((l) => !l.some((x) => x.includes('▲')), WAIT, 'the strip hidden');
        s.write('q');
        expect(await s.exited()).toBe(0);
      } finally {
        s.kill();
      }
    });
  }

  for (const [how, args, noDaemon] of [
    ['--snapshot-range', ['--snapshot-range', '0:7'], false],
    ['--time-range (through memtreed)', ['--time-range', '0:'], false],
    ['--time-range with --no-daemon', ['--time-range', '0:'], true],
  ] as const) {
    it(`${how}: the view starts on the range, its chart shown and the header naming it`, async () => {
      const ref = how.startsWith('--snapshot') ? reference('peak', 'before_peak') : reference('peak', 'whole');
      const s = start([...args], noDaemon);
      try {
        const [a, b] = ref.range;
        // A frame may reach the terminal in several writes: wait for all of it.
        await s.waitFor(
          (l) =>
            l[0]!.includes(`Snapshots ${a}-${b} of 10, their peak: ${sizeFmt(ref.hwm_bytes!)}`) &&
            has(rootRow(ref.tree.value))(l) &&
            has('▲')(l) &&
            l.some((x) => x.includes(`Snapshots ${a}-${b} of 10 (`) && x.includes('Esc whole capture')),
          WAIT,
          'the range’s tree with the chart',
        );
        s.write('q');
        expect(await s.exited()).toBe(0);
      } finally {
        s.kill();
      }
    });
  }
});
