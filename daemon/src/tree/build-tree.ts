/**
 * memray's tree model (docs/tree-reporter.md section 2): the biggest `biggestAllocs` snapshot
 * records walked outermost frame first into a trie keyed by (function, file, line), with
 * CPython-internal frames dropped, memray's depth cap, and the thread label of the last record
 * through each node. One deliberate difference from memray 1.20 (its seed documentation's
 * rule): the root counts only the records that are shown; the cut ones go to `elided`.
 *
 * The trie lives in typed arrays (no object per node): `-b 1000000` over a capture with a
 * million distinct stacks gives millions of nodes.
 */
import type { Frame } from '../capture/capture-state.js';
import type { LoadedCapture, Snapshot } from '../capture/load.js';
import { IntPairInterner } from '../capture/int-tables.js';
import { FrameClassifier, type TreeFrame } from './frame-classifier.js';
import { threadLabel } from './thread-label.js';

export type { TreeFrame } from './frame-classifier.js';

/** int(sys.getrecursionlimit() // 2.5) with the default limit of 1000. */
export const MAX_STACKS = 400;

export interface ElidedSummary {
  /** Number of records cut by `-b`. */
  locations: number;
  allocations: number;
  bytes: number;
}

/** Resolves a record's stack into tree frames, innermost first (the array may be reused for the next record). */
export type StackResolver = (stackId: number, nativeId: number, tid: number, generation: number) => readonly TreeFrame[];

/** A resolver and the frames (by location id) its tree frames refer to. */
export interface Resolution {
  readonly resolve: StackResolver;
  readonly frames: readonly TreeFrame[];
}

/** A built tree; node 0 is the root. */
export interface BuiltTree {
  readonly size: number;
  /** Location id of each node (-1 for the root); see `frames`. */
  readonly location: Int32Array;
  readonly bytes: Float64Array;
  readonly allocations: Float64Array;
  /** Index into `labels` of each node's thread label (-1 for the root: ""). */
  readonly thread: Int32Array;
  readonly labels: readonly string[];
  /** Tree frames by location id. */
  readonly frames: readonly TreeFrame[];
  readonly elided: ElidedSummary;
  /** Inverted trees: 1 for a node where memray's depth cap cut the walk (shown as ("...", "...", 0)). */
  readonly tooDeep?: Uint8Array;
  /** Children of `node` in display order: bytes descending, ties in first-insertion order. */
  children(node: number): number[];
}

/** A record's resolved stack (innermost first) from its stack id, native id, thread and generation. */
export type FrameStackResolver = (stackId: number, nativeId: number, tid: number, generation: number) => readonly Frame[];

/** Tree frames for the stacks of `stackOf` (e.g. hybrid stacks), classified once per distinct frame. */
export function classifiedResolution(stackOf: FrameStackResolver, classifier = new FrameClassifier()): Resolution {
  const byFrame = new Map<Frame, TreeFrame>();
  const classify = (f: Frame): TreeFrame => {
    let tf = byFrame.get(f);
    if (tf === undefined) {
      tf = classifier.classify(f);
      byFrame.set(f, tf);
    }
    return tf;
  };
  return {
    resolve: (stackId, nativeId, tid, generation) => stackOf(stackId, nativeId, tid, generation).map(classify),
    frames: classifier.frames,
  };
}

/** The Python-stack resolver (memray's `stack_trace()`), with per-frame classification cached. */
export function pythonStackResolver(capture: Pick<LoadedCapture, 'state' | 'header'>, classifier = new FrameClassifier()): Resolution {
  const { state, header } = capture;
  const byFrame: (TreeFrame | undefined)[] = [];
  const frameOf = (frameId: number): TreeFrame => (byFrame[frameId] ??= classifier.classify(state.frame(frameId)));
  const resolve: StackResolver = (stackId, _nativeId, tid) => {
    const ids = state.frameIds(stackId);
    let keep = ids.length;
    if (tid === header.mainTid) keep = Math.max(ids.length - header.skippedFramesOnMainTid, 0);
    const out: TreeFrame[] = new Array(keep);
    for (let i = 0; i < keep; i++) out[i] = frameOf(ids[i]!);
    return out;
  };
  return { resolve, frames: classifier.frames };
}

/**
 * Records of `snap` in memray's processing order: size descending, stable over snapshot order,
 * or over `inputOrder` (the record indices in the order memray returned them, e.g. memray 1.19
 * and older's: LoadedCapture.legacyOrder).
 */
export function sizeOrder(snap: Snapshot, inputOrder?: Int32Array): Int32Array {
  const r = snap.records;
  if (inputOrder === undefined) {
    const order = new Int32Array(r.length);
    for (let i = 0; i < r.length; i++) order[i] = i;
    return order.sort((a, b) => r.bytes[b]! - r.bytes[a]! || a - b);
  }
  const rank = new Int32Array(r.length);
  for (let j = 0; j < inputOrder.length; j++) rank[inputOrder[j]!] = j;
  return Int32Array.from(inputOrder).sort((a, b) => r.bytes[b]! - r.bytes[a]! || rank[a]! - rank[b]!);
}

