/**
 * A real `memtreed --foreground --state-dir <tmp>` for integration tests, and a JSON-RPC
 * client for it. Readiness is polled with daemon/status, never a fixed sleep.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { createMessageConnection, ResponseError, SocketMessageReader, SocketMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { DaemonInitializeRequest, DaemonStatusRequest } from '../../protocol/src/daemon.js';
import { PROTOCOL_VERSION } from '../../protocol/src/version.js';
import { DAEMON_NODE_FLAGS } from '../../protocol/src/node/daemon-start.js';
import { MEMTREED_BIN, tempDir } from './paths.js';

/** A new empty state directory (mode 0700, as mkdtemp makes it: memtreed refuses open ones). */
export function tempStateDir(prefix = 'memtree-test-'): string {
  return tempDir(prefix);
}

export interface Rpc {
  readonly conn: MessageConnection;
  close(): void;
}

/** Connects and performs the handshake. */
export async function rpcConnect(socket: string, initialize = true): Promise<Rpc> {
  const s = await new Promise<net.Socket>((resolve, reject) => {
    const c = net.connect(socket);
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
  const conn = createMessageConnection(new SocketMessageReader(s), new SocketMessageWriter(s));
  conn.listen();
  if (initialize) await conn.sendRequest(DaemonInitializeRequest.type, { protocolVersion: PROTOCOL_VERSION, clientVersion: 'test' });
  return { conn, close: () => (conn.dispose(), s.destroy()) };
}

export async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 5;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 100);
  }
}

export interface DaemonOptions {
  /** Default: a new temporary directory. */
  stateDir?: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
}

export class DaemonInstance {
  readonly socket: string;
  readonly stderr: string[] = [];
  exitCode: number | null | undefined;
  private readonly closed: Promise<void>;
  private constructor(
    readonly stateDir: string,
    readonly child: ChildProcess,
  ) {
    this.socket = path.join(stateDir, 'memtreed.sock');
    child.stderr?.on('data', (b: Buffer) => this.stderr.push(b.toString()));
    child.on('exit', (code) => (this.exitCode = code));
    this.closed = new Promise((r) => child.once('close', () => r()));
  }

  /** Everything the daemon wrote to stderr, once it has exited and its stderr is closed. */
  async stderrText(): Promise<string> {
    await this.closed;
    return this.stderr.join('');
  }

  /** Starts a daemon and waits until it answers daemon/status. */
  static async start(opts: DaemonOptions = {}): Promise<DaemonInstance> {
    const d = DaemonInstance.spawn(opts);
    await d.ready();
    return d;
  }

  /**
   * Spawns `memtreed --foreground` without waiting for it: for tests of start-up itself
   * (several daemons racing for one state dir, a refused runtime dir). Its stderr is collected
   * in `stderr`; `exited()` gives the exit code.
   */
  static spawn(opts: DaemonOptions = {}): DaemonInstance {
    const stateDir = opts.stateDir ?? tempStateDir();
    const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, MEMTREED_BIN, '--foreground', '--state-dir', stateDir, ...(opts.args ?? [])], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...opts.env },
    });
    return new DaemonInstance(stateDir, child);
  }

  /** Resolves once the daemon answers daemon/status. */
  async ready(): Promise<void> {
    await waitFor(
      async () => {
        if (this.exitCode !== undefined) throw new Error(`memtreed exited with ${this.exitCode}: ${this.stderr.join('')}`);
        let c: Rpc;
        try {
          c = await rpcConnect(this.socket, false);
        } catch {
          return undefined; // not listening yet
        }
        try {
          // Any JSON-RPC answer counts, including "send daemon/initialize first".
          await c.conn.sendRequest(DaemonStatusRequest.type).catch((e: unknown) => {
            if (!(e instanceof ResponseError)) throw e;
          });
          return true;
        } catch {
          return undefined;
        } finally {
          c.close();
        }
      },
      30_000,
      'memtreed to answer',
    );
  }

  connect(): Promise<Rpc> {
    return rpcConnect(this.socket);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resolves with the exit code once the process has exited. */
  exited(): Promise<number | null> {
    if (this.exitCode !== undefined) return Promise.resolve(this.exitCode);
    return new Promise((r) => this.child.once('exit', (code) => r(code)));
  }

  async stop(): Promise<void> {
    if (this.exitCode !== undefined) return;
    this.child.kill('SIGTERM');
    await this.exited();
  }

  kill9(): Promise<number | null> {
    this.child.kill('SIGKILL');
    return this.exited();
  }
}
