/**
 * memray's allocator ids and their kinds (docs/capture-format.md section 9).
 */

export const KIND_INVALID = 0;
export const KIND_SIMPLE_ALLOC = 1;
export const KIND_SIMPLE_FREE = 2;
export const KIND_RANGED_ALLOC = 3;
export const KIND_RANGED_FREE = 4;

/** Allocator id -> kind; ids outside 1..15 are invalid. */
export const ALLOCATOR_KIND = new Uint8Array([
  KIND_INVALID,
  KIND_SIMPLE_FREE, // 1 PYMALLOC_FREE
  KIND_SIMPLE_ALLOC, // 2 PYMALLOC_MALLOC
  KIND_SIMPLE_ALLOC, // 3 PYMALLOC_CALLOC
  KIND_SIMPLE_ALLOC, // 4 PYMALLOC_REALLOC
  KIND_SIMPLE_FREE, // 5 FREE
  KIND_SIMPLE_ALLOC, // 6 MALLOC
  KIND_SIMPLE_ALLOC, // 7 REALLOC
  KIND_SIMPLE_ALLOC, // 8 CALLOC
  KIND_SIMPLE_ALLOC, // 9 POSIX_MEMALIGN
  KIND_SIMPLE_ALLOC, // 10 ALIGNED_ALLOC
  KIND_SIMPLE_ALLOC, // 11 MEMALIGN
  KIND_SIMPLE_ALLOC, // 12 VALLOC
  KIND_SIMPLE_ALLOC, // 13 PVALLOC
  KIND_RANGED_ALLOC, // 14 MMAP
  KIND_RANGED_FREE, // 15 MUNMAP
]);

/** memray's AllocatorType names, by id. */
export const ALLOCATOR_NAMES = [
  'INVALID',
  'PYMALLOC_FREE',
  'PYMALLOC_MALLOC',
  'PYMALLOC_CALLOC',
  'PYMALLOC_REALLOC',
  'FREE',
  'MALLOC',
  'REALLOC',
  'CALLOC',
  'POSIX_MEMALIGN',
  'ALIGNED_ALLOC',
  'MEMALIGN',
  'VALLOC',
  'PVALLOC',
  'MMAP',
  'MUNMAP',
];

/**
 * Header versions 9-11 number the allocators differently (memray 1.4-1.18: MALLOC = 1 ...
 * PYMALLOC_FREE = 15): their id -> today's id, 0 for invalid. The reader translates once, so
 * everything after it sees one numbering.
 */
export const LEGACY_ALLOCATOR = new Uint8Array([
  0,
  6, // 1 MALLOC
  5, // 2 FREE
  8, // 3 CALLOC
  7, // 4 REALLOC
  9, // 5 POSIX_MEMALIGN
  10, // 6 ALIGNED_ALLOC
  11, // 7 MEMALIGN
  12, // 8 VALLOC
  13, // 9 PVALLOC
  14, // 10 MMAP
  15, // 11 MUNMAP
  2, // 12 PYMALLOC_MALLOC
  3, // 13 PYMALLOC_CALLOC
  4, // 14 PYMALLOC_REALLOC
  1, // 15 PYMALLOC_FREE
]);