/** Python slice semantics for `records[:n]`: how many records `-b n` keeps. */
export function keptCount(n: number, length: number): number {
  if (n >= 0) return Math.min(n, length);
  return Math.max(length + n, 0);
}

/** Growable columns of the trie under construction. */
class Columns {
  cap = 1024;
  location = new Int32Array(this.cap);
  bytes = new Float64Array(this.cap);
  allocations = new Float64Array(this.cap);
  thread = new Int32Array(this.cap);
  firstChild = new Int32Array(this.cap);
  lastChild = new Int32Array(this.cap);
  nextSibling = new Int32Array(this.cap);

  ensure(n: number): void {
    if (n <= this.cap) return;
    let cap = this.cap;
    while (cap < n) cap *= 2;
    const grow = <T extends Int32Array | Float64Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(cap);
      b.set(a);
      return b;
    };
    this.location = grow(this.location);
    this.bytes = grow(this.bytes);
    this.allocations = grow(this.allocations);
    this.thread = grow(this.thread);
    this.firstChild = grow(this.firstChild);
    this.lastChild = grow(this.lastChild);
    this.nextSibling = grow(this.nextSibling);
    this.cap = cap;
  }
}

/**
 * Builds the tree of the `biggestAllocs` biggest records of `snap`. Records are visited in
 * `order` when given (size order, as sizeOrder() returns it).
 */
export function buildTree(snap: Snapshot, biggestAllocs: number, resolution: Resolution, order = sizeOrder(snap), inverted = false): BuiltTree {
  const r = snap.records;
  const kept = keptCount(biggestAllocs, order.length);
  const c = new Columns();
  const keys = new IntPairInterner(1024);
  c.location[0] = -1;
  c.thread[0] = -1;
  c.firstChild[0] = -1;
  let size = 1;
  const tooDeep = new Set<number>();
  const labels: string[] = [];
  const labelOf = new Map<number, number>();
  for (let k = 0; k < kept; k++) {
    const i = order[k]!;
    const bytes = r.bytes[i]!;
    const count = r.count[i]!;
    const tid = r.tid[i]!;
    let label = labelOf.get(tid);
    if (label === undefined) {
      label = labels.length;
      labels.push(threadLabel(tid, snap.threadNames.get(tid)));
      labelOf.set(tid, label);
    }
    c.bytes[0] += bytes;
    c.allocations[0] += count;
    const frames = resolution.resolve(r.stackId[i]!, r.nativeId[i]!, tid, r.generation[i]!);
    let cur = 0;
    const step = (frame: TreeFrame): void => {
      const child = keys.intern(cur, frame.location) + 1;
      if (child === size) {
        size++;
        c.ensure(size);
        c.location[child] = frame.location;
        c.firstChild[child] = -1;
        c.nextSibling[child] = -1;
        if (c.firstChild[cur] === -1) c.firstChild[cur] = child;
        else c.nextSibling[c.lastChild[cur]!] = child;
        c.lastChild[cur] = child;
      }
      cur = child;
      c.bytes[cur] += bytes;
      c.allocations[cur] += count;
      c.thread[cur] = label;
    };
    if (!inverted) {
      // TreeReporter: outermost first; the cap counts every frame, skipped ones too.
      for (let idx = 0, f = frames.length - 1; f >= 0; f--, idx++) {
        const frame = frames[f]!;
        if (frame.internal) continue;
        step(frame);
        if (idx > MAX_STACKS) break;
      }
    } else {
      // FlameGraphReporter(inverted=True): innermost first; the cap counts the frames kept, and
      // the node where it cuts is shown as ("...", "...", 0).
      for (let index = 0, skipped = 0; index < frames.length; index++) {
        const frame = frames[index]!;
        if (frame.internal) {
          skipped++;
          continue;
        }
        step(frame);
        if (index - skipped > MAX_STACKS) {
          tooDeep.add(cur);
          break;
        }
      }
    }
  }
  const elided: ElidedSummary = { locations: 0, allocations: 0, bytes: 0 };
  for (let k = kept; k < order.length; k++) {
    const i = order[k]!;
    elided.locations++;
    elided.allocations += r.count[i]!;
    elided.bytes += r.bytes[i]!;
  }
  const { location, bytes, allocations, thread, firstChild, nextSibling } = c;
  return {
    size,
    location: location.subarray(0, size),
    bytes: bytes.subarray(0, size),
    allocations: allocations.subarray(0, size),
    thread: thread.subarray(0, size),
    labels,
    frames: resolution.frames,
    elided,
    tooDeep: inverted ? markTooDeep(size, tooDeep) : undefined,
    children(node: number): number[] {
      const out: number[] = [];
      for (let ch = firstChild[node]!; ch !== -1; ch = nextSibling[ch]!) out.push(ch);
      // Array.prototype.sort is stable: equal sizes keep their first-insertion order.
      return out.sort((a, b) => bytes[b]! - bytes[a]!);
    },
  };
}

function markTooDeep(size: number, nodes: ReadonlySet<number>): Uint8Array {
  const out = new Uint8Array(size);
  for (const n of nodes) out[n] = 1;
  return out;
}
