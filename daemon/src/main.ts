/**
 * Entry point of `memtreed`: options, runtime dir checks, the single-instance lock, the
 * socket, idle shutdown and signals. The only place that exits the process.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { memtreePaths } from '../../protocol/src/node/paths.js';
import { checkPathsSecure, InsecureDirError } from '../../protocol/src/node/secure-dir.js';
import { Captures, type CaptureLimits } from './index/captures.js';
import { parseSize } from './index/index-budget.js';
import { Jobs } from './index/jobs.js';
import { acquireLock } from './lifecycle/lock.js';
import { createLogger } from './log.js';
import { startServer } from './server.js';
import { VERSION } from './version.js';

const USAGE = `usage: memtreed [--foreground] [--state-dir DIR] [--socket PATH] [--idle-timeout SECONDS] [--cache-size SIZE]
                [--capture-idle SECONDS] [--max-open N] [--log-level LEVEL]

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
  --version             print the version
`;

interface Options {
  foreground: boolean;
  stateDir?: string;
  socket?: string;
  idleTimeoutS: number;
  logLevel: string;
  limits: Partial<CaptureLimits>;
}

function parse(argv: string[]): Options | 'help' | 'version' {
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
    } else if (name === '--log-level') o.logLevel = value();
    else if (name === '--version') return 'version';
    else if (name === '-h' || name === '--help') return 'help';
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

/** Whether something answers on the socket (a live daemon) rather than a stale file. */
function probe(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(socket);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function run(o: Options): Promise<number> {
  const paths = memtreePaths({ stateDir: o.stateDir, socket: o.socket });
  checkPathsSecure(paths, true);
  if (!o.foreground) {
    // Detach: a child in its own session runs the daemon; this process returns at once.
    const args = [process.argv[1]!, '--foreground', ...process.argv.slice(2)];
    const child = spawn(process.execPath, args, { detached: true, stdio: 'ignore' });
    child.unref();
    return 0;
  }
  const lock = acquireLock(paths.lock);
  if (!lock.acquired) {
    process.stderr.write(`memtreed: already running (pid ${lock.pid}) for ${paths.runtimeDir}\n`);
    return 3;
  }
  const { log, flush, reopen } = createLogger(paths.logFile, o.logLevel);
  // A bug in one request must not take every client down with the daemon (a detached daemon's
  // stderr goes nowhere): log it with its stack and serve on.
  process.on('uncaughtException', (err) => log.error({ err }, 'uncaught exception'));
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled promise rejection'));
  try {
    if (fs.existsSync(paths.socket)) {
      if (await probe(paths.socket)) {
        process.stderr.write(`memtreed: another daemon answers on ${paths.socket}\n`);
        lock.release();
        return 3;
      }
      fs.rmSync(paths.socket, { force: true }); // stale: its daemon is gone
    }
    const jobs = new Jobs(log.child({ component: 'jobs' }));
    const captures = new Captures(paths.indexDir, jobs, log.child({ component: 'captures' }), o.limits);
    captures.enforceBudget();
    // Unused indexes close (their file descriptors and page cache go); they reopen on demand.
    const sweepTimer = setInterval(() => captures.sweep(), Math.min(10_000, Math.max(100, captures.limits.idleCloseMs / 4)));
    const startedAt = Date.now();
    let lastActivity = Date.now();
    let stopping: Promise<void> | undefined;
    const idleTimeoutMs = o.idleTimeoutS * 1000;
    let resolveExit!: (code: number) => void;
    const exited = new Promise<number>((r) => (resolveExit = r));

    const shutdown = (reason: string): Promise<void> => {
      stopping ??= (async () => {
        log.info({ reason }, 'shutting down');
        clearInterval(idleTimer);
        clearInterval(sweepTimer);
        await server.close(); // stop accepting, dispose connections
        await jobs.stopAll();
        captures.closeAll();
        fs.rmSync(paths.socket, { force: true });
        lock.release();
        log.info('bye');
        flush();
        resolveExit(0);
      })();
      return stopping;
    };

    const server = await startServer(
      paths.socket,
      (clients) => ({
        captures,
        jobs,
        log,
        version: VERSION,
        startedAt,
        socket: paths.socket,
        logFile: paths.logFile,
        idleTimeoutMs,
        lastActivity: () => lastActivity,
        clientCount: clients,
        // Reply first, then stop: the client of daemon/shutdown gets its answer.
        requestShutdown: () => void setTimeout(() => void shutdown('daemon/shutdown'), 10),
      }),
      log,
      () => {
        lastActivity = Date.now();
      },
    );
    // Idle shutdown never happens while a client is connected or a job runs: the idle time
    // counts from the last moment either was the case.
    let busyAt = Date.now();
    const idleTimer =
      idleTimeoutMs === 0
        ? undefined
        : setInterval(
            () => {
              if (server.clients > 0 || jobs.size > 0) busyAt = Date.now();
              else if (Date.now() - busyAt >= idleTimeoutMs) void shutdown('idle');
            },
            Math.min(1000, Math.max(100, idleTimeoutMs / 4)),
          );
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
    process.on('SIGINT', () => void shutdown('SIGINT'));
    process.on('SIGHUP', () => reopen());
    log.info({ socket: paths.socket, indexDir: paths.indexDir, version: VERSION, idleTimeoutMs }, 'memtreed listening');
    return await exited;
  } catch (err) {
    log.fatal({ err }, 'memtreed failed');
    flush();
    lock.release();
    throw err;
  }
}

async function main(): Promise<number> {
  let o: Options | 'help' | 'version';
  try {
    o = parse(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${USAGE}memtreed: error: ${(err as Error).message}\n`);
    return 2;
  }
  if (o === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (o === 'version') {
    process.stdout.write(`memtreed ${VERSION}\n`);
    return 0;
  }
  try {
    return await run(o);
  } catch (err) {
    if (err instanceof InsecureDirError) {
      process.stderr.write(`memtreed: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`memtreed: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`memtreed: ${String(err)}\n`);
    process.exit(1);
  },
);
