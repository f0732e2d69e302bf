/**
 * memtreed's command line.
 */
import * as path from 'node:path';
import { type CaptureLimits } from '../index/captures.js';
import { parseSize } from '../index/index-budget.js';

export const USAGE = `usage: memtreed [--foreground] [--state-dir DIR] [--socket PATH] [--idle-timeout SECONDS] [--cache-size SIZE]
                [--capture-idle SECONDS] [--max-open N] [--log-level LEVEL] [--prefetch CAPTURE]

The memtree daemon: indexes memray captures once and answers tree queries over a Unix socket.
  --foreground          stay attached (default: detach and run in the background)
  --state-dir DIR       keep socket, lock, index and logs under DIR (env MEMTREE_STATE_DIR)
  --socket PATH         listen on PATH (env MEMTREE_SOCKET)
  --idle-timeout S      exit after S seconds without clients or jobs (default 900; 0 = never)
  --cache-size SIZE     budget of the index directory, e.g. 500M or 2G (default 2G): the least
                        recently opened indexes beyond it are deleted
  --capture-idle S      close a capture's index after S seconds unused (default 60)
  --max-open N          keep at most N indexes open (default 16)
  --log-level LEVEL     pino level (default info)
  --ready-fd N          write one line to fd N when started: ready, running PID or error MESSAGE
  --prefetch CAPTURE    index CAPTURE once listening and the starter closed --ready-fd (memtree
                        passes the capture it starts the daemon for and reads itself meanwhile);
                        a capture that cannot be read is logged, nothing more
  --version             print the version
`;

export interface Options {
  foreground: boolean;
  stateDir?: string;
  socket?: string;
  idleTimeoutS: number;
  logLevel: string;
  limits: Partial<CaptureLimits>;
  /** A pipe from the process that started this one, told how the start went. */
  readyFd?: number;
  /** A capture to index once the starter is done (absolute path): the next commands' capture/open joins the job or finds the index. */
  prefetch?: string;
}

export function parse(argv: string[]): Options | 'help' | 'version' {
  const o: Options = { foreground: false, idleTimeoutS: 900, logLevel: 'info', limits: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [name, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${name} needs a value`);
      return v;
    };
    if (name === '--foreground') o.foreground = true;
    else if (name === '--state-dir') o.stateDir = value();
    else if (name === '--socket') o.socket = value();
    else if (name === '--idle-timeout') {
      const v = Number(value());
      if (!Number.isFinite(v) || v < 0) throw new Error('--idle-timeout needs a number of seconds >= 0');
      o.idleTimeoutS = v;
    } else if (name === '--cache-size') o.limits = { ...o.limits, cacheSizeBytes: parseSize(value()) };
    else if (name === '--capture-idle') {
      const v = Number(value());
      if (!Number.isFinite(v) || v <= 0) throw new Error('--capture-idle needs a number of seconds > 0');
      o.limits = { ...o.limits, idleCloseMs: v * 1000 };
    } else if (name === '--max-open') {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 1) throw new Error('--max-open needs an integer >= 1');
      o.limits = { ...o.limits, maxOpen: v };
    } else if (name === '--ready-fd') {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 3) throw new Error('--ready-fd needs a file descriptor >= 3');
      o.readyFd = v;
    } else if (name === '--prefetch') o.prefetch = path.resolve(value());
    else if (name === '--log-level') o.logLevel = value();
    else if (name === '--version') return 'version';
    else if (name === '-h' || name === '--help') return 'help';
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}
