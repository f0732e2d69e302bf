/**
 * Provisional trees, worker side: while the indexing worker reads a capture, every provisional
 * snapshot of the pass (load.ts onProvisional, about once a second) becomes view data the
 * daemon's main thread can build trees from (provisional-store.ts): the peak-so-far and
 * live-so-far records with their stacks resolved against the frames seen so far. The stack
 * trie and the frames only grow, so each message carries just what was added since the last.
 * Native captures get no provisional trees (symbolizing mid-pass would slow the pass down).
 */
import type { CaptureState } from '../capture/capture-state.js';
import type { ProvisionalCapture, Snapshot } from '../capture/load.js';
import { sizeOrder } from '../tree/build-tree.js';
import { FrameClassifier, type TreeFrame } from '../tree/frame-classifier.js';
import { PathBuilder, type ModeRecords } from '../tree/view-data.js';

/** One provisional snapshot as view data, posted from the indexing worker. */
export interface ProvisionalMessage {
  /** 1 for the first snapshot of a pass, then 2, 3, ... */
  readonly seq: number;
  /** Percentage of the file read (0..100). */
  readonly percent: number;
  /** Allocation records read. */
  readonly records: number;
  /** The highest heap so far in bytes. */
  readonly peakBytes: number;
  /** First trie id in `parent` / `location` (the ids before it came in earlier messages). */
  readonly pathsFrom: number;
  readonly parent: Int32Array;
  readonly location: Int32Array;
  /** Location id of `frames[0]` (the frames before it came in earlier messages). */
  readonly framesFrom: number;
  readonly frames: readonly TreeFrame[];
  /** The traced process's sys.path, from the capture header. */
  readonly searchPath: readonly string[];
  /** Header version of the capture format. */
  readonly formatVersion: number;
  /** The snapshot at the highest peak so far, in memray's size order. */
  readonly peak: ModeRecords;
  /** The live set so far, in memray's size order. */
  readonly leaks: ModeRecords;
}

function grown(a: Int32Array<ArrayBuffer>, min: number, fill: number): Int32Array<ArrayBuffer> {
  if (a.length >= min) return a;
  const b = new Int32Array(Math.max(min, a.length * 2)).fill(fill, a.length);
  b.set(a);
  return b;
}

/**
 * The trie id of each Python stack (what tree/build-tree.ts's pythonStackResolver and
 * PathBuilder.intern give, memray's main-thread trim included), memoised per stack id for the
 * whole pass: stack ids, locations and trie ids only grow. A stack costs only the frames its
 * ancestors had not resolved yet, not its depth, and a later snapshot only its new stacks (a
 * first snapshot of 40 k distinct 33-frame stacks took ~300 ms resolved whole, twice: peak and leaks).
 */
export class StackPaths {
  /** Frames of each stack id (0 for the empty stack 0). */
  private depth = new Int32Array(1024);
  /** Trie id of each stack id off the main thread, and on it (-1: not resolved yet). */
  private other = new Int32Array(1024).fill(-1);
  private main = new Int32Array(1024).fill(-1);
  /** Location id of each frame id (-1: not classified yet). */
  private loc = new Int32Array(1024).fill(-1);
  private readonly chain: number[] = [];

  /**
   * The capture state of the reading pass. A pass read again on one thread (PipelineFailed) has a
   * new one, numbering the same file's stacks and frames the same way: the memo stays valid.
   */
  state: CaptureState;

  constructor(
    state: CaptureState,
    private readonly classifier: FrameClassifier,
    private readonly paths: PathBuilder,
    /** The outermost frames memray drops on the main thread. */
    private readonly skipped: number,
  ) {
    this.state = state;
    this.other[0] = 0;
    this.main[0] = 0;
  }

  /** The trie id of stack `stackId` of a thread (`onMain`: the capture's main thread). */
  path(stackId: number, onMain: boolean): number {
    const trim = onMain && this.skipped > 0;
    if (stackId >= this.other.length) {
      this.depth = grown(this.depth, stackId + 1, 0);
      this.other = grown(this.other, stackId + 1, -1);
      this.main = grown(this.main, stackId + 1, -1);
    }
    const memo = trim ? this.main : this.other;
    const known = memo[stackId]!;
    if (known >= 0) return known;
    // Up to the nearest stack resolved already (the empty stack at the latest), then down.
    const chain = this.chain;
    chain.length = 0;
    let s = stackId;
    while (memo[s]! < 0) {
      chain.push(s);
      s = this.state.parentOf(s);
    }
    let id = memo[s]!;
    let d = this.depth[s]!;
    for (let k = chain.length - 1; k >= 0; k--) {
      const t = chain[k]!;
      this.depth[t] = ++d;
      if (!trim || d > this.skipped) id = this.paths.child(id, this.location(this.state.frameOf(t)));
      memo[t] = id;
    }
    return id;
  }

