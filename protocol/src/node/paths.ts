/**
 * Where memtreed keeps its socket, lock, index and log (Node-only, shared by daemon and client).
 *
 * - `--state-dir DIR` / MEMTREE_STATE_DIR: everything under DIR (tests, isolated setups).
 * - otherwise runtime files in $XDG_RUNTIME_DIR/memtree (or <tmpdir>/memtree-<uid>), which is
 *   wiped at logout, and the index and log in $XDG_CACHE_HOME/memtree (or ~/.cache/memtree).
 * - `--socket PATH` / MEMTREE_SOCKET overrides the socket alone.
 */
import { createHash } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';

export interface MemtreePaths {
  /** Directory holding the socket and lock; must be private to the user (0700). */
  readonly runtimeDir: string;
  readonly socket: string;
  readonly lock: string;
  readonly indexDir: string;
  readonly logFile: string;
  /** Set when everything lives under one state directory. */
  readonly stateDir?: string;
}

/** Unix socket paths longer than this do not fit in sockaddr_un on every platform. */
const MAX_SOCKET_PATH = 100;

function uid(): number {
  return typeof process.getuid === 'function' ? process.getuid() : 0;
}

export function memtreePaths(opts: { stateDir?: string; socket?: string } = {}, env: NodeJS.ProcessEnv = process.env): MemtreePaths {
  const stateDir = opts.stateDir ?? (env.MEMTREE_STATE_DIR || undefined);
  const socketOverride = opts.socket ?? (env.MEMTREE_SOCKET || undefined);
  let runtimeDir: string;
  let indexDir: string;
  let logFile: string;
  if (stateDir !== undefined) {
    runtimeDir = path.resolve(stateDir);
    indexDir = path.join(runtimeDir, 'index');
    logFile = path.join(runtimeDir, 'memtreed.log');
  } else {
    runtimeDir = env.XDG_RUNTIME_DIR ? path.join(env.XDG_RUNTIME_DIR, 'memtree') : path.join(os.tmpdir(), `memtree-${uid()}`);
    const cache = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
    indexDir = path.join(cache, 'memtree');
    logFile = path.join(indexDir, 'memtreed.log');
  }
  let socket = socketOverride !== undefined ? path.resolve(socketOverride) : path.join(runtimeDir, 'memtreed.sock');
  if (socketOverride === undefined && Buffer.byteLength(socket) > MAX_SOCKET_PATH) {
    // A deep state dir: put the socket in the short per-user tmp dir, named by the state dir.
    const hash = createHash('sha256').update(runtimeDir).digest('hex').slice(0, 16);
    socket = path.join(os.tmpdir(), `memtree-${uid()}`, `${hash}.sock`);
  }
  return { runtimeDir, socket, lock: path.join(runtimeDir, 'memtreed.lock'), indexDir, logFile, stateDir };
}
