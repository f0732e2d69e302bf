/**
 * The capture header (docs/capture-format.md section 4; version 12 in Appendix A; versions 9,
 * 10 and 11 in docs/capture-versions.md).
 */
import { Cursor } from './stream-buffer.js';

/** memray's `PythonAllocatorType` names, by value. */
const PYTHON_ALLOCATORS = ['', 'pymalloc', 'pymalloc debug', 'malloc', 'unknown', 'mimalloc', 'mimalloc debug'];

export const FILE_FORMAT_ALL = 0;
/** The oldest and newest header versions memtree reads. */
export const OLDEST_VERSION = 9;
export const NEWEST_VERSION = 13;

/** Which memray releases wrote each header version (from memray's tags: CURRENT_HEADER_VERSION). */
const WRITTEN_BY: Record<number, string> = {
  6: 'memray 1.0',
  7: 'memray 1.1',
  8: 'memray 1.2-1.3',
  9: 'memray 1.4-1.6',
  10: 'memray 1.7-1.10',
  11: 'memray 1.11-1.18',
  12: 'memray 1.19',
  13: 'memray 1.20',
};

/** The memray releases that write header version `version` ("memray 1.11-1.18"). */
export function writtenBy(version: number): string {
  return WRITTEN_BY[version] ?? (version < 6 ? 'a memray release before 1.0' : 'a memray release newer than 1.20');
}
export const FILE_FORMAT_AGGREGATED = 1;

export interface CaptureHeader {
  /** Header version: 13 (memray 1.20), 12 (1.19), 11 (1.11-1.18), 10 (1.7-1.10) or 9 (1.4-1.6). */
  readonly version: number;
  /** PY_VERSION_HEX of the traced interpreter; selects the line-table decoder (0 before version 12). */
  readonly pythonVersion: number;
  readonly nativeTraces: boolean;
  /** 0 = ALL_ALLOCATIONS, 1 = AGGREGATED_ALLOCATIONS. */
  readonly fileFormat: number;
  /** Header statistic; 0 in crashed and aggregated captures (count records instead). */
  readonly nAllocations: number;
  /** Header statistic n_frames: FRAME_INDEX records written (versions 9-11; always 0 since 12). */
  readonly nFrames: number;
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
  /** Since version 11 (false before: versions 9 and 10 do not record it). */
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
 * Throws NeedMore when the buffered bytes end first. Fields by version (packed, no padding):
 * python_version from 12; file_format from 10; trace_python_allocators from 11;
 * track_object_lifetimes from 12; libdest, site-packages and sys.path from 13.
 */
export function parseHeader(c: Cursor, version: number): CaptureHeader {
  const start = c.pos - 11;
  const pythonVersion = version >= 12 ? c.u32() : 0;
  const nativeTraces = c.u8() !== 0;
  const fileFormat = version >= 10 ? c.u8() : FILE_FORMAT_ALL;
  const nAllocations = c.u64();
  const nFrames = c.u64();
  const startTime = c.i64();
  const endTime = c.i64();
  const commandLine = c.cstr();
  const pid = c.i32();
  const mainTid = c.u64();
  const skippedFramesOnMainTid = c.u64();
  const allocatorId = c.u8();
  const tracePythonAllocators = version >= 11 ? c.u8() !== 0 : false;
  const trackObjectLifetimes = version >= 12 ? c.u8() !== 0 : false;
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
    nFrames,
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