  private location(frameId: number): number {
    if (frameId >= this.loc.length) this.loc = grown(this.loc, frameId + 1, -1);
    let l = this.loc[frameId]!;
    if (l < 0) l = this.loc[frameId] = this.classifier.classify(this.state.frame(frameId)).location;
    return l;
  }
}

/** A snapshot's records in memray's size order with their stacks' trie ids (as view-data.ts modeRecords). */
function provisionalRecords(snap: Snapshot, stacks: StackPaths, mainTid: number): ModeRecords {
  const r = snap.records;
  const order = sizeOrder(snap);
  const n = order.length;
  const out = { length: n, path: new Int32Array(n), tid: new Float64Array(n), bytes: new Float64Array(n), count: new Float64Array(n), threadNames: snap.threadNames };
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const tid = r.tid[i]!;
    out.path[k] = stacks.path(r.stackId[i]!, tid === mainTid);
    out.tid[k] = tid;
    out.bytes[k] = r.bytes[i]!;
    out.count[k] = r.count[i]!;
  }
  return out;
}

/** Whether two snapshots hold the same records in the same order. */
function sameRecords(a: Snapshot, b: Snapshot): boolean {
  const x = a.records;
  const y = b.records;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) {
    if (x.stackId[i] !== y.stackId[i] || x.tid[i] !== y.tid[i] || x.bytes[i] !== y.bytes[i] || x.count[i] !== y.count[i]) return false;
  }
  return true;
}

/** Turns a pass's provisional snapshots into messages (one instance per pass). */
export class ProvisionalViews {
  private readonly classifier = new FrameClassifier();
  private readonly paths = new PathBuilder();
  private stacks: StackPaths | undefined;
  private sentPaths = 1;
  private sentFrames = 0;
  private seq = 0;

  /** The message for `p`, or undefined when the capture gets no provisional trees. */
  message(p: ProvisionalCapture): ProvisionalMessage | undefined {
    const { header } = p.capture;
    if (header.nativeTraces) return undefined;
    const stacks = (this.stacks ??= new StackPaths(p.capture.state, this.classifier, this.paths, header.skippedFramesOnMainTid));
    stacks.state = p.capture.state;
    const peak = provisionalRecords(p.peak, stacks, header.mainTid);
    // Early in a pass the heap often only grew: the live set is the peak, resolved once.
    const leaks = sameRecords(p.peak, p.leaks) ? { ...peak, threadNames: p.leaks.threadNames } : provisionalRecords(p.leaks, stacks, header.mainTid);
    const trie = this.paths.trie();
    const frames = this.classifier.frames;
    const m: ProvisionalMessage = {
      seq: ++this.seq,
      percent: p.totalBytes === 0 ? 100 : Math.min(100, Math.floor((p.bytes / p.totalBytes) * 100)),
      records: p.records,
      peakBytes: p.peakBytes,
      pathsFrom: this.sentPaths,
      parent: trie.parent.slice(this.sentPaths),
      location: trie.location.slice(this.sentPaths),
      framesFrom: this.sentFrames,
      frames: frames.slice(this.sentFrames),
      searchPath: header.sysPath,
      formatVersion: header.version,
      peak,
      leaks,
    };
    this.sentPaths = trie.size;
    this.sentFrames = frames.length;
    return m;
  }
}

/** The buffers of a message, to transfer instead of copy when posting it. */
export function transferList(m: ProvisionalMessage): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>(); // (the leaks may share the peak's arrays: each buffer once)
  for (const a of [m.parent, m.location, m.peak.path, m.peak.tid, m.peak.bytes, m.peak.count, m.leaks.path, m.leaks.tid, m.leaks.bytes, m.leaks.count]) {
    out.add(a.buffer as ArrayBuffer);
  }
  return [...out];
}
