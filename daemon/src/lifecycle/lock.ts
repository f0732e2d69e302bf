/**
 * Single-instance lock: a file created atomically (link(2)) holding its owner's pid, the
 * owner's start time (/proc/PID/stat) and socket. The lock is stale, and taken over, when its
 * owner is gone, is a zombie (killed, never reaped: common in containers), is another process
 * under a reused pid, or does not answer on its socket within a grace period (wedged).
 * Stale locks are removed under a short takeover lock, so two starting daemons never both
 * remove a lock and one of them the other's fresh one.
 */
import * as fs from 'node:fs';
import { processInfo } from './proc.js';

export type LockResult =
  | {
      acquired: true;
      /** Whether the lock is still this process's (a daemon that took a stale lock over owns it now). */
      held(): boolean;
      release(): void;
    }
  | { acquired: false; pid: number };

interface Owner {
  readonly pid: number;
  /** Start time of the owner in clock ticks since boot (Linux), telling a reused pid apart. */
  readonly start?: string;
  /** The socket the owner listens on. */
  readonly socket?: string;
}

export interface LockOptions {
  /** The socket this daemon will listen on (recorded for the next daemon's liveness probe). */
  readonly socket: string;
  /** Whether a daemon answers on `socket` now (a JSON-RPC reply, not just a connect). */
  readonly answers: (socket: string) => Promise<boolean>;
  /** How long a live owner may take to answer before its lock counts as stale. */
  readonly graceMs: number;
  /** Told why a stale lock was taken over. */
  readonly onStale?: (owner: Owner, why: string) => void;
}

function parseOwner(text: string): Owner | undefined {
  // The first versions wrote the pid alone.
  if (/^\s*\d+\s*$/.test(text)) return { pid: Number.parseInt(text, 10) };
  try {
    const o = JSON.parse(text) as Owner;
    if (typeof o === 'object' && o !== null && Number.isInteger(o.pid) && o.pid > 0) return o;
  } catch {
    // Not ours, or cut: unreadable.
  }
  return undefined;
}

function read(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Why `owner` cannot be holding the lock any more, or undefined when it may be. */
export function deadReason(owner: Owner): string | undefined {
  if (owner.pid === process.pid) return 'it names this process';
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    // EPERM: the process exists but belongs to someone else (then it is not our daemon).
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? 'its pid belongs to another user' : 'its process is gone';
  }
  const info = processInfo(owner.pid);
  if (info === undefined) return undefined; // no /proc: a live pid is all we can know
  if (info.state === 'Z' || info.state === 'X') return 'its process is a zombie (killed, not yet reaped)';
  if (owner.start !== undefined && info.start !== owner.start) return 'its pid now belongs to another process';
  if (owner.start === undefined && !/memtreed/.test(info.cmdline)) return 'its pid now belongs to another program';
  return undefined;
}

/** Runs `fn` holding `file`.takeover, a lock of its own, or returns false when another process holds it. */
function underTakeoverLock(file: string, fn: () => void): boolean {
  const t = `${file}.takeover`;
  try {
    fs.writeFileSync(t, JSON.stringify({ pid: process.pid }), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // Left by a process killed in these few lines: its owner is dead, or it is old.
    const holder = parseOwner(read(t) ?? '');
    const age = Date.now() - (fs.statSync(t, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if ((holder !== undefined && deadReason(holder) !== undefined) || age > 10_000) fs.rmSync(t, { force: true });
    return false;
  }
  try {
    fn();
  } finally {
    fs.rmSync(t, { force: true });
  }
  return true;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function acquireLock(file: string, opts: LockOptions): Promise<LockResult> {
  const info = processInfo(process.pid);
  const mine = `${JSON.stringify({ pid: process.pid, start: info?.start, socket: opts.socket })}\n`;
  for (let attempt = 0; attempt < 50; attempt++) {
    // Written aside and hard-linked into place, so the lock never exists without its content.
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, mine, { mode: 0o600 });
    try {
      fs.linkSync(tmp, file);
      return {
        acquired: true,
        held: () => read(file) === mine,
        release: () => {
          if (read(file) === mine) fs.rmSync(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
    const text = read(file);
    if (text === undefined) continue; // removed between our link and read: try again
    const owner = parseOwner(text);
    let why = owner === undefined ? 'it is unreadable' : deadReason(owner);
    if (why === undefined) {
      // A live owner: running (answers), starting (answers soon) or wedged (never answers).
      const deadline = Date.now() + opts.graceMs;
      for (;;) {
        if (await opts.answers(owner!.socket ?? opts.socket)) return { acquired: false, pid: owner!.pid };
        if (read(file) !== text) break; // it went away or another took over: look again
        why = deadReason(owner!);
        if (why !== undefined) break;
        if (Date.now() >= deadline) {
          why = `it does not answer on ${owner!.socket ?? opts.socket} within ${opts.graceMs} ms`;
          break;
        }
        await sleep(100);
      }
      if (why === undefined) continue;
    }
    const stale = why;
    const took = underTakeoverLock(file, () => {
      if (read(file) !== text) return; // changed meanwhile: not the lock we judged
      opts.onStale?.(owner ?? { pid: 0 }, stale);
      fs.rmSync(file, { force: true });
    });
    if (!took) await sleep(20);
  }
  throw new Error(`could not take the lock ${file}`);
}
