/**
 * Builds the `memtree tree --json` document (docs/json-output.md) from a loaded capture.
 */
import type { CaptureInfo, SnapshotMode, TreeDocument, TreeDocumentNode } from '../../../protocol/src/tree-document.js';
import { FILE_FORMAT_AGGREGATED } from '../capture/header.js';
import type { LoadedCapture, Snapshot } from '../capture/load.js';
import { hybridTreeResolver } from '../native/hybrid-resolver.js';
import { Symbolizer } from '../native/symbolizer.js';
import { buildTree, pythonStackResolver, type StackResolver, type TreeNode } from './build-tree.js';

export function captureInfo(c: LoadedCapture, absPath: string): CaptureInfo {
  const h = c.header;
  return {
    path: absPath,
    formatVersion: h.version,
    fileFormat: h.fileFormat === FILE_FORMAT_AGGREGATED ? 'aggregated' : 'all_allocations',
    compressed: c.compressed,
    pid: h.pid,
    commandLine: h.commandLine,
    pythonAllocator: h.pythonAllocator,
    nativeTraces: h.nativeTraces,
    tracePythonAllocators: h.tracePythonAllocators,
    mainThreadId: h.mainTid,
    startTime: new Date(h.startTime).toISOString(),
    endTime: new Date(h.endTime).toISOString(),
    totalAllocations: c.totalAllocations,
    totalFrames: c.state.frames.size,
    peakMemory: c.peakMemory,
  };
}

/** The snapshot a mode selects; throws if it was not computed. */
export function snapshotFor(c: LoadedCapture, mode: SnapshotMode): Snapshot {
  if (mode.kind === 'peak') return c.peak;
  if (mode.kind === 'leaks') return c.leaks;
  if (c.temporary === undefined) throw new Error('temporary allocations were not computed for this capture');
  return c.temporary;
}

/** Children sorted largest first (stable), recursively, as plain document nodes. */
export function documentNode(n: TreeNode): TreeDocumentNode {
  const kids = n.children.slice().sort((a, b) => b.bytes - a.bytes);
  return {
    function: n.function,
    file: n.file,
    line: n.line,
    bytes: n.bytes,
    allocations: n.allocations,
    thread: n.thread,
    interesting: n.interesting,
    importSystem: n.importSystem,
    children: kids.map(documentNode),
  };
}

/** memray's stacks for the tree: hybrid (native + Python) for native captures, else Python. */
function resolverFor(c: LoadedCapture): { resolve: StackResolver; close(): void } {
  if (!c.header.nativeTraces) return { resolve: pythonStackResolver(c), close: () => {} };
  const symbolizer = new Symbolizer();
  return { resolve: hybridTreeResolver(c, symbolizer), close: () => symbolizer.close() };
}

export function treeDocument(c: LoadedCapture, absPath: string, mode: SnapshotMode, biggestAllocs: number): TreeDocument {
  const r = resolverFor(c);
  let tree;
  try {
    tree = buildTree(snapshotFor(c, mode), biggestAllocs, r.resolve);
  } finally {
    r.close();
  }
  return {
    capture: captureInfo(c, absPath),
    mode,
    biggestAllocs,
    root: documentNode(tree.root),
    elided: { ...tree.elided },
  };
}
