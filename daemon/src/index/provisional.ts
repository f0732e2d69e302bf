/**
 * Provisional trees, worker side: while the indexing worker reads a capture, every provisional
 * snapshot of the pass (load.ts onProvisional, about once a second) becomes view data the
 * daemon's main thread can build trees from (provisional-store.ts): the peak-so-far and
 * live-so-far records with their stacks resolved against the frames seen so far. The stack
 * trie and the frames only grow, so each message carries just what was added since the last.
 * Native captures get no provisional trees (symbolizing mid-pass would slow the pass down).
 */
import type { ProvisionalCapture } from '../capture/load.js';
import { pythonStackResolver, sizeOrder, type Resolution } from '../tree/build-tree.js';
import { FrameClassifier, type TreeFrame } from '../tree/frame-classifier.js';
import { modeRecords, PathBuilder, type ModeRecords } from '../tree/view-data.js';

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
  /** The snapshot at the highest peak so far, in memray's size order. */
  readonly peak: ModeRecords;
  /** The live set so far, in memray's size order. */
  readonly leaks: ModeRecords;
}

/** Turns a pass's provisional snapshots into messages (one instance per pass). */
export class ProvisionalViews {
  private readonly classifier = new FrameClassifier();
  private readonly paths = new PathBuilder();
  private resolution: Resolution | undefined;
  private sentPaths = 1;
  private sentFrames = 0;
  private seq = 0;

  /** The message for `p`, or undefined when the capture gets no provisional trees. */
  message(p: ProvisionalCapture): ProvisionalMessage | undefined {
    const { header } = p.capture;
    if (header.nativeTraces) return undefined;
    this.resolution ??= pythonStackResolver(p.capture, this.classifier);
    const resolve = this.resolution.resolve;
    const peak = modeRecords(p.peak, sizeOrder(p.peak), resolve, this.paths, header.mainTid, true);
    const leaks = modeRecords(p.leaks, sizeOrder(p.leaks), resolve, this.paths, header.mainTid, true);
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
  const out: ArrayBuffer[] = [];
  for (const a of [m.parent, m.location, m.peak.path, m.peak.tid, m.peak.bytes, m.peak.count, m.leaks.path, m.leaks.tid, m.leaks.bytes, m.leaks.count]) {
    out.push(a.buffer as ArrayBuffer);
  }
  return out;
}
