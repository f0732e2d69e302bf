/**
 * The capture header (docs/capture-format.md section 4; version 12 in Appendix A).
 */
import { Cursor } from './stream-buffer.js';

/** memray's `PythonAllocatorType` names, by value. */
const PYTHON_ALLOCATORS = ['', 'pymalloc', 'pymalloc debug', 'malloc', 'unknown', 'mimalloc', 'mimalloc debug'];

export const FILE_FORMAT_ALL = 0;
export const FILE_FORMAT_AGGREGATED = 1;

export interface CaptureHeader {
  /** Header version: 13 (memray 1.20) or 12 (memray 1.19). */
  readonly version: number;
  /** PY_VERSION_HEX of the traced interpreter; selects the line-table decoder. */
  readonly pythonVersion: number;
  readonly nativeTraces: boolean;
  /** 0 = ALL_ALLOCATIONS, 1 = AGGREGATED_ALLOCATIONS. */
  readonly fileFormat: number;
  /** Header statistic; 0 in crashed and aggregated captures (count records instead). */
  readonly nAllocations: number;
  /** Milliseconds since the epoch. */
  readonly startTime: number;
  readonly endTime: number;
  readonly commandLine: string;
  readonly pid: number;
  /** memray's tid of the thread that started tracking. */
  readonly mainTid: number;
  /** Outermost Python frames hidden on the main thread. */
  readonly skippedFramesOnMainTid: number;
  readonly pythonAllocator: string;
  readonly tracePythonAllocators: boolean;
  readonly trackObjectLifetimes: boolean;
  /** Version 13 only: the traced interpreter's stdlib dir, site-packages and sys.path. */
  readonly libdest: string;
  readonly sitePackages: readonly string[];
  readonly sysPath: readonly string[];
  /** Length of the header in bytes. */
  readonly length: number;
}

export const MAGIC = [0x6d, 0x65, 0x6d, 0x72, 0x61, 0x79, 0x00];

/** Whether `buf` starts with memray's magic (`memray\0`). */
export function hasMagic(buf: Uint8Array): boolean {
  if (buf.length < MAGIC.length) return false;
  for (let i = 0; i < MAGIC.length; i++) if (buf[i] !== MAGIC[i]) return false;
  return true;
}

/** Reads a list of cstrs terminated by an empty string. */
function stringList(c: Cursor): string[] {
  const out: string[] = [];
  for (;;) {
    const s = c.cstr();
    if (s === '') return out;
    out.push(s);
  }
}

/**
 * Parses the header after the magic and version, which the caller has checked.
 * Throws NeedMore when the buffered bytes end first.
 */
export function parseHeader(c: Cursor, version: number): CaptureHeader {
  const start = c.pos - 11;
  const pythonVersion = c.u32();
  const nativeTraces = c.u8() !== 0;
  const fileFormat = c.u8();
  const nAllocations = c.u64();
  c.u64(); // n_frames: never maintained since version 12
  const startTime = c.i64();
  const endTime = c.i64();
  const commandLine = c.cstr();
  const pid = c.i32();
  const mainTid = c.u64();
  const skippedFramesOnMainTid = c.u64();
  const allocatorId = c.u8();
  const tracePythonAllocators = c.u8() !== 0;
  const trackObjectLifetimes = c.u8() !== 0;
  let libdest = '';
  let sitePackages: string[] = [];
  let sysPath: string[] = [];
  if (version >= 13) {
    libdest = c.cstr();
    sitePackages = stringList(c);
    sysPath = stringList(c);
  }
  return {
    version,
    pythonVersion,
    nativeTraces,
    fileFormat,
    nAllocations,
    startTime,
    endTime,
    commandLine,
    pid,
    mainTid,
    skippedFramesOnMainTid,
    pythonAllocator: PYTHON_ALLOCATORS[allocatorId] ?? `unknown (${allocatorId})`,
    tracePythonAllocators,
    trackObjectLifetimes,
    libdest,
    sitePackages,
    sysPath,
    length: c.pos - start,
  };
}
