/**
 * What Linux's /proc says about a process: its state (Z for a zombie), its start time (which
 * tells a reused pid apart) and its command line. Undefined where /proc is absent or the
 * process is gone.
 */
import * as fs from 'node:fs';

export interface ProcessInfo {
  /** One letter: R, S, D, T, Z (zombie), X (dead), ... */
  readonly state: string;
  /** Start time in clock ticks after boot (field 22 of /proc/PID/stat). */
  readonly start: string;
  /** Arguments joined by spaces (empty for a zombie). */
  readonly cmdline: string;
}

export function processInfo(pid: number): ProcessInfo | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  let cmdline = '';
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    // Gone meanwhile, or hidden: the state and start time still tell.
  }
  return { state: fields[0] ?? '?', start: fields[19] ?? '', cmdline };
}
