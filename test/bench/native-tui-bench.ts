/**
 * Benchmarks of native symbolization (cold, warm cache, reopen) and of the interactive view
 * through a real pseudo-terminal (first screen, expand repaint).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { CAPTURES, ROOT, tempDir } from '../helpers/paths.js';
import { PtySession } from '../helpers/pty-session.js';
import { stopDaemonIn, timedMemtree as timed } from './cli.js';

const NATIVE = path.join(CAPTURES, 'native_sqlite.bin');

function symbolRows(dir: string): number {
  const db = new Database(path.join(dir, 'index/symbols.sqlite'), { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM symbols').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

export function benchNative(): void {
  console.log('\n## Native symbolization: native_sqlite.bin (hybrid stacks of every peak and leaks record)');
  const r = JSON.parse(execFileSync(process.execPath, [path.join(ROOT, 'dist/test/bench/native-bench.js'), NATIVE], { encoding: 'utf8' })) as {
    coldMs: number;
    coldResolved: number;
    warmCacheMs: number;
    warmCacheHits: number;
    records: number;
  };
  console.log(`  in-process: cold ${r.coldMs} ms (${r.coldResolved} addresses resolved from the binaries), warm cache ${r.warmCacheMs} ms (${r.warmCacheHits} cache hits), ${r.records} records`);
  const dir = tempDir('memtree-bench-');
  try {
    const first = timed(['tree', '--json', '--state-dir', dir, NATIVE]);
    const rows = symbolRows(dir);
    const reopen = timed(['tree', '--json', '--state-dir', dir, NATIVE]);
    const afterReopen = symbolRows(dir);
    const copy = path.join(dir, 'copy-of-native_sqlite.bin');
    fs.copyFileSync(NATIVE, copy);
    const other = timed(['tree', '--json', '--state-dir', dir, copy]);
    const afterCopy = symbolRows(dir);
    console.log(`  through memtreed: first open ${(first / 1000).toFixed(2)} s wall (index + symbolize; ${rows} symbol entries cached)`);
    console.log(`  reopen: ${(reopen / 1000).toFixed(3)} s wall; symbol entries ${rows} -> ${afterReopen} (nothing symbolized)`);
    console.log(`  another capture of the same binaries: ${(other / 1000).toFixed(2)} s wall; symbol entries ${afterReopen} -> ${afterCopy} (all from the cache)`);
  } finally {
    stopDaemonIn(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchTui(large: { file: string; label: string }): Promise<void> {
  console.log(`\n## Interactive view through a pseudo-terminal (120x40), capture already indexed: ${large.label}`);
  const dir = tempDir('memtree-bench-');
  try {
    timed(['tree', '--json', '--state-dir', dir, large.file]); // index it (and start the daemon)
    const firsts: number[] = [];
    const repaints: number[] = [];
    for (let run = 0; run < 5; run++) {
      const t0 = performance.now();
      const s = PtySession.memtree(['tree', '--state-dir', dir, large.file], { cols: 120, rows: 40 });
      // The first screen: header, root and its first-child chain drawn.
      await s.waitFor((l) => l.some((x) => x.includes('<ROOT>')) && l.filter((x) => /[📂📄]/u.test(x)).length > 3, 20_000);
      firsts.push(performance.now() - t0);
      await s.settle(200);
      // Expand: move to the first collapsed node (children not fetched yet) and open it; time
      // until the screen changes. The cursor starts on the root (screen row 1).
      const rows = s.screen();
      const target = rows.findIndex((l) => l.includes('▶ 📂'));
      s.write('\x1b[B'.repeat(target - 1));
      await s.settle(200);
      const before = s.screen().join('\n');
      const t1 = performance.now();
      s.write('\x1b[C');
      await s.waitFor((l) => l.join('\n') !== before, 5_000);
      repaints.push(performance.now() - t1);
      s.write('q');
      await s.exited();
    }
    const fmt = (a: number[]): string => `best ${Math.min(...a).toFixed(0)} ms, median ${[...a].sort((x, y) => x - y)[2]!.toFixed(0)} ms`;
    console.log(`  first screen after the command starts: ${fmt(firsts)}`);
    console.log(`  expand key to repaint: ${fmt(repaints)}`);
  } finally {
    stopDaemonIn(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
