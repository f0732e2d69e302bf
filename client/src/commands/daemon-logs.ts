/**
 * `memtree daemon logs [-n N] [--json] [-f]`: the daemon's log (pino JSON lines), made
 * readable by pino-pretty (colours on a terminal), or raw with --json; -f follows it across
 * the daemon's rotations (the file renamed to `.1` and a new one started).
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import type { CommandIO } from './common.js';

export interface LogsOptions {
  readonly file: string;
  readonly lines: number;
  readonly json: boolean;
  readonly follow: boolean;
  /** Stops following (tests); default: never, until the process is interrupted. */
  readonly signal?: AbortSignal;
  /** Poll interval while following. */
  readonly pollMs?: number;
}

/** Formats one log line for output. */
type Formatter = (line: string) => string;

async function formatter(json: boolean, io: CommandIO): Promise<Formatter> {
  if (json) return (line) => `${line}\n`;
  // Loaded only here: `memtree tree` should not pay for it at start-up. Required, not
  // import()ed: the client bundle runs from a V8 code cache, which loses import()'s loader
  // (client/bundle.mjs refuses a bundle with an import() left in it).
  const { prettyFactory } = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
  const colorize = io.stdout.isTTY === true && io.env.NO_COLOR === undefined;
  const pretty = prettyFactory({ colorize, translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l', ignore: 'hostname', singleLine: false });
  return (line) => {
    const out = pretty(line);
    // pino-pretty hands back lines that are not JSON unchanged; every line ends once.
    return out.endsWith('\n') ? out : `${out}\n`;
  };
}

/** The last `n` lines of `current` (the file's text so far), from the previous file too when it is short. */
function lastLines(file: string, current: string, n: number): string[] {
  const split = (text: string): string[] => text.split('\n').filter((l) => l !== '');
  let lines = split(current);
  // Right after a rotation the current file is short: the rest comes from the previous one.
  if (lines.length < n) {
    try {
      lines = [...split(fs.readFileSync(`${file}.1`, 'utf8')), ...lines];
    } catch {
      // No previous file.
    }
  }
  return lines.slice(-n);
}

export async function showLogs(o: LogsOptions, io: CommandIO): Promise<number> {
  if (!fs.existsSync(o.file)) {
    io.stderr.write(`memtree: no log yet at ${o.file}\n`);
    return 1;
  }
  const format = await formatter(o.json, io);
  let fd = fs.openSync(o.file, 'r');
  const current = fs.readFileSync(fd);
  // Only whole lines: a line being written is printed when complete, by -f.
  let pos = current.lastIndexOf(0x0a) + 1;
  for (const line of lastLines(o.file, current.subarray(0, pos).toString('utf8'), o.lines)) io.stdout.write(format(line));
  if (!o.follow) {
    fs.closeSync(fd);
    return 0;
  }
  let partial = '';
  const buf = Buffer.alloc(64 * 1024);
  const drain = (): void => {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) return;
      pos += n;
      const text = partial + buf.subarray(0, n).toString('utf8');
      const lines = text.split('\n');
      partial = lines.pop()!;
      for (const line of lines) if (line !== '') io.stdout.write(format(line));
    }
  };
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      if (o.signal?.aborted) return resolve();
      try {
        drain();
        const now = fs.statSync(o.file, { throwIfNoEntry: false });
        const mine = fs.fstatSync(fd);
        if (now !== undefined && (now.ino !== mine.ino || now.dev !== mine.dev)) {
          // Rotated: the old file is complete now, but lines may have come between the read
          // above and this look at the path: read them, then the new file from its start.
          drain();
          fs.closeSync(fd);
          fd = fs.openSync(o.file, 'r');
          pos = 0;
          partial = '';
          drain();
        } else if (now !== undefined && now.size < pos) {
          pos = 0; // truncated in place
        }
      } catch {
        // Between a rename and the new file: try again on the next tick.
      }
      setTimeout(tick, o.pollMs ?? 250);
    };
    tick();
  });
  fs.closeSync(fd);
  return 0;
}
