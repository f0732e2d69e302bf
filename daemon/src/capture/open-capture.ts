/**
 * Opening a capture: the file checks, raw vs LZ4 from its first bytes, and the header, leaving
 * a stream positioned at the first record (what memray's FileReader does on open). Also the
 * re-opens of a capture already read, which must find the same file version again.
 */
import * as fs from 'node:fs';
import { CaptureState } from './capture-state.js';
import { CaptureError, checkCaptureFile, fileProblemOf, NoSuchFileError } from './errors.js';
import { CaptureChangedError, fingerprintFd, stillIs } from './fingerprint.js';
import { hasMagic, NEWEST_VERSION, OLDEST_VERSION, parseHeader, writtenBy, type CaptureHeader } from './header.js';
import { isLz4Frame, Lz4FrameSource, RawFileSource, readableLimit, type ByteSource } from './lz4.js';
import { Cursor, NeedMore, StreamBuffer } from './stream-buffer.js';

/** An open capture positioned at its first record. Call `close()` when done. */
export interface OpenCapture {
  readonly path: string;
  readonly fileSize: number;
  readonly compressed: boolean;
  readonly header: CaptureHeader;
  readonly state: CaptureState;
  readonly buffer: StreamBuffer;
  /** The open file (to check that it is the version the caller expects). */
  readonly fd: number;
  close(): void;
}

/** The first bytes of the file; pseudo-files (/proc) may have more than their size of 0 says, or fail. */
function firstBytes(path: string, fd: number): Uint8Array {
  const first = Buffer.alloc(16);
  let n: number;
  try {
    n = fs.readSync(fd, first, 0, first.length, 0);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new CaptureError(path, `not a memray capture: its first bytes cannot be read (${code})`, 0);
  }
  return first.subarray(0, n);
}

/**
 * Opens the file behind `path` as a byte source, deciding raw vs LZ4 from its first bytes.
 * Anything else is refused here, before the end of the file is looked at: a zero-filled or
 * foreign file (even a huge sparse one) is answered at once.
 */
function openSource(path: string, fd: number, size: number): { source: ByteSource; compressed: boolean } {
  const first = firstBytes(path, fd);
  if (isLz4Frame(first)) return { source: new Lz4FrameSource(fd, size), compressed: true };
  if (!hasMagic(first)) {
    let what = 'it does not start with the "memray" magic bytes';
    if (first.length === 0) what = size === 0 ? 'the file is empty' : 'its first bytes cannot be read';
    else if (first.every((b) => b === 0)) what = 'it starts with zero bytes where the "memray" magic bytes should be';
    throw new CaptureError(path, `not a memray capture: ${what}`, 0);
  }
  return { source: new RawFileSource(fd, readableLimit(fd, size)), compressed: false };
}

/** Why a header version is refused: who wrote it, and what memtree reads instead. */
export function unsupportedVersion(version: number): string {
  const range = `memtree reads versions ${OLDEST_VERSION} to ${NEWEST_VERSION}, written by memray 1.4 to 1.20`;
  if (version < OLDEST_VERSION && version >= 1) {
    return (
      `capture format version ${version} is too old: it was written by ${writtenBy(version)} (${range}); ` +
      `open it with that memray release, or capture again with memray 1.4 or newer`
    );
  }
  return `incompatible capture format version ${version} (${range})`;
}

function readHeader(path: string, sb: StreamBuffer): CaptureHeader {
  sb.fill(11);
  const head = sb.buf.subarray(0, Math.min(sb.end, 11));
  if (!hasMagic(head)) {
    if (sb.end === 0 && sb.sourceError !== undefined) throw new CaptureError(path, sb.sourceError.message);
    const what = sb.end === 0 ? 'the file is empty' : 'it does not start with the "memray" magic bytes';
    throw new CaptureError(path, `not a memray capture: ${what}`, 0);
  }
  if (sb.end < 11) throw new CaptureError(path, 'Failed to read input file header: the data ends inside it', sb.end);
  const c = new Cursor(sb.buf, 7, sb.end);
  const version = c.i32();
  if (version < OLDEST_VERSION || version > NEWEST_VERSION) {
    throw new CaptureError(path, unsupportedVersion(version), 7);
  }
  for (;;) {
    try {
      const cur = new Cursor(sb.buf, 11, sb.end);
      const header = parseHeader(cur, version);
      sb.pos = cur.pos;
      return header;
    } catch (err) {
      if (!(err instanceof NeedMore)) throw err;
      if (!sb.fill(Math.max(err.want, 2 * sb.end), 0) && sb.end < err.want) {
        if (sb.sourceError !== undefined) throw new CaptureError(path, sb.sourceError.message);
        throw new CaptureError(path, 'Failed to read input file header: the data ends inside it', sb.end);
      }
    }
  }
}

/** A second reader of an open capture's file, at its first record (the caller keeps closing `open`). */
export function reopenCapture(open: OpenCapture): OpenCapture {
  const { source } = openSource(open.path, open.fd, open.fileSize);
  const buffer = new StreamBuffer(source);
  const header = readHeader(open.path, buffer);
  return { ...open, header, buffer, state: new CaptureState(header.pythonVersion), close: () => {} };
}

/** Opens `path` and reads its header. Throws NoSuchFileError / CaptureError. */
export function openCapture(path: string): OpenCapture {
  checkCaptureFile(path);
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (err) {
    throw new NoSuchFileError(path, fileProblemOf(err));
  }
  try {
    // The size of what was opened (the path may have been replaced since it was checked).
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new NoSuchFileError(path, st.isDirectory() ? 'Is a directory' : 'Not a regular file');
    const { source, compressed } = openSource(path, fd, st.size);
    const buffer = new StreamBuffer(source);
    const header = readHeader(path, buffer);
    const state = new CaptureState(header.pythonVersion);
    return { path, fileSize: st.size, compressed, header, state, buffer, fd, close: () => fs.closeSync(fd) };
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

/**
 * Opens `path` as the file version `captureId` (its fingerprint) for another read: something
 * else at the path, even something unreadable, is CaptureChangedError; a file that is gone is
 * just that (NoSuchFileError, No such file).
 */
export function openVersion(path: string, captureId: string): OpenCapture {
  let open: OpenCapture;
  try {
    open = openCapture(path);
  } catch (err) {
    const gone = err instanceof NoSuchFileError && err.problem === 'No such file';
    if (!gone && !stillIs(path, captureId)) throw new CaptureChangedError(path);
    throw err;
  }
  try {
    if (fingerprintFd(open.fd).captureId !== captureId) throw new CaptureChangedError(path);
  } catch (err) {
    open.close();
    throw err;
  }
  return open;
}

/** After reading `open` (openVersion): the file, and what is at its path, are still the version `captureId`. */
export function checkStillVersion(open: OpenCapture, path: string, captureId: string): void {
  if (fingerprintFd(open.fd).captureId !== captureId || !stillIs(path, captureId)) throw new CaptureChangedError(path);
}

