/** The real CLI for benchmarks: timed runs, and stopping a daemon a run started. */
import { spawnSync } from 'node:child_process';
import { MEMTREE_BIN } from '../helpers/paths.js';

/** Runs `memtree ...args` to completion (output discarded) and returns its wall time in ms; throws if it fails. */
export function timedMemtree(args: readonly string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [MEMTREE_BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`memtree ${args.join(' ')} failed (status ${r.status}): ${r.stderr}`);
  return performance.now() - t0;
}

/** Stops the daemon (if any) serving `stateDir`. */
export function stopDaemonIn(stateDir: string): void {
  spawnSync(process.execPath, [MEMTREE_BIN, 'daemon', 'stop', '--state-dir', stateDir], { stdio: 'ignore' });
}
