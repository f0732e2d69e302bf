/**
 * Builds the `memtree tree --json` document (docs/json-output.md) from a loaded capture.
 */
import type { CaptureInfo, SnapshotMode, TreeDocument, TreeDocumentNode } from '../../../protocol/src/tree-document.js';
import { FILE_FORMAT_AGGREGATED, writtenBy } from '../capture/header.js';
import type { LoadedCapture, Snapshot } from '../capture/load.js';
import { hybridTreeResolver } from '../native/hybrid-resolver.js';
import { Symbolizer } from '../native/symbolizer.js';
import { buildTree, keptCount, pythonStackResolver, sizeOrder, type BuiltTree, type Resolution } from './build-tree.js';
import { memraySizeOrder } from './capture-views.js';
import { orderSensitive } from './order-sensitivity.js';
import { documentView } from './view-spec.js';

export function captureInfo(c: LoadedCapture, absPath: string): CaptureInfo {
  const h = c.header;
  return {
    path: absPath,
    formatVersion: h.version,
    writtenBy: writtenBy(h.version),
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

/** A built tree as plain document nodes, children in display order (iterative: trees can be 400+ deep). */
export function documentNode(tree: BuiltTree, node = 0): TreeDocumentNode {
  type Mutable = Omit<TreeDocumentNode, 'children'> & { children: Mutable[] };
  const make = (n: number): Mutable => {
    const loc = tree.location[n]!;
    const f = loc < 0 ? undefined : tree.frames[loc]!;
    const t = tree.thread[n]!;
    return {
      function: f?.function ?? '<ROOT>',
      file: f?.file ?? '',
      line: f?.line ?? 0,
      bytes: tree.bytes[n]!,
      allocations: tree.allocations[n]!,
      thread: t < 0 ? '' : tree.labels[t]!,
      interesting: f?.interesting ?? true,
      importSystem: f?.importSystem ?? false,
      children: [],
    };
  };
  const top = make(node);
  const stack: [number, Mutable][] = [[node, top]];
  while (stack.length > 0) {
    const [n, out] = stack.pop()!;
    for (const ch of tree.children(n)) {
      const child = make(ch);
      out.children.push(child);
      stack.push([ch, child]);
    }
  }
  return top;
}

/** memray's stacks for the tree: hybrid (native + Python) for native captures, else Python. */
function resolverFor(c: LoadedCapture): { resolution: Resolution; close(): void } {
  if (!c.header.nativeTraces) return { resolution: pythonStackResolver(c), close: () => {} };
  const symbolizer = new Symbolizer();
  return { resolution: hybridTreeResolver(c, symbolizer), close: () => symbolizer.close() };
}

export function treeDocument(c: LoadedCapture, absPath: string, mode: SnapshotMode, biggestAllocs: number): TreeDocument {
  const r = resolverFor(c);
  let tree;
  try {
    const snap = snapshotFor(c, mode);
    let order = sizeOrder(snap);
    // memray 1.19 and older's record order only when this tree depends on it (a second read).
    if (c.legacyOrder !== undefined && orderSensitive(snap.records.bytes, order.length, keptCount(biggestAllocs, order.length), (k) => order[k]!)) {
      order = memraySizeOrder(c, mode.kind, snap);
    }
    tree = buildTree(snap, biggestAllocs, r.resolution, order);
  } finally {
    r.close();
  }
  return {
    capture: captureInfo(c, absPath),
    mode,
    biggestAllocs,
    root: documentNode(tree),
    elided: { ...tree.elided },
    view: documentView({ hideImportSystem: false, hideUninteresting: false }),
  };
}
