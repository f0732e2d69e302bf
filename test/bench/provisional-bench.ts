/**
 * `npm run bench -- provisional` (issue 13 item 3): on a generated capture that takes 20 s or
 * more to index, the time from starting `memtree tree` in a pseudo-terminal (a fresh state dir:
 * the daemon starts too) to the first provisional tree on the screen, and to the final tree.
 */
import * as fs from 'node:fs';
import { tempDir } from '../helpers/paths.js';
import { PtySession } from '../helpers/pty-session.js';
import { stopDaemonIn } from './cli.js';

const MARK = /provisional · \d+ % read/;

export async function benchProvisional(capture: { file: string; label: string }): Promise<void> {
  console.log(`\n## A screen before the end: memtree tree on a capture not indexed yet (120x40 pty, daemon started by it): ${capture.label}`);
  const firsts: number[] = [];
  const finals: number[] = [];
  for (let run = 0; run < 3; run++) {
    const dir = tempDir('memtree-bench-provisional-');
    try {
      const t0 = performance.now();
      const s = PtySession.memtree(['tree', '--state-dir', dir, capture.file], { cols: 120, rows: 40 });
      const rows = (l: string[]): boolean => l.filter((x) => /[📂📄]/u.test(x)).length > 3;
      await s.waitFor((l) => MARK.test(l[0]!) && rows(l), 120_000, 'the first provisional tree');
      firsts.push(performance.now() - t0);
      await s.waitFor((l) => l[0]!.startsWith('Peak memory') && rows(l), 600_000, 'the final tree');
      finals.push(performance.now() - t0);
      s.write('q');
      await s.exited();
    } finally {
      stopDaemonIn(dir);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const fmt = (a: number[]): string => `best ${Math.min(...a).toFixed(0)} ms, median ${[...a].sort((x, y) => x - y)[1]!.toFixed(0)} ms`;
  console.log(`  first provisional tree after the command starts: ${fmt(firsts)} (goal: within 1 s)`);
  console.log(`  final tree (capture indexed) after the command starts: ${fmt(finals)} (goal: a capture taking 20 s or more)`);
}
