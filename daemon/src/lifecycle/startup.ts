/**
 * Start-up checks of memtreed and how their outcome reaches the client that started it: a
 * pipe (`--ready-fd N`) gets one line, `ready`, `running PID` or `error MESSAGE`, so the
 * client prints why a daemon could not start at once instead of waiting for a socket that
 * never comes. Also: the socket path (only a socket is ever removed there) and the liveness
 * probe of a daemon on a socket.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

/** A start-up failure with a message for the user (no stack). */
export class StartupError extends Error {}

/** The one line of start-up outcome for the client, on the pipe it passed (if any). */
export class ReadyChannel {
  private fd: number | undefined;

  constructor(fd: number | undefined) {
    this.fd = fd;
  }

  private send(line: string, keepOpen = false): number | undefined {
    const fd = this.fd;
    if (fd === undefined) return undefined;
    this.fd = undefined;
    try {
      fs.writeSync(fd, `${line.replace(/\n/g, ' ')}\n`);
    } catch {
      // The client gave up waiting (EPIPE): nobody to tell.
    }
    if (keepOpen) return fd;
    try {
      fs.closeSync(fd);
    } catch {
      // Already closed.
    }
    return undefined;
  }

  ready(): void {
    this.send('ready');
  }

  /**
   * Says `ready`, then resolves once the starter has closed its end of the pipe (at once
   * without a pipe). The pipe is a socket pair (Node's 'pipe' stdio), so its end reads EOF
   * when the starter destroys its end after hearing `ready`, or exits: a client that reads
   * the capture itself on a cold start does so only after its read (commands/tree.ts
   * coldStart), so --prefetch waits for that instead of taking the CPU from it.
   */
  readyThenStarterDone(): Promise<void> {
    const fd = this.send('ready', true);
    if (fd === undefined) return Promise.resolve();
    return new Promise((resolve) => {
      let pipe: net.Socket;
      try {
        pipe = new net.Socket({ fd, readable: true, writable: false });
      } catch {
        try {
          fs.closeSync(fd);
        } catch {
          // Already closed.
        }
        resolve();
        return;
      }
      pipe.on('data', () => {}); // nothing is sent: read to the end
      pipe.once('end', () => pipe.destroy());
      pipe.once('error', () => pipe.destroy());
      pipe.once('close', () => resolve());
    });
  }

  running(pid: number): void {
    this.send(`running ${pid}`);
  }

  error(message: string): void {
    this.send(`error ${message}`);
  }
}

const REASONS: Record<string, string> = {
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a path component is not a directory',
  ELOOP: 'it is a symbolic link',
  EISDIR: 'it is a directory',
  ENAMETOOLONG: 'the name is too long',
};

/** A file-system error as a user reads it: what could not be done where, and why. */
export function describeError(err: unknown): string {
  if (err instanceof StartupError) return err.message;
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code === 'string' && typeof e.path === 'string') {
    const reason = REASONS[e.code] ?? e.message;
    if (e.syscall === 'mkdir') return `cannot create the directory ${e.path}: ${reason}`;
    if (['EROFS', 'EACCES', 'EPERM', 'ENOSPC', 'EDQUOT'].includes(e.code)) {
      return `cannot write in ${path.dirname(e.path)}: ${reason} (${e.syscall ?? 'writing'} ${path.basename(e.path)})`;
    }
    return `cannot ${e.syscall ?? 'use'} ${e.path}: ${reason}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * Whether a memtreed answers on `socket`: a JSON-RPC request gets any reply within
 * `timeoutMs` (before the handshake it is an error reply, which counts). A wedged daemon
 * accepts connections (the kernel does) but never replies.
 */
export function answers(socket: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(socket);
    const done = (v: boolean): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    s.once('connect', () => {
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'daemon/status' });
      s.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    });
    s.once('data', () => done(true));
    s.once('error', () => done(false));
    s.once('close', () => done(false));
  });
}

function kindOf(st: fs.Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a socket';
}

/**
 * Makes `socket` free to listen on: nothing there, or a socket nobody answers on (its daemon
 * died), which is removed. Anything else there is never touched: a clear error says what it is.
 * Returns false when a live daemon answers on it.
 */
export async function freeSocketPath(socket: string): Promise<boolean> {
  const st = fs.lstatSync(socket, { throwIfNoEntry: false });
  if (st === undefined) return true;
  if (!st.isSocket()) {
    throw new StartupError(`${socket} is ${kindOf(st)}, not a socket: refusing to replace it (move it away or choose another --socket)`);
  }
  if (await answers(socket)) return false;
  fs.rmSync(socket, { force: true }); // stale: its daemon is gone
  return true;
}

/** Identity of the socket this daemon created, so shutdown removes only that one (inode numbers are reused: the change time too). */
export function socketIdentity(socket: string): string | undefined {
  const st = fs.lstatSync(socket, { throwIfNoEntry: false, bigint: true });
  return st?.isSocket() ? `${st.dev}:${st.ino}:${st.ctimeNs}` : undefined;
}

/** Removes `socket` if it is still the one with `identity` (a daemon that took over may own the path now). */
export function removeOwnSocket(socket: string, identity: string | undefined): void {
  if (identity !== undefined && socketIdentity(socket) === identity) fs.rmSync(socket, { force: true });
}
