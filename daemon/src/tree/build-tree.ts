/**
 * memray's tree model (docs/tree-reporter.md section 2): the biggest `biggestAllocs` snapshot
 * records walked outermost frame first into a trie keyed by (function, file, line), with
 * CPython-internal frames dropped, memray's depth cap, and the thread label of the last record
 * through each node. One deliberate difference from memray 1.20 (its seed documentation's
 * rule): the root counts only the records that are shown; the cut ones go to `elided`.
 */
import type { LoadedCapture, Snapshot } from '../capture/load.js';
import { isCpythonInternal, isImportSystem, isInteresting } from './frame-filters.js';
import { threadLabel } from './thread-label.js';

/** int(sys.getrecursionlimit() // 2.5) with the default limit of 1000. */
export const MAX_STACKS = 400;

export interface TreeNode {
  /** Location id (see TreeFrame.location); -1 for the root. */
  readonly location: number;
  readonly function: string;
  readonly file: string;
  readonly line: number;
  bytes: number;
  allocations: number;
  /** Thread label of the last record through this node ("" for the root). */
  thread: string;
  readonly interesting: boolean;
  readonly importSystem: boolean;
  /** In first-insertion order (records walked largest first). */
  readonly children: TreeNode[];
  /** Location id -> child, for building. */
  readonly index: Map<number, TreeNode>;
}

export interface ElidedSummary {
  /** Number of records cut by `-b`. */
  locations: number;
  allocations: number;
  bytes: number;
}

export interface BuiltTree {
  readonly root: TreeNode;
  readonly elided: ElidedSummary;
}

/** A resolved frame as the tree sees it. */
export interface TreeFrame {
  readonly function: string;
  readonly file: string;
  readonly line: number;
  readonly location: number;
  readonly internal: boolean;
  readonly importSystem: boolean;
  readonly interesting: boolean;
}

/** Resolves a record's stack into tree frames, innermost first. */
export type StackResolver = (stackId: number, nativeId: number, tid: number, generation: number) => readonly TreeFrame[];

function newNode(f: Pick<TreeFrame, 'location' | 'function' | 'file' | 'line' | 'interesting' | 'importSystem'>): TreeNode {
  return {
    location: f.location,
    function: f.function,
    file: f.file,
    line: f.line,
    bytes: 0,
    allocations: 0,
    thread: '',
    interesting: f.interesting,
    importSystem: f.importSystem,
    children: [],
    index: new Map(),
  };
}

/** The Python-stack resolver (memray's `stack_trace()`), with per-frame classification cached. */
export function pythonStackResolver(capture: LoadedCapture): StackResolver {
  const { state, header } = capture;
  const byFrame: (TreeFrame | undefined)[] = [];
  const locations = new Map<string, number>();
  const frameOf = (frameId: number): TreeFrame => {
    let tf = byFrame[frameId];
    if (tf === undefined) {
      const f = state.frame(frameId);
      const key = `${f.function}\0${f.file}\0${f.line}`;
      let location = locations.get(key);
      if (location === undefined) {
        location = locations.size;
        locations.set(key, location);
      }
      const importSystem = isImportSystem(f.function, f.file);
      tf = {
        ...f,
        location,
        internal: isCpythonInternal(f.function, f.file),
        importSystem,
        interesting: !importSystem && isInteresting(f.function, f.file),
      };
      byFrame[frameId] = tf;
    }
    return tf;
  };
  return (stackId, _nativeId, tid) => {
    const ids = state.frameIds(stackId);
    let keep = ids.length;
    if (tid === header.mainTid) keep = Math.max(ids.length - header.skippedFramesOnMainTid, 0);
    const out: TreeFrame[] = new Array(keep);
    for (let i = 0; i < keep; i++) out[i] = frameOf(ids[i]!);
    return out;
  };
}

/** Records of `snap` in memray's processing order: size descending, stable over snapshot order. */
export function sizeOrder(snap: Snapshot): Int32Array {
  const r = snap.records;
  const order = new Int32Array(r.length);
  for (let i = 0; i < r.length; i++) order[i] = i;
  order.sort((a, b) => r.bytes[b]! - r.bytes[a]! || a - b);
  return order;
}

/** Python slice semantics for `records[:n]`: how many records `-b n` keeps. */
export function keptCount(n: number, length: number): number {
  if (n >= 0) return Math.min(n, length);
  return Math.max(length + n, 0);
}

export function buildTree(snap: Snapshot, biggestAllocs: number, resolve: StackResolver): BuiltTree {
  const root = newNode({ location: -1, function: '<ROOT>', file: '', line: 0, interesting: true, importSystem: false });
  const r = snap.records;
  const order = sizeOrder(snap);
  const kept = keptCount(biggestAllocs, r.length);
  const labels = new Map<number, string>();
  for (let k = 0; k < kept; k++) {
    const i = order[k]!;
    const bytes = r.bytes[i]!;
    const count = r.count[i]!;
    const tid = r.tid[i]!;
    let label = labels.get(tid);
    if (label === undefined) {
      label = threadLabel(tid, snap.threadNames.get(tid));
      labels.set(tid, label);
    }
    root.bytes += bytes;
    root.allocations += count;
    const frames = resolve(r.stackId[i]!, r.nativeId[i]!, tid, r.generation[i]!);
    let cur = root;
    for (let idx = 0, f = frames.length - 1; f >= 0; f--, idx++) {
      const frame = frames[f]!;
      if (frame.internal) continue;
      let child = cur.index.get(frame.location);
      if (child === undefined) {
        child = newNode(frame);
        cur.index.set(frame.location, child);
        cur.children.push(child);
      }
      cur = child;
      cur.bytes += bytes;
      cur.allocations += count;
      cur.thread = label;
      if (idx > MAX_STACKS) break;
    }
  }
  const elided: ElidedSummary = { locations: 0, allocations: 0, bytes: 0 };
  for (let k = kept; k < r.length; k++) {
    const i = order[k]!;
    elided.locations++;
    elided.allocations += r.count[i]!;
    elided.bytes += r.bytes[i]!;
  }
  return { root, elided };
}
