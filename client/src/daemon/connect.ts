/**
 * Finding memtreed: connect to its socket and handshake; when nobody answers, start it
 * (start-daemon.ts: once for many clients, and a daemon that cannot start says why). A
 * daemon that accepts the connection but does not answer the handshake within a grace period
 * is replaced (the new one takes its lock over); one speaking another protocol major is asked
 * to shut down and replaced by one of ours.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { ConnectionError, createMessageConnection, ErrorCodes, ResponseError, SocketMessageReader, SocketMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { DaemonInitializeRequest, DaemonShutdownRequest, type InitializeResult } from '../../../protocol/src/daemon.js';
import { MemtreeErrorCodes } from '../../../protocol/src/errors.js';
import { packageVersion } from '../../../protocol/src/node/package-info.js';
import { memtreePaths, type MemtreePaths } from '../../../protocol/src/node/paths.js';
import { checkPathsSecure } from '../../../protocol/src/node/secure-dir.js';
import { PROTOCOL_VERSION, daemonIsOutdated } from '../../../protocol/src/version.js';
import type { StartOutcome } from '../../../protocol/src/node/daemon-start.js';
import { startDaemon, startDaemonFor } from './start-daemon.js';

export interface ConnectOptions {
  readonly stateDir?: string;
  readonly socket?: string;
  /** Start the daemon when it is not running (default true). */
  readonly spawn?: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

export interface DaemonClient {
  readonly conn: MessageConnection;
  readonly init: InitializeResult;
  close(): void;
}

/** How long a started daemon has to say it listens (or why it cannot). */
const START_TIMEOUT_MS = 15_000;
/** How long a daemon that accepted the connection has to answer the handshake. */
const HANDSHAKE_GRACE_MS = 5000;

export class DaemonUnavailableError extends Error {}

function connectSocket(socket: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socket);
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

type Handshake =
  | { kind: 'ok'; conn: MessageConnection; init: InitializeResult }
  | { kind: 'mismatch'; conn: MessageConnection }
  /** No answer within the grace period, or the connection closed first. */
  | { kind: 'silent' };

async function handshake(socket: net.Socket): Promise<Handshake> {
  const conn = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
  conn.listen();
  let timer: NodeJS.Timeout | undefined;
  const silence = new Promise<'silent'>((r) => (timer = setTimeout(() => r('silent'), HANDSHAKE_GRACE_MS)));
  const closed = new Promise<'silent'>((r) => conn.onClose(() => r('silent')));
  try {
    const init = await Promise.race([
      conn.sendRequest(DaemonInitializeRequest.type, { protocolVersion: PROTOCOL_VERSION, clientVersion: packageVersion() }),
      silence,
      closed,
    ]);
    if (init === 'silent') {
      conn.dispose();
      socket.destroy();
      return { kind: 'silent' };
    }
    return daemonIsOutdated(init.protocolVersion, PROTOCOL_VERSION) ? { kind: 'mismatch', conn } : { kind: 'ok', conn, init };
  } catch (err) {
    if (err instanceof ResponseError && err.code === MemtreeErrorCodes.ProtocolMismatch) return { kind: 'mismatch', conn };
    // The connection broke under the request (the daemon closed it, died, or wrote garbage):
    // no daemon answered, which the caller handles like silence (starting one if it can).
    if (isConnectionFailure(err)) {
      conn.dispose();
      socket.destroy();
      return { kind: 'silent' };
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** A request failed because the connection did (closed, disposed, a failed write or read), not by the daemon's answer. */
export function isConnectionFailure(err: unknown): boolean {
  return err instanceof ConnectionError || (err instanceof ResponseError && isTransportError(err.code));
}

/** vscode-jsonrpc's own codes for a connection that failed (write, read, closed, disposed), not a daemon's answer. */
function isTransportError(code: number): boolean {
  return code === ErrorCodes.MessageWriteError || code === ErrorCodes.MessageReadError || code === ErrorCodes.PendingResponseRejected || code === ErrorCodes.ConnectionInactive;
}

/** The identity of the socket file now (which daemon's socket it is). */
function socketIdentity(socket: string): string | undefined {
  const st = fs.statSync(socket, { throwIfNoEntry: false });
  return st === undefined ? undefined : `${st.dev}:${st.ino}`;
}

/**
 * Waits at most `ms` for a change in the directories of the socket and of the start claim (a
 * daemon's socket appearing, the starting client's claim going), or returns at once when the
 * socket is no longer the one seen before (`seen`): a client waiting for another's daemon
 * connects as soon as its socket exists, not at the next step of a backoff. Without inotify
 * (an unsupported file system) it is a plain sleep of `ms`.
 */
function dirChange(paths: MemtreePaths, seen: string | undefined, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const watchers: fs.FSWatcher[] = [];
    const done = (): void => {
      clearTimeout(timer);
      for (const w of watchers) w.close();
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const dir of new Set([path.dirname(paths.socket), paths.runtimeDir])) {
      try {
        watchers.push(fs.watch(dir, { persistent: false }, done).on('error', done));
      } catch {
        // Not there yet, or not watchable: the timeout stands.
      }
    }
    if (socketIdentity(paths.socket) !== seen) done(); // it changed before the watch began
  });
}

/** Waits until nothing answers on `socket` any more (the old daemon has gone). */
async function waitGone(socket: string, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    try {
      (await connectSocket(socket)).destroy();
    } catch {
      return;
    }
    await sleep(20);
  }
}

