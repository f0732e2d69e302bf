/** Runs the real `memtree` / `memtreed` entry points as child processes. */
import { spawn } from 'node:child_process';
import { expect } from 'vitest';
import { MEMTREE_BIN } from './paths.js';

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `memtree ...args`, collecting its output. */
export function runMemtree(args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MEMTREE_BIN, ...args], {
      cwd: opts.cwd,
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
