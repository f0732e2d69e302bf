/**
 * Errors the reader reports to users. Messages follow memray's CLI wording
 * (`No such file: X`, `Failed to parse allocation records in X`) on one line, with the byte
 * offset where the problem was found.
 */
import * as fs from 'node:fs';

/** Why a path cannot be read as a capture file (the message's first words). */
export type FileProblem = 'No such file' | 'Is a directory' | 'Not a regular file' | 'Permission denied';

/**
 * The path cannot be read as a file: it does not exist, is a directory, is not a regular file
 * (a FIFO, socket or device), or is not readable. Message: `<problem>: <path>`.
 */
export class NoSuchFileError extends Error {
  constructor(
    readonly path: string,
    readonly problem: FileProblem = 'No such file',
  ) {
    super(`${problem}: ${path}`);
    this.name = 'NoSuchFileError';
  }
}

/** The problem an errno code of stat / open / access means. */
export function fileProblemOf(err: unknown): FileProblem {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EACCES' || code === 'EPERM') return 'Permission denied';
  if (code === 'EISDIR') return 'Is a directory';
  return 'No such file';
}

/** The file is not a readable memray capture (or not for the requested mode). */
export class CaptureError extends Error {
  constructor(
    readonly path: string,
    /** What is wrong, without the file name. */
    readonly reason: string,
    /** Byte offset where the problem was found, when known. */
    readonly offset?: number,
    /** Whether `offset` counts decompressed bytes rather than bytes of the file. */
    readonly decompressed = false,
  ) {
    const where = offset === undefined ? '' : ` (at byte ${offset}${decompressed ? ' of the decompressed data' : ''})`;
    super(`Failed to parse allocation records in ${path}: ${reason}${where}`);
    this.name = 'CaptureError';
  }
}

/**
 * Checks that `path` names a readable regular file, without opening it (opening a FIFO would
 * block). Throws NoSuchFileError naming the problem, with the path as `shownAs`.
 */
export function checkCaptureFile(path: string, shownAs = path): fs.Stats {
  let st: fs.Stats;
  try {
    st = fs.statSync(path);
  } catch (err) {
    throw new NoSuchFileError(shownAs, fileProblemOf(err));
  }
  if (st.isDirectory()) throw new NoSuchFileError(shownAs, 'Is a directory');
  if (!st.isFile()) throw new NoSuchFileError(shownAs, 'Not a regular file');
  try {
    fs.accessSync(path, fs.constants.R_OK);
  } catch (err) {
    throw new NoSuchFileError(shownAs, fileProblemOf(err));
  }
  return st;
}

/** Temporary allocations asked of an aggregated capture, which has none (its own message, not a parse failure). */
export class AggregatedTemporaryError extends CaptureError {
  constructor(path: string) {
    super(path, AGGREGATED_HAS_NO_TEMPORARY);
    this.message = aggregatedTemporaryMessage(path);
    this.name = 'AggregatedTemporaryError';
  }
}

/** memray's reason for refusing the temporary mode of an aggregated capture. */
export const AGGREGATED_HAS_NO_TEMPORARY = "Can't find temporary allocations using a pre-aggregated capture file.";

/** What users read when they ask an aggregated capture for temporary allocations. */
export function aggregatedTemporaryMessage(path: string): string {
  return `${path} is an aggregated capture (memray run --aggregate): it has no temporary allocations`;
}

/** The capture file changed (replaced or rewritten) since its id was taken, or while it was read. */
export class CaptureChangedError extends Error {
  constructor(readonly path: string) {
    super(`${path} changed while memtree was reading it (replaced or rewritten): open it again`);
    this.name = 'CaptureChangedError';
  }
}
