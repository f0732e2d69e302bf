/**
 * Starting memtreed for a client, once however many clients start at the same moment: the
 * first takes a claim file in the runtime dir and starts the daemon; the others see the claim
 * and wait for the socket. The starter hears how the start went (see daemon-start.ts) and a
 * daemon that cannot start says why at once.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startDetached, type StartOutcome } from '../../../protocol/src/node/daemon-start.js';
import { packageRoot } from '../../../protocol/src/node/package-info.js';
import type { MemtreePaths } from '../../../protocol/src/node/paths.js';
import { checkPathsSecure } from '../../../protocol/src/node/secure-dir.js';

/** `busy`: another client is starting the daemon now. */
export type StartResult = StartOutcome | { readonly kind: 'busy' };

function claimIsStale(file: string, timeoutMs: number): boolean {
  let pid = Number.NaN;
  try {
    pid = (JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number }).pid;
  } catch {
    // Unreadable, or cut short by a crash: judge by its age alone.
  }
  const age = Date.now() - (fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0);
  if (age > timeoutMs + 5000) return true;
  if (!Number.isInteger(pid)) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Takes the start claim: 'mine', 'busy' (another live client holds it), or 'none' when no
 * claim can be made (a read-only or refused directory: the daemon started anyway says why).
 */
function takeClaim(paths: MemtreePaths, file: string, timeoutMs: number): 'mine' | 'busy' | 'none' {
  try {
    checkPathsSecure(paths, true);
  } catch {
    return 'none';
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify({ pid: process.pid }), { flag: 'wx', mode: 0o600 });
      return 'mine';
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return 'none';
    }
    if (!claimIsStale(file, timeoutMs)) return 'busy';
    fs.rmSync(file, { force: true }); // its client died while starting a daemon
  }
  return 'busy';
}

/**
 * Starts `memtreed --foreground` for `paths` unless another client is doing so now;
 * `prefetch`: a capture (absolute path) for it to index once this client has heard it listens.
 */
export async function startDaemon(paths: MemtreePaths, env: NodeJS.ProcessEnv, timeoutMs: number, prefetch?: string): Promise<StartResult> {
  const claim = path.join(paths.runtimeDir, 'memtreed.starting');
  const held = takeClaim(paths, claim, timeoutMs);
  if (held === 'busy') return { kind: 'busy' };
  return spawnDaemon(paths, env, timeoutMs, held === 'mine' ? claim : undefined, prefetch);
}

/**
 * memtreed started for `prefetch` when this client takes the start claim; undefined when
 * another client is starting one or no claim can be taken (startDaemon then says why).
 */
export function startDaemonFor(paths: MemtreePaths, env: NodeJS.ProcessEnv, timeoutMs: number, prefetch: string): Promise<StartOutcome> | undefined {
  const claim = path.join(paths.runtimeDir, 'memtreed.starting');
  if (takeClaim(paths, claim, timeoutMs) !== 'mine') return undefined;
  return spawnDaemon(paths, env, timeoutMs, claim, prefetch);
}

/** Spawns the daemon and waits for its word; then gives up `claim` (if this client holds it). */
async function spawnDaemon(paths: MemtreePaths, env: NodeJS.ProcessEnv, timeoutMs: number, claim: string | undefined, prefetch?: string): Promise<StartOutcome> {
  try {
    const args = ['--foreground', '--socket', paths.socket];
    if (paths.stateDir !== undefined) args.push('--state-dir', paths.stateDir);
    if (prefetch !== undefined) args.push('--prefetch', prefetch);
    return await startDetached(path.join(packageRoot(), 'bin/memtreed.js'), args, env, timeoutMs);
  } finally {
    if (claim !== undefined) fs.rmSync(claim, { force: true });
  }
}
