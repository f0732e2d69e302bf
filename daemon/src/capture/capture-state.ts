/**
 * What the reader learns from a capture besides allocations: code objects, the interned
 * frames and Python frame tree (stack ids), native trace nodes, memory-map generations and
 * thread names. Stack ids are indices into the frame tree, which only ever grows, so a stack
 * id read at any point stays valid (docs/capture-format.md 7.1).
 */
import { IntPairInterner, PairInterner } from './int-tables.js';
import { lineNumber } from './line-tables.js';

/** A code object as written by CODE_OBJECT records. */
export interface CodeObject {
  readonly function: string;
  readonly file: string;
  readonly firstLine: number;
  readonly lineTable: Uint8Array;
}

/** One loaded image of a memory-map generation (native mode). */
export interface Segment {
  readonly file: string;
  /** Runtime address range [start, end) = [load + vaddr, load + vaddr + memsz). */
  readonly start: number;
  readonly end: number;
  /** The image's load bias (0 for non-PIE executables): file addresses are `address - load`. */
  readonly load: number;
}

/** A resolved Python frame: (function, file, line). */
export interface Frame {
  readonly function: string;
  readonly file: string;
  readonly line: number;
}

const UNKNOWN_CODE: CodeObject = { function: '', file: '', firstLine: 0, lineTable: new Uint8Array(0) };

export class CaptureState {
  readonly codeObjects = new Map<number, CodeObject>();
  /**
   * Frame id -> (code object id, offset * 2 + isEntry). Versions 9-11 have no code objects:
   * there a frame is (the file's frame id, isEntry) and its location is given directly.
   */
  readonly frames = new PairInterner(1024);
  /** Stack id - 1 -> (parent stack id, frame id); stack id 0 is the empty stack. */
  readonly tree = new IntPairInterner(4096);
  /** Native node k (1-based) is (ip, parent) at index k - 1. */
  nativeIps: number[] = [];
  nativeParents: number[] = [];
  /** generation number (1-based) -> its images. */
  readonly generations: Segment[][] = [[]];
  private frameCache: (Frame | undefined)[] = [];
  /** THREAD_RECORDs in file order, with the number of ALLOCATION records read before each (the index keeps them for time ranges). */
  readonly threadNameLog: { tid: number; name: string; at: number }[] = [];

  constructor(readonly pythonVersion: number) {}

  /** Signs of damaged data seen while reading: what, how often, and where first. */
  readonly anomalies = new Map<string, { count: number; firstOffset: number }>();

  /** Counts a sign of damage (`offset`: decompressed stream offset, or -1 if unknown). */
  noteAnomaly(what: string, offset: number): void {
    const a = this.anomalies.get(what);
    if (a === undefined) this.anomalies.set(what, { count: 1, firstOffset: offset });
    else a.count++;
  }

  /** Records a THREAD_RECORD seen after `allocationsBefore` ALLOCATION records. */
  setThreadName(tid: number, name: string, allocationsBefore: number): void {
    this.threadNameLog.push({ tid, name, at: allocationsBefore });
  }

  /**
   * Thread names as memray knows them when it stops reading right after ALLOCATION record
   * `lastRecord` (0-based): the latest name of each thread set before that record
   * (docs/capture-format.md 13.1). Pass Infinity for "after everything".
   */
  threadNamesAt(lastRecord: number): Map<number, string> {
    const names = new Map<number, string>();
    for (const e of this.threadNameLog) if (e.at <= lastRecord) names.set(e.tid, e.name);
    return names;
  }

  /** Number of Python stack ids (frame-tree nodes) excluding the empty stack. */
  get stackCount(): number {
    return this.tree.size;
  }

  /** The stack id for pushing `frameId` on top of `parent`. */
  push(parent: number, frameId: number): number {
    return this.tree.intern(parent, frameId) + 1;
  }

  /** Parent stack id of `stackId` (> 0). */
  parentOf(stackId: number): number {
    return this.tree.a(stackId - 1);
  }

  /** Frame id at the top of `stackId` (> 0). */
  frameOf(stackId: number): number {
    return this.tree.b(stackId - 1);
  }

  /** Whether frame `frameId` is an entry frame (matters only for hybrid stacks). */
  isEntryFrame(frameId: number): boolean {
    return (this.frames.b(frameId) & 1) === 1;
  }

  /** The resolved (function, file, line) of a frame id, cached. */
  frame(frameId: number): Frame {
    let f = this.frameCache[frameId];
    if (f === undefined) {
      const codeId = this.frames.a(frameId);
      const packed = this.frames.b(frameId);
      const offset = Math.floor(packed / 2);
      const code = this.codeObjects.get(codeId) ?? UNKNOWN_CODE;
      f = {
        function: code.function,
        file: code.file,
        line: lineNumber(this.pythonVersion, code.lineTable, code.firstLine, offset),
      };
      this.frameCache[frameId] = f;
    }
    return f;
  }

  /**
   * Versions 9-11: the FRAME_INDEX record `fileId` gives its (function, file, line) directly.
   * Returns our frame id. (The reader refuses a second definition of a file id, as memray does.)
   */
  defineFrame(fileId: number, fn: string, file: string, line: number, isEntry: boolean): number {
    const id = this.frames.intern(fileId, isEntry ? 1 : 0);
    this.frameCache[id] = { function: fn, file, line };
    return id;
  }

  /** Versions 9-11: a frame id for a FRAME_PUSH of `fileId` that no FRAME_INDEX defined. */
  undefinedFrame(fileId: number): number {
    const id = this.frames.intern(fileId, 2); // (never an isEntry value: no clash with defined frames)
    this.frameCache[id] ??= { function: '', file: '', line: 0 };
    return id;
  }

  /** Frame ids of a stack, innermost first. */
  frameIds(stackId: number): number[] {
    const out: number[] = [];
    while (stackId !== 0) {
      out.push(this.frameOf(stackId));
      stackId = this.parentOf(stackId);
    }
    return out;
  }

  /**
   * memray's `stack_trace()`: frames innermost first, with the outermost
   * `skipped` frames dropped on the main thread (docs/capture-format.md 7.4).
   */
  stackTrace(stackId: number, tid: number, mainTid: number, skipped: number): Frame[] {
    const ids = this.frameIds(stackId);
    let keep = ids.length;
    if (tid === mainTid) keep = Math.max(ids.length - skipped, 0);
    const out: Frame[] = new Array(keep);
    for (let i = 0; i < keep; i++) out[i] = this.frame(ids[i]!);
    return out;
  }

  /** Instruction pointers of a native stack id, innermost first. */
  nativeStack(nativeId: number): number[] {
    const out: number[] = [];
    let guard = this.nativeIps.length + 1;
    while (nativeId !== 0 && guard-- > 0) {
      const ip = this.nativeIps[nativeId - 1];
      if (ip === undefined) break;
      out.push(ip);
      nativeId = this.nativeParents[nativeId - 1]!;
    }
    return out;
  }
}
