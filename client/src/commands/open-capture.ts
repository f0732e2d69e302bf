/**
 * Opening a capture in memtreed for a command, the same for every command: indexing progress
 * on stderr, a daemon that goes away meanwhile reported at once (never a hang or a silent
 * exit), and a capture rewritten under the daemon opened again as its new version.
 */
import { CancellationToken, ResponseError } from 'vscode-jsonrpc/node';
import { CaptureOpenRequest, type CaptureOpenResult, type CaptureProgressParams } from '../../../protocol/src/capture.js';
import { MemtreeErrorCodes } from '../../../protocol/src/errors.js';
import type { SnapshotMode } from '../../../protocol/src/tree-document.js';
import type { DaemonClient } from '../daemon/connect.js';
import { progressBar } from '../daemon/progress-bar.js';
import { onCaptureProgress } from '../daemon/progress-hub.js';
import { whileConnected, type CommandIO, type daemonLocation } from './common.js';

/** What to open: the capture, and the mode the command needs first (indexed before the answer). */
export interface OpenSpec {
  readonly capture: string;
  readonly mode?: SnapshotMode;
}

/** Opens the capture in memtreed (indexing it if needed); `onProgress` sees the indexing progress. */
export async function openCapture(
  client: DaemonClient,
  spec: OpenSpec,
  onProgress: (p: CaptureProgressParams) => void,
  token: CancellationToken = CancellationToken.None,
): Promise<CaptureOpenResult> {
  const unsubscribe = onCaptureProgress(client.conn, onProgress);
  try {
    const modes = spec.mode === undefined ? {} : { modes: [spec.mode] };
    return await client.conn.sendRequest(CaptureOpenRequest.type, { path: spec.capture, cwd: process.cwd(), ...modes }, token);
  } finally {
    unsubscribe();
  }
}

/** Opens and runs the work once more (up to this many times) when the capture changed under the daemon. */
const REOPENS = 3;

/**
 * Opens `spec.capture` with a progress bar on stderr, then runs `work` on it; both fail with a
 * DaemonLostError as soon as memtreed goes away. A CaptureChanged answer (the file was replaced
 * while the daemon read it, or between the open and the work) opens the new version and runs
 * the work again.
 */
export async function withOpenCapture<T>(
  client: DaemonClient,
  where: ReturnType<typeof daemonLocation>,
  io: CommandIO,
  spec: OpenSpec,
  work: (open: CaptureOpenResult) => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      const bar = progressBar(io.stderr);
      let open: CaptureOpenResult;
      try {
        open = await whileConnected(client, where, io.env, openCapture(client, spec, (p) => bar.update(p)));
      } finally {
        bar.done();
      }
      return await whileConnected(client, where, io.env, work(open));
    } catch (err) {
      if (!(err instanceof ResponseError && err.code === MemtreeErrorCodes.CaptureChanged) || attempt + 1 >= REOPENS) throw err;
    }
  }
}
