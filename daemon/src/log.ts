/**
 * The daemon's root logger: pino to a file (never to a terminal). Components and connections
 * log through child loggers.
 *
 * The log must never take the daemon down, hang it or fill the disk. Lines are written
 * synchronously by this file's own small destination (the daemon logs a few lines per client;
 * a line logged just before a crash is on disk): a line that cannot be written (a full disk,
 * a removed directory) is counted and dropped, never buffered or retried, and once writing
 * works again a line says how many were lost. (pino's SonicBoom buffers failed lines, and its
 * flushSync retries a failing write forever: the hang of a daemon on a full disk.) The file
 * is renamed to `.1`, replacing the previous one, when it reaches `maxBytes`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import pino, { type DestinationStream, type Logger } from 'pino';

export interface LogOptions {
  /** Size at which the file is rotated to `<file>.1` (default 10 MiB). */
  maxBytes?: number;
}

export interface DaemonLog {
  readonly log: Logger;
  /** Nothing is buffered (writes are synchronous); kept for callers that flush before exit. */
  flush(): void;
  /** Reopens the file (after an outside rotation: SIGHUP). */
  reopen(): void;
  /** Lines that could not be written since start. */
  troubles(): { lostLines: number };
}

export const DEFAULT_LOG_MAX_BYTES = 10 * 2 ** 20;

/** The rotated previous log of `file`. */
export function rotatedLog(file: string): string {
  return `${file}.1`;
}

export function createLogger(file: string, level = 'info', opts: LogOptions = {}): DaemonLog {
  const maxBytes = opts.maxBytes ?? DEFAULT_LOG_MAX_BYTES;
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  let fd = -1;
  let size = 0;
  let lost = 0;
  let lostSinceReport = 0;
  let lastError: unknown;
  const open = (): void => {
    try {
      if (fd >= 0) fs.closeSync(fd);
    } catch {
      // Already unusable: a new descriptor replaces it.
    }
    fd = -1;
    try {
      fd = fs.openSync(file, 'a', 0o600);
      size = fs.fstatSync(fd).size;
    } catch (err) {
      lastError = err; // lines are counted as lost until a reopen works
    }
  };
  const rotate = (): void => {
    try {
      fs.renameSync(file, rotatedLog(file));
    } catch (err) {
      lastError = err; // gone or not renamable: the reopened file goes on from its size
    }
    open();
  };
  const writeLine = (line: string): boolean => {
    if (fd < 0) return false;
    try {
      fs.writeSync(fd, line);
      size += Buffer.byteLength(line);
      return true;
    } catch (err) {
      lastError = err;
      return false;
    }
  };
  open();
  let log: Logger | undefined;
  const stream: DestinationStream = {
    write(line: string) {
      if (!writeLine(line)) {
        lost++;
        lostSinceReport++;
        return;
      }
      if (lostSinceReport > 0 && log !== undefined) {
        const n = lostSinceReport;
        lostSinceReport = 0;
        log.warn({ lostLines: n, err: lastError }, 'log lines were lost: the log file could not be written');
      }
      if (size >= maxBytes) rotate();
    },
  };
  log = pino({ level, base: { pid: process.pid } }, stream);
  return {
    log,
    flush: () => undefined,
    reopen: open,
    troubles: () => ({ lostLines: lost }),
  };
}
