/**
 * The JSON-RPC errors of opening and using captures: a failed index task's failure, a missing
 * file, a forgotten capture. Messages name the file as the client gave it (`shownAs`), as
 * memray's CLI does; a task itself only knows the absolute path.
 */
import { ResponseError } from 'vscode-jsonrpc';
import { MemtreeErrorCodes, type CaptureErrorData } from '../../../protocol/src/errors.js';
import { CaptureError, NoSuchFileError, type FileProblem } from '../capture/errors.js';
import type { TaskFailure, TaskOutcome } from './tasks.js';
import { changedError } from './versions.js';

/** SQLite and file-system errors meaning the index could not be written where it belongs. */
const UNWRITABLE = /SQLITE_FULL|database or disk is full|ENOSPC|no space left|EROFS|read-only file system|SQLITE_READONLY|EDQUOT/i;

/** The error a client gets for a failed task (`indexDir`: where an unwritable index was to go). */
export function failureError(f: TaskFailure, shownAs = f.path, indexDir?: string): ResponseError<CaptureErrorData | undefined> {
  if (f.kind === 'not-found') return notFound(new NoSuchFileError(shownAs!, (f.reason as FileProblem | undefined) ?? 'No such file'));
  if (f.kind === 'changed') return changedError(shownAs!);
  if (f.kind === 'capture') {
    const message = new CaptureError(shownAs!, f.reason!, f.offset, f.decompressed).message;
    return new ResponseError(MemtreeErrorCodes.CaptureInvalid, message, { path: f.path!, reason: f.reason!, offset: f.offset });
  }
  if (UNWRITABLE.test(f.message)) {
    const reason = /EROFS|read-only|READONLY/i.test(f.message) ? 'read-only file system' : 'no space left on device';
    const where = indexDir === undefined ? '' : ` (in ${indexDir})`;
    return new ResponseError(MemtreeErrorCodes.IndexUnwritable, `cannot write the index of ${shownAs ?? 'the capture'}: ${reason}${where}`, {
      path: shownAs ?? '',
      reason,
    });
  }
  return new ResponseError(-32603, `internal error: ${f.message.split('\n')[0]}`, undefined);
}

/** A task's time in ms, or its error (failureError). */
export function checkOutcome(outcome: TaskOutcome, shownAs?: string, indexDir?: string): number {
  if (!outcome.ok) throw failureError(outcome.failure, shownAs, indexDir);
  return outcome.indexMs;
}

/** UnknownCapture for a capture forgotten (capture/forget) before or while a request used it. */
export function forgotten(captureId: string): ResponseError<void> {
  return new ResponseError(MemtreeErrorCodes.UnknownCapture, `capture ${captureId} was forgotten (capture/forget); open it again`);
}

/** UnknownCapture for an id no index has. */
export function unknownCapture(captureId: string): ResponseError<void> {
  return new ResponseError(MemtreeErrorCodes.UnknownCapture, `no open capture has id ${captureId}; open it with capture/open`);
}

/** CaptureNotFound for a path that is missing, a directory, not a regular file or not readable. */
export function notFound(e: NoSuchFileError): ResponseError<CaptureErrorData> {
  return new ResponseError(MemtreeErrorCodes.CaptureNotFound, e.message, { path: e.path, reason: e.problem });
}
