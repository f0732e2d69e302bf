/**
 * The daemon's root logger: pino to a file (never to a terminal), asynchronous writes,
 * flushed on shutdown. Components and connections log through child loggers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import pino, { type Logger } from 'pino';

export function createLogger(file: string, level = 'info'): { log: Logger; flush(): void; reopen(): void } {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const dest = pino.destination({ dest: file, sync: false });
  const log = pino({ level, base: { pid: process.pid } }, dest);
  return {
    log,
    flush: () => {
      try {
        dest.flushSync();
      } catch {
        // Nothing buffered, or the file is gone: there is nothing left to save.
      }
    },
    reopen: () => dest.reopen(),
  };
}
