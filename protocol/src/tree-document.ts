/**
 * The document `memtree tree --json` prints and `tree/export` returns
 * (docs/json-output.md). Pure types: shared by daemon, client and scripts.
 */

/** Which snapshot a tree shows. */
export type SnapshotMode =
  /** The high-water mark: what was allocated when the heap was largest (memray's default). */
  | { readonly kind: 'peak' }
  /** What was still allocated when tracking ended. */
  | { readonly kind: 'leaks' }
  /** Allocations freed by their own thread after at most `threshold` other allocations. */
  | { readonly kind: 'temporary'; readonly threshold: number };

/** Facts about the capture file. */
export interface CaptureInfo {
  /** Absolute path of the capture. */
  readonly path: string;
  /** Header version of the capture format: 9 to 13 (docs/capture-versions.md). */
  readonly formatVersion: number;
  /** The memray releases that write this header version, e.g. "memray 1.11-1.18" for 11. */
  readonly writtenBy: string;
  /** "all_allocations" or "aggregated" (`memray run --aggregate`). */
  readonly fileFormat: 'all_allocations' | 'aggregated';
  /** Whether the file is LZ4-compressed. */
  readonly compressed: boolean;
  /** Process id of the traced program. */
  readonly pid: number;
  /** The traced program's command line. */
  readonly commandLine: string;
  /** Python allocator of the traced interpreter ("pymalloc", "malloc", ...). */
  readonly pythonAllocator: string;
  /** Whether native (C) stacks were recorded (`memray run --native`). */
  readonly nativeTraces: boolean;
  /** Whether pymalloc allocations were traced (`--trace-python-allocators`). */
  readonly tracePythonAllocators: boolean;
  /** memray's id of the thread that started tracking. */
  readonly mainThreadId: number;
  /** When tracking started (ISO-8601 UTC). */
  readonly startTime: string;
  /** When the header was last written (ISO-8601 UTC); equals startTime for a crashed capture. */
  readonly endTime: string;
  /** Allocation records counted while reading (allocations and frees; aggregated records for aggregated files). */
  readonly totalAllocations: number;
  /** Distinct Python frames (code object, instruction) seen in the capture. */
  readonly totalFrames: number;
  /** The high-water mark in bytes, as memray reports it. */
  readonly peakMemory: number;
}

/** What every tree node says about itself (document nodes and view nodes alike). */
export interface NodeFacts {
  /** Function name ("<ROOT>" for the root). */
  readonly function: string;
  /** Source file as recorded in the capture. */
  readonly file: string;
  /** Line number (0 when unknown). */
  readonly line: number;
  /** Bytes of the snapshot records whose stack passes through this node (inclusive; never changed by filters). */
  readonly bytes: number;
  /** Allocations of those records. */
  readonly allocations: number;
  /** "0x<tid>" plus " (<name>)": the thread of the last record through the node ("" for the root). */
  readonly thread: string;
  /** False for runpy and import-system frames (hidden by default in the interactive view). */
  readonly interesting: boolean;
  /** True for frames of Python's import machinery. */
  readonly importSystem: boolean;
}

/** One call-stack location under its parent. */
export interface TreeDocumentNode extends NodeFacts {
  /** Children, largest first; ties keep snapshot order. */
  readonly children: readonly TreeDocumentNode[];
}

/** What `-b` cut from the tree (not included in the root). */
export interface ElidedInfo {
  /** Snapshot records (locations) cut. */
  readonly locations: number;
  /** Their allocations. */
  readonly allocations: number;
  /** Their bytes. */
  readonly bytes: number;
}

/** The view a document shows (its record filters and display toggles). @since 1.2 */
export interface DocumentView {
  /** Thread labels kept (empty: every thread). */
  readonly threads: readonly string[];
  /** focus expression, or null. */
  readonly focus: string | null;
  /** ignore expression, or null. */
  readonly ignore: string | null;
  /** showFrom expression, or null. */
  readonly showFrom: string | null;
  /** hide expression, or null. */
  readonly hide: string | null;
  /** Whether the tree is the inverted (callers) tree. */
  readonly inverted: boolean;
  /** Whether import-system frames are hidden (memray's `i`; inverted: each stack is cut at its outermost import-system frame). */
  readonly hideImportSystem: boolean;
  /** Whether uninteresting frames are spliced out (memray's `u`). */
  readonly hideUninteresting: boolean;
}

/** The whole document. */
export interface TreeDocument {
  /** Facts about the capture. */
  readonly capture: CaptureInfo;
  /** Which snapshot the tree shows. */
  readonly mode: SnapshotMode;
  /** The `-b` value the tree was built with. */
  readonly biggestAllocs: number;
  /** The tree; the root counts only the records shown. */
  readonly root: TreeDocumentNode;
  /** What `biggestAllocs` cut. */
  readonly elided: ElidedInfo;
  /** The view the tree shows (absent from daemons older than protocol 1.2). @since 1.2 */
  readonly view?: DocumentView;
  /** For a view of a range of memory snapshots: the range and the moment shown. @since 1.2 */
  readonly range?: RangeInfo;
}

/** A range of memory snapshots a tree shows (docs/views.md, "Time ranges"). @since 1.2 */
export interface RangeInfo {
  /** First memory snapshot of the range (memray's index). */
  readonly start: number;
  /** Last memory snapshot of the range (inclusive). */
  readonly end: number;
  /** Peak mode: the snapshot whose high-water mark the tree shows (the first in the range with the highest); the peak lies before it, after snapshot - 1. */
  readonly snapshot?: number;
  /** Peak mode: that high-water mark in bytes. */
  readonly bytes?: number;
  /** ms since the capture started of the memory snapshot the period shown begins after (absent: the capture's start). */
  readonly fromMs?: number;
  /** ms since the capture started of the memory snapshot that ends it (absent: after the last memory snapshot). */
  readonly toMs?: number;
  /** The capture's number of memory snapshots N (the largest range end). */
  readonly snapshots: number;
}
