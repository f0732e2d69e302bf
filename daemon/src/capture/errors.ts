/**
 * Errors the reader reports to users. Messages follow memray's CLI wording
 * (`No such file: X`, `Failed to parse allocation records in X`) on one line, with the byte
 * offset where the problem was found.
 */

/** The path does not exist or is not a regular file. */
export class NoSuchFileError extends Error {
  constructor(readonly path: string) {
    super(`No such file: ${path}`);
    this.name = 'NoSuchFileError';
  }
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
