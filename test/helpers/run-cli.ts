/** Runs the real `memtree` / `memtreed` entry points as child processes. */
import { spawn, spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import { MEMTREE_BIN } from './paths.js';

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `memtree ...args`, collecting its output. */
export function runMemtree(
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string; uid?: number; gid?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MEMTREE_BIN, ...args], {
      cwd: opts.cwd,
      uid: opts.uid,
      gid: opts.gid,
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
    // A command that exits before reading its stdin (a usage error) closes the pipe: EPIPE on
    // our end is no failure of the test (the exit code and output say what happened).
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

/**
 * `memtree tree ...args` without and through the daemon on stateDir, run together: both must agree in
 * status, stderr and stdout. Returns the result without the daemon.
 */
export async function runTreeBothWays(stateDir: string, args: readonly string[]): Promise<CliResult> {
  const [local, viaDaemon] = await Promise.all([
    runMemtree(['tree', '--no-daemon', ...args]),
    runMemtree(['tree', '--state-dir', stateDir, ...args]),
  ]);
  expect({ code: viaDaemon.code, stderr: viaDaemon.stderr, stdout: viaDaemon.stdout }, `through the daemon: ${args.join(' ')}`).toEqual({
    code: local.code,
    stderr: local.stderr,
    stdout: local.stdout,
  });
  return local;
}

/** The uid tests run a second user's memtree as when they run as root (root reads every file). */
export const NOBODY = 65534;

/**
 * Whether `memtree` can run as NOBODY here: root can switch to it and that user can read the
 * entry point (a clone under a private home directory cannot).
 */
export function canRunAsNobody(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(MEMTREE_BIN)}, require('fs').constants.R_OK)`], {
    uid: NOBODY,
    gid: NOBODY,
  });
  return probe.status === 0;
}
