/**
 * Finding memtreed: connect to its socket, start it (detached) when nobody answers, retry with
 * doubling backoff for about 10 s, then the versioned handshake. A daemon speaking another
 * protocol major is asked to shut down and replaced by one of ours.
 */
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { createMessageConnection, ResponseError, SocketMessageReader, SocketMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { DaemonInitializeRequest, DaemonShutdownRequest, type InitializeResult } from '../../../protocol/src/daemon.js';
import { MemtreeErrorCodes } from '../../../protocol/src/errors.js';
import { packageRoot, packageVersion } from '../../../protocol/src/node/package-info.js';
import { memtreePaths, type MemtreePaths } from '../../../protocol/src/node/paths.js';
import { checkPathsSecure } from '../../../protocol/src/node/secure-dir.js';
import { PROTOCOL_VERSION, daemonIsOutdated } from '../../../protocol/src/version.js';

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

/** How long a started daemon has to answer. */
const START_TIMEOUT_MS = 10_000;

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

/** Starts this package's `memtreed --foreground` in its own session, detached from this terminal. */
function spawnDaemon(paths: MemtreePaths, env: NodeJS.ProcessEnv): void {
  const args = [path.join(packageRoot(), 'bin/memtreed.js'), '--foreground', '--socket', paths.socket];
  if (paths.stateDir !== undefined) args.push('--state-dir', paths.stateDir);
  const child = spawn(process.execPath, args, { detached: true, stdio: 'ignore', env });
  child.unref();
}

async function handshake(socket: net.Socket): Promise<{ conn: MessageConnection; init?: InitializeResult; mismatch: boolean }> {
  const conn = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
  conn.listen();
  try {
    const init = await conn.sendRequest(DaemonInitializeRequest.type, { protocolVersion: PROTOCOL_VERSION, clientVersion: packageVersion() });
    return { conn, init, mismatch: daemonIsOutdated(init.protocolVersion, PROTOCOL_VERSION) };
  } catch (err) {
    if (err instanceof ResponseError && err.code === MemtreeErrorCodes.ProtocolMismatch) return { conn, mismatch: true };
    throw err;
  }
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

export async function connectDaemon(opts: ConnectOptions = {}): Promise<DaemonClient> {
  const env = opts.env ?? process.env;
  const paths = memtreePaths({ stateDir: opts.stateDir, socket: opts.socket }, env);
  checkPathsSecure(paths, false);
  const deadline = Date.now() + START_TIMEOUT_MS;
  let spawned = false;
  let delay = 10;
  let restarted = false;
  for (;;) {
    let socket: net.Socket | undefined;
    try {
      socket = await connectSocket(paths.socket);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ECONNREFUSED' && code !== 'ENOENT') throw err;
      if (opts.spawn === false) throw new DaemonUnavailableError(`memtreed is not running (no answer on ${paths.socket})`);
      if (!spawned) {
        spawnDaemon(paths, env);
        spawned = true;
      }
      if (Date.now() > deadline) {
        throw new DaemonUnavailableError(`memtreed did not start within ${START_TIMEOUT_MS} ms; see ${paths.logFile}`);
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 500);
      continue;
    }
    const s = socket;
    const { conn, init, mismatch } = await handshake(s);
    if (!mismatch && init !== undefined) {
      return { conn, init, close: () => (conn.dispose(), s.destroy()) };
    }
    // Another protocol major: stop that daemon and start ours (once).
    if (restarted) throw new DaemonUnavailableError('memtreed keeps answering with another protocol version');
    restarted = true;
    await conn.sendRequest(DaemonShutdownRequest.type).catch(() => undefined);
    conn.dispose();
    s.destroy();
    await waitGone(paths.socket, deadline);
    spawned = false;
  }
}
