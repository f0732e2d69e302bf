/**
 * Single-instance lock: a file created atomically (link(2)) holding the owner's pid. A lock whose pid
 * is no longer alive is stale and taken over. (The socket is a second guard: a daemon only
 * removes an existing socket after a connect to it failed.)
 */
import * as fs from 'node:fs';

export type LockResult = { acquired: true; release(): void } | { acquired: false; pid: number };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function acquireLock(file: string): LockResult {
  for (let attempt = 0; attempt < 5; attempt++) {
    // Written aside and hard-linked into place, so the lock never exists without its pid.
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${process.pid}\n`, { mode: 0o600 });
    try {
      fs.linkSync(tmp, file);
      fs.unlinkSync(tmp);
      return {
        acquired: true,
        release: () => {
          try {
            if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.unlinkSync(file);
          } catch {
            // Already gone: nothing to release.
          }
        },
      };
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let pid = Number.NaN;
    try {
      pid = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
    } catch {
      continue; // removed between our open and read: try again
    }
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) return { acquired: false, pid };
    // Stale (its owner died, e.g. kill -9): remove it and race for a fresh one.
    try {
      fs.unlinkSync(file);
    } catch {
      // Someone else removed it first: retry.
    }
  }
  throw new Error(`could not take the lock ${file}`);
}
