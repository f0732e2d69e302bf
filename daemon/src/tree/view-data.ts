/**
 * What every view of a capture is computed from (docs/views.md): the snapshot records of a
 * mode, in memray's size order, each with the id of its stack in a trie of resolved stacks
 * (tree frames, memray's main-thread trim and hybrid native stacks already applied), and the
 * frames by location id. Built once from a loaded capture (by the index writer and by
 * --no-daemon alike) or read back from an index; pure data, no I/O.
 */
import { IntPairInterner } from '../capture/int-tables.js';
import type { Snapshot } from '../capture/load.js';
import type { StackResolver, TreeFrame } from './build-tree.js';

/** Resolved stacks: id 0 is the empty stack; every other id has a parent with a smaller id. */
export interface PathTrie {
  /** Number of ids (the empty stack included). */
  readonly size: number;
  /** Parent id of each id (0 for a one-frame stack and for id 0 itself). */
  readonly parent: Int32Array;
  /** Location id of each id's innermost frame (-1 for id 0). */
  readonly location: Int32Array;
}

/** A mode's snapshot records, in memray's size order (bytes descending, stable). */
export interface ModeRecords {
  readonly length: number;
  /** PathTrie id of each record's stack. */
  readonly path: Int32Array;
  readonly tid: Float64Array;
  readonly bytes: Float64Array;
  readonly count: Float64Array;
  /** memray tid -> thread name. */
  readonly threadNames: ReadonlyMap<number, string>;
}

/** Everything a view needs. */
export interface ViewData {
  readonly paths: PathTrie;
  /** Tree frames by location id. */
  readonly frames: readonly TreeFrame[];
  readonly records: ModeRecords;
}

/** Interns resolved stacks (innermost frame first) into a growing PathTrie. */
export class PathBuilder {
  private readonly keys = new IntPairInterner(4096);
  private parent = new Int32Array(4096);
  private location = new Int32Array(4096);
  private count = 1;

  /** Continues an existing trie (its ids keep their values). */
  constructor(existing?: PathTrie) {
    this.location[0] = -1;
    if (existing !== undefined) for (let id = 1; id < existing.size; id++) this.child(existing.parent[id]!, existing.location[id]!);
  }

  get size(): number {
    return this.count;
  }

  /** The id of stack `parent` with `location` as its new innermost frame. */
  child(parent: number, location: number): number {
    const id = this.keys.intern(parent, location) + 1;
    if (id === this.count) {
      if (id >= this.parent.length) {
        const grow = (a: Int32Array) => {
          const b = new Int32Array(a.length * 2);
          b.set(a);
          return b;
        };
        this.parent = grow(this.parent);
        this.location = grow(this.location);
      }
      this.parent[id] = parent;
      this.location[id] = location;
      this.count++;
    }
    return id;
  }

  /** The id of a stack given innermost frame first. */
  intern(frames: readonly TreeFrame[]): number {
    let id = 0;
    for (let i = frames.length - 1; i >= 0; i--) id = this.child(id, frames[i]!.location);
    return id;
  }

  trie(): PathTrie {
    return { size: this.count, parent: this.parent.subarray(0, this.count), location: this.location.subarray(0, this.count) };
  }
}

/**
 * A snapshot's records in `order` (size order), their stacks resolved by `resolve` and
 * interned into `paths`. Python stacks are memoised per (stack, main thread or not): records
 * share stacks far more often than not.
 */
export function modeRecords(snap: Snapshot, order: Int32Array, resolve: StackResolver, paths: PathBuilder, mainTid: number, memoPython: boolean): ModeRecords {
  const r = snap.records;
  const n = order.length;
  const out = { length: n, path: new Int32Array(n), tid: new Float64Array(n), bytes: new Float64Array(n), count: new Float64Array(n), threadNames: snap.threadNames };
  const memo = [new Map<number, number>(), new Map<number, number>()];
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const tid = r.tid[i]!;
    const stackId = r.stackId[i]!;
    let path: number | undefined;
    const m = memo[tid === mainTid ? 1 : 0]!;
    if (memoPython) path = m.get(stackId);
    if (path === undefined) {
      path = paths.intern(resolve(stackId, r.nativeId[i]!, tid, r.generation[i]!));
      if (memoPython) m.set(stackId, path);
    }
    out.path[k] = path;
    out.tid[k] = tid;
    out.bytes[k] = r.bytes[i]!;
    out.count[k] = r.count[i]!;
  }
  return out;
}
