/**
 * What every command shares: where it writes, how it reports the errors users can act on, and
 * the options that say where memtreed is.
 */
import { ResponseError } from 'vscode-jsonrpc/node';
import { MemtreeErrorCodes } from '../../../protocol/src/errors.js';
import { InsecureDirError } from '../../../protocol/src/node/secure-dir.js';
import { CaptureChangedError, CaptureError, NoSuchFileError } from '../../../daemon/src/capture/errors.js';
import type { OptionSpec } from '../cli/args.js';
import { memtreePaths } from '../../../protocol/src/node/paths.js';
import { DaemonUnavailableError, isConnectionFailure, type DaemonClient } from '../daemon/connect.js';

/** Where a command writes; injected so commands can be tested without a process. */
export interface CommandIO {
  readonly stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly env: NodeJS.ProcessEnv;
}

/** --socket and --state-dir: which memtreed a command talks to. */
export const DAEMON_SPECS: readonly OptionSpec[] = [
  { long: 'socket', type: 'string', metavar: 'PATH', help: "memtreed's socket (default: in the runtime dir)" },
  { long: 'state-dir', type: 'string', metavar: 'DIR', help: 'keep socket, lock, index and logs under DIR' },
];

/** The DAEMON_SPECS options as parsed (connectDaemon's and memtreePaths' `stateDir` and `socket`). */
export function daemonLocation(o: ReadonlyMap<string, string | number | boolean>): { stateDir: string | undefined; socket: string | undefined } {
  return { stateDir: o.get('state-dir') as string | undefined, socket: o.get('socket') as string | undefined };
}

/** memtreed went away (exited, was killed, closed the socket) before it answered. */
export class DaemonLostError extends Error {}

/** The message for a lost daemon: what happened and where to look. */
function lostMessage(logFile: string): string {
  return `memtreed closed the connection before answering (it exited or was stopped); its log: ${logFile}`;
}

/**
 * `work` (requests on `client`), failed with a DaemonLostError as soon as the connection closes:
 * vscode-jsonrpc leaves requests pending forever when the socket closes, and a process with
 * nothing left to wait for would exit 0 with no output.
 */
export function whileConnected<T>(client: DaemonClient, where: ReturnType<typeof daemonLocation>, env: NodeJS.ProcessEnv, work: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const lost = (): void => reject(new DaemonLostError(lostMessage(memtreePaths(where, env).logFile)));
    const subs = [client.conn.onClose(lost), client.conn.onError(lost)];
    // A request failed by the connection (closed, a failed write) is the daemon lost too, whichever
    // of that failure and the close event comes first.
    work.then(resolve, (err: unknown) => (isConnectionFailure(err) ? lost() : reject(err))).finally(() => {
      for (const s of subs) s.dispose();
    });
  });
}

/** Prints an error the way memray's CLI does; returns the exit status, or undefined if unknown. */
export function reportError(err: unknown, io: CommandIO): number | undefined {
  // CaptureChangedError: --no-daemon read the capture again (memray 1.19 and older's order) and found another file.
  if (err instanceof NoSuchFileError || err instanceof CaptureError || err instanceof CaptureChangedError) {
    io.stderr.write(`${err.message}\n`);
    return 1;
  }
  if (err instanceof ResponseError) {
    const known: number[] = [
      MemtreeErrorCodes.CaptureNotFound,
      MemtreeErrorCodes.CaptureInvalid,
      MemtreeErrorCodes.ModeUnavailable,
      MemtreeErrorCodes.CaptureChanged,
      MemtreeErrorCodes.IndexUnwritable,
    ];
    io.stderr.write(known.includes(err.code) ? `${err.message}\n` : `memtree: daemon error ${err.code}: ${err.message}\n`);
    return 1;
  }
  if (err instanceof DaemonUnavailableError || err instanceof InsecureDirError || err instanceof DaemonLostError) {
    io.stderr.write(`memtree: ${err.message}\n`);
    return 1;
  }
  return undefined;
}
