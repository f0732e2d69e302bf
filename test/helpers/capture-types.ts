/**
 * Options and events of the synthetic capture writer (see capture-writer.ts).
 */

/** Header fields and container choices of a synthetic capture. */
export interface WriterOptions {
  version?: 9 | 10 | 11 | 12 | 13; // header version (default 13): 9-11 are memray 1.4-1.18's format
  pythonVersion?: number; // PY_VERSION_HEX, default 0x030b07f0 (3.11); versions 9-11 do not record it but resolve lines with it
  nativeTraces?: boolean; // default false
  mainTid?: number; // default 1
  skippedFramesOnMainTid?: number; // default 0
  commandLine?: string;
  pid?: number;
  startTime?: number;
  endTime?: number;
  pythonAllocator?: number; // default 1 (pymalloc)
  tracePythonAllocators?: boolean;
  trackObjectLifetimes?: boolean;
  libdest?: string;
  sitePackages?: string[];
  sysPath?: string[];
  compress?: boolean; // LZ4 frame like memray (default false)
  trailer?: boolean; // write the TRAILER record (default true; false = a crashed capture)
  pad?: boolean; // zero-pad to a 4 KiB multiple like memray's file sink (default true)
  nAllocations?: number; // header statistic (default: the number of alloc events written, or 0 when trailer is false)
}

/**
 * One thing the tracker reports, written as the record(s) memray's writer would produce.
 * `address` values must be multiples of 8 (memray stores them >> 3); `native` is an absolute
 * native stack id (the writer delta-codes it); `ms` is milliseconds after `startTime`.
 */
export type CaptureEvent =
  | { type: 'code'; id: number; function: string; file: string; firstLine: number; lineTable?: Uint8Array }
  | { type: 'push'; tid: number; code: number; offset: number; entry?: boolean }
  | { type: 'pop'; tid: number; count?: number }
  | { type: 'alloc'; tid: number; address: number; size: number; allocator: number; native?: number }
  | { type: 'thread'; tid: number; name: string }
  | { type: 'memory'; rss: number; ms: number }
  | { type: 'native'; ip: number; parent: number }
  | { type: 'maps'; images: { file: string; load: number; segments: { vaddr: number; memsz: number }[] }[] }
  | { type: 'object'; tid: number; address: number; created: boolean; native?: number };

/** memray's allocator ids (capture-format.md section 9). */
export const Allocator = {
  PYMALLOC_FREE: 1,
  PYMALLOC_MALLOC: 2,
  PYMALLOC_CALLOC: 3,
  PYMALLOC_REALLOC: 4,
  FREE: 5,
  MALLOC: 6,
  REALLOC: 7,
  CALLOC: 8,
  POSIX_MEMALIGN: 9,
  ALIGNED_ALLOC: 10,
  MEMALIGN: 11,
  VALLOC: 12,
  PVALLOC: 13,
  MMAP: 14,
  MUNMAP: 15,
} as const;

/** Allocation ids that carry no size and no native id (capture-format.md 5.2). */
export function isSimpleDeallocator(allocator: number): boolean {
  return allocator === Allocator.PYMALLOC_FREE || allocator === Allocator.FREE;
}

/** Allocator ids that release memory (simple or ranged). */
export function isDeallocator(allocator: number): boolean {
  return isSimpleDeallocator(allocator) || allocator === Allocator.MUNMAP;
}
