/**
 * Entry point of `memtreed`: options, private directories and files, the single-instance
 * lock, the socket, idle shutdown and signals. Start-up failures are told to the process that
 * started this one (--ready-fd) as well as to stderr. The only place that exits the process.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { startDetached } from '../../protocol/src/node/daemon-start.js';
import { memtreePaths } from '../../protocol/src/node/paths.js';
import { checkDataPathsSecure, checkPathsSecure, ensurePrivateFile, InsecureDirError } from '../../protocol/src/node/secure-dir.js';
import { Captures } from './index/captures.js';
import { Jobs } from './index/jobs.js';
import { acquireLock } from './lifecycle/lock.js';
import { parse, USAGE, type Options } from './lifecycle/options.js';
import { answers, describeError, freeSocketPath, ReadyChannel, removeOwnSocket, socketIdentity, StartupError } from './lifecycle/startup.js';
import type { Logger } from 'pino';
import { createLogger } from './log.js';
import { startServer } from './server.js';
import { VERSION } from './version.js';

/** How long a live lock owner may take to answer on its socket before its lock counts as stale. */
const LOCK_GRACE_MS = 3000;

/** Without --foreground: start the daemon detached, and say how its start went. */
async function detach(): Promise<number> {
  const args = process.argv.slice(2).filter((a) => a !== '--foreground');
  const r = await startDetached(process.argv[1]!, ['--foreground', ...args], process.env, 30_000);
  if (r.kind === 'ready') return 0;
  if (r.kind === 'running') {
    process.stderr.write(`memtreed: already running (pid ${r.pid})\n`);
    return 0;
  }
  process.stderr.write(`memtreed: ${r.kind === 'error' ? r.message : r.kind === 'timeout' ? 'no word from the daemon within 30 s' : `the daemon exited with status ${r.code}`}\n`);
  return 1;
}

async function run(o: Options, ready: ReadyChannel): Promise<number> {
  // Everything this daemon creates (indexes, their WAL files, the log) is for this user alone.
  process.umask(0o077);
  const paths = memtreePaths({ stateDir: o.stateDir, socket: o.socket });
  checkPathsSecure(paths, true);
  const stale: string[] = [];
  const lock = await acquireLock(paths.lock, {
    socket: paths.socket,
    answers: (socket) => answers(socket),
    graceMs: LOCK_GRACE_MS,
    onStale: (owner, why) => {
      stale.push(`took over the lock of pid ${owner.pid}: ${why}`);
      // A wedged daemon (alive, not answering) is asked to go; the start time in the lock
      // proved it is that daemon, not a process that got its pid.
      if (why.includes('does not answer')) {
        try {
          process.kill(owner.pid, 'SIGTERM');
        } catch {
          // Gone meanwhile.
        }
      }
    },
  });
  if (!lock.acquired) {
    ready.running(lock.pid);
    process.stderr.write(`memtreed: already running (pid ${lock.pid}) for ${paths.runtimeDir}\n`);
    return 3;
  }
  try {
    // The index and the log hold capture paths and command lines: private, like the runtime dir.
    checkDataPathsSecure(paths);
    ensurePrivateFile(paths.logFile);
  } catch (err) {
    lock.release();
    throw err;
  }
  const { log, flush, reopen } = createLogger(paths.logFile, o.logLevel);
  for (const line of stale) log.warn(line);
  let ownSocket: string | undefined;
  // A bug in one request must not take every client down with the daemon (a detached daemon's
  // stderr goes nowhere): log it with its stack and serve on.
  process.on('uncaughtException', (err) => log.error({ err }, 'uncaught exception'));
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled promise rejection'));
  try {
    if (!(await freeSocketPath(paths.socket))) {
      // Another daemon (of another state dir) serves this socket.
      process.stderr.write(`memtreed: another daemon answers on ${paths.socket}\n`);
      ready.error(`another daemon answers on ${paths.socket}`);
      lock.release();
      return 3;
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
        // Closing a listening Unix socket unlinks its path: when a daemon took our lock over (we
        // did not answer in time) the path is its socket now, and exiting closes ours unseen.
        const ours = lock.held() && socketIdentity(paths.socket) === ownSocket;
        if (ours) await server.close(); // stop accepting, dispose connections
        await jobs.stopAll();
        captures.closeAll();
        if (ours) removeOwnSocket(paths.socket, ownSocket);
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
    // counts from the last moment either was the case. A client that came and went between two
    // looks of the timer (a quick `memtree tree --json` takes less than one) counts through
    // lastActivity, set when it leaves.
    let busyAt = Date.now();
    const idleTimer =
      idleTimeoutMs === 0
        ? undefined
        : setInterval(
            () => {
              if (server.clients > 0 || jobs.size > 0) busyAt = Date.now();
              else if (Date.now() - Math.max(busyAt, lastActivity) >= idleTimeoutMs) void shutdown('idle');
            },
            Math.min(1000, Math.max(100, idleTimeoutMs / 4)),
          );
    ownSocket = socketIdentity(paths.socket);
    const prefetchPath = o.prefetch;
    if (prefetchPath === undefined) ready.ready();
    else void ready.readyThenStarterDone().then(() => prefetch(captures, prefetchPath, log));
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

/**
 * Indexes the capture a client started this daemon for (--prefetch), once that client is done
 * with the CPU (it read the capture itself: ReadyChannel.readyThenStarterDone), for the commands
 * that follow: their capture/open joins the job (same capture id) or, the file replaced meanwhile,
 * opens the new version (another id). Like any open, a capture changed during the pass is never
 * stored. Whatever goes wrong is for a client's own open to hear: logged here, nothing more.
 */
function prefetch(captures: Captures, capture: string, log: Logger): void {
  const t0 = Date.now();
  captures.openCapture(capture, path.dirname(capture), [], () => {}).then(
    (r) => log.info({ path: capture, captureId: r.index.captureId, indexed: r.indexed, ms: Date.now() - t0 }, 'prefetched'),
    (err: unknown) => log.warn({ path: capture, err }, 'prefetch failed'),
  );
}

/** Runs the daemon; a start-up failure goes to stderr and to the starter's pipe, as one clear line. */
async function foreground(o: Options): Promise<number> {
  const ready = new ReadyChannel(o.readyFd);
  try {
    return await run(o, ready);
  } catch (err) {
    const message = describeError(err);
    ready.error(message);
    const known = err instanceof InsecureDirError || err instanceof StartupError || typeof (err as NodeJS.ErrnoException).code === 'string';
    process.stderr.write(`memtreed: ${known ? message : ((err as Error).stack ?? String(err))}\n`);
    return 1;
  }
}

/**
 * The main thread may run with a small young generation (DAEMON_NODE_FLAGS); V8 flags are read
 * when an isolate is created, so this gives the indexing worker threads started from now on
 * V8's 64-bit default again (16 MiB semi-spaces): their passes allocate fast and are short-lived.
 */
function workerHeapDefaults(): void {
  v8.setFlagsFromString('--max-semi-space-size=16');
}

async function main(): Promise<number> {
  workerHeapDefaults();
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
  return o.foreground ? foreground(o) : detach();
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`memtreed: ${String(err)}\n`);
    process.exit(1);
  },
);