/** Why a start brought no daemon up (undefined: it listens, or another one runs). */
function startFailure(r: StartOutcome, paths: MemtreePaths): DaemonUnavailableError | undefined {
  if (r.kind === 'error') return new DaemonUnavailableError(`memtreed could not start: ${r.message}`);
  if (r.kind === 'exited') return new DaemonUnavailableError(`memtreed exited (status ${r.code}) before listening; see ${paths.logFile}`);
  if (r.kind === 'timeout') return new DaemonUnavailableError(`memtreed did not start within ${START_TIMEOUT_MS} ms; see ${paths.logFile}`);
  return undefined;
}

/**
 * A cold start that need not wait for the daemon: when nothing is at the socket path (no daemon
 * ran there since the runtime dir was made, or it exited cleanly) and this client takes the start
 * claim, memtreed starts in the background, told to index `capture` (an absolute path) once this
 * client has heard `ready` (daemon/src/lifecycle/startup.ts readyThenStarterDone). `done` resolves when it listens and rejects as connectDaemon would when it cannot start; the
 * command must wait for it before it exits (the claim goes then). Undefined otherwise: a socket
 * there (a running, stale or foreign daemon), or another client starting one, is connectDaemon's.
 */
export function startInBackground(opts: ConnectOptions, capture: string): { readonly done: Promise<void> } | undefined {
  const env = opts.env ?? process.env;
  const paths = memtreePaths({ stateDir: opts.stateDir, socket: opts.socket }, env);
  try {
    checkPathsSecure(paths, false);
    if (fs.lstatSync(paths.socket, { throwIfNoEntry: false }) !== undefined) return undefined;
  } catch {
    return undefined; // connectDaemon says what is wrong
  }
  const started = startDaemonFor(paths, env, START_TIMEOUT_MS, capture);
  if (started === undefined) return undefined;
  const done = started.then((r) => {
    const failed = startFailure(r, paths);
    if (failed !== undefined) throw failed;
  });
  done.catch(() => {}); // the command hears it when it waits
  return { done };
}

export async function connectDaemon(opts: ConnectOptions = {}): Promise<DaemonClient> {
  const env = opts.env ?? process.env;
  const paths = memtreePaths({ stateDir: opts.stateDir, socket: opts.socket }, env);
  checkPathsSecure(paths, false);
  let deadline = Date.now() + START_TIMEOUT_MS;
  let delay = 10;
  let restarted = false;
  let runningElsewhere = 0;
  /** A socket whose daemon did not answer: not worth connecting to again. */
  let silent: string | undefined;
  for (;;) {
    let why: string;
    let socket: net.Socket | undefined;
    const seen = socketIdentity(paths.socket);
    if (silent === undefined || socketIdentity(paths.socket) !== silent) {
      try {
        socket = await connectSocket(paths.socket);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ECONNREFUSED' && code !== 'ENOENT' && code !== 'ENOTSOCK') throw err;
      }
    }
    if (socket === undefined) {
      why = `memtreed is not running (no answer on ${paths.socket})`;
    } else {
      const s = socket;
      const h = await handshake(s);
      if (h.kind === 'ok') return { conn: h.conn, init: h.init, close: () => (h.conn.dispose(), s.destroy()) };
      if (h.kind === 'silent') {
        why = `memtreed does not answer on ${paths.socket}`;
        silent = socketIdentity(paths.socket);
      } else {
        // Another protocol major or an older minor: stop that daemon and start ours (once).
        if (restarted) throw new DaemonUnavailableError('memtreed keeps answering with another protocol version');
        restarted = true;
        await h.conn.sendRequest(DaemonShutdownRequest.type).catch(() => undefined);
        h.conn.dispose();
        s.destroy();
        await waitGone(paths.socket, Date.now() + START_TIMEOUT_MS);
        why = 'memtreed was stopped for a newer version';
      }
    }
    if (opts.spawn === false) throw new DaemonUnavailableError(why);
    if (Date.now() > deadline) throw new DaemonUnavailableError(`${why}; no daemon started within ${START_TIMEOUT_MS} ms; see ${paths.logFile}`);
    const r = await startDaemon(paths, env, START_TIMEOUT_MS);
    if (r.kind === 'busy') {
      // Another client is starting it: wait for the socket (or for its claim to go).
      await dirChange(paths, seen, delay);
      delay = Math.min(delay * 2, 200);
      continue;
    }
    const failed = startFailure(r, paths);
    if (failed !== undefined) throw failed;
    if (r.kind === 'running' && ++runningElsewhere > 2) {
      throw new DaemonUnavailableError(`memtreed (pid ${r.pid}) runs for ${paths.runtimeDir} but does not answer on ${paths.socket}`);
    }
    deadline = Date.now() + START_TIMEOUT_MS; // a daemon just started or answered: count afresh
    silent = undefined;
  }
}
