/**
 * Issue 13's "no slower path for small captures": a 1 MB capture's first tree, end to end,
 * the way a user meets it. The interactive view in a pseudo-terminal (120x40) from the command
 * to the first screen with the tree drawn: with no daemon running (it starts one), with the
 * daemon up and the capture new to it, with the capture already indexed; and `--json` with
 * --no-daemon, with no daemon running and through the daemon. Five runs each, best and median,
 * with the load average.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tempDir } from '../helpers/paths.js';
import { PtySession } from '../helpers/pty-session.js';
import { stopDaemonIn, timedMemtree } from './cli.js';

const RUNS = 5;

function fmt(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  return `best ${s[0]!.toFixed(0)} ms, median ${s[s.length >> 1]!.toFixed(0)} ms`;
}

/** ms from the command to a first screen with the root and its first-child chain drawn. */
async function firstScreen(stateDir: string, capture: string): Promise<number> {
  const t0 = performance.now();
  const s = PtySession.memtree(['tree', '--state-dir', stateDir, capture], { cols: 120, rows: 40 });
  try {
    await s.waitFor((l) => l.some((x) => x.includes('<ROOT>')) && l.filter((x) => /[📂📄]/u.test(x)).length > 3 && !/^provisional/.test(l[0] ?? ''), 30_000, 'the first tree');
    const ms = performance.now() - t0;
    s.write('q');
    await s.exited();
    return ms;
  } finally {
    s.kill();
  }
}

export async function benchSmall(file: string): Promise<void> {
  const mb = fs.statSync(file).size / 1e6;
  console.log(`\n## A ${mb.toFixed(2)} MB capture's first tree, end to end (target 0.4 s); load ${os.loadavg()[0]!.toFixed(1)}`);
  const dir = tempDir('memtree-bench-small-');
  try {
    // A fresh copy per run: a path the daemon has not indexed.
    let n = 0;
    const copy = (): string => {
      const to = path.join(dir, `c${n++}.bin`);
      fs.copyFileSync(file, to);
      return to;
    };
    const noDaemon: number[] = [];
    for (let i = 0; i < RUNS; i++) noDaemon.push(timedMemtree(['tree', '--json', '--no-daemon', file]));
    console.log(`  memtree tree --json --no-daemon: ${fmt(noDaemon)}`);
    const cold: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const state = path.join(dir, `cold${i}`);
      cold.push(await firstScreen(state, copy()));
      stopDaemonIn(state);
    }
    console.log(`  the view, no daemon running (memtree starts it): ${fmt(cold)}`);
    const coldJson: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const state = path.join(dir, `coldjson${i}`);
      coldJson.push(timedMemtree(['tree', '--json', '--state-dir', state, copy()]));
      stopDaemonIn(state);
    }
    console.log(`  memtree tree --json, no daemon running (memtree starts it): ${fmt(coldJson)}`);
    const state = path.join(dir, 'state');
    timedMemtree(['tree', '--json', '--state-dir', state, copy()]); // starts the daemon
    const fresh: number[] = [];
    const json: number[] = [];
    const again: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const c = copy();
      fresh.push(await firstScreen(state, c));
      again.push(await firstScreen(state, c));
      json.push(timedMemtree(['tree', '--json', '--state-dir', state, copy()]));
    }
    console.log(`  the view, daemon up, capture new to it (indexed now): ${fmt(fresh)}`);
    console.log(`  memtree tree --json, daemon up, capture new to it: ${fmt(json)}`);
    console.log(`  the view, capture already indexed: ${fmt(again)}`);
    stopDaemonIn(state);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(`  (load average after: ${os.loadavg()[0]!.toFixed(1)})`);
}
