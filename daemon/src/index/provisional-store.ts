/**
 * Provisional trees, main-thread side: for each capture being indexed, the provisional
 * snapshots its indexing worker posts (provisional.ts), the last few kept with the trees built
 * from them. These trees live here only: never in the index, never in view-store's cache of
 * final trees, and they go when the indexing job ends (whatever its outcome), so a half-read
 * capture is never answered as if complete.
 */
import type { ProvisionalCaptureFacts, ProvisionalInfo } from '../../../protocol/src/tree.js';
import { writtenBy } from '../capture/header.js';
import type { TreeFrame } from '../tree/frame-classifier.js';
import type { ModeRecords, PathTrie } from '../tree/view-data.js';
import { ViewTree } from '../tree/view-display.js';
import { buildViewTree, type TreeSpec } from '../tree/view-engine.js';
import { treeKey } from '../tree/view-spec.js';
import type { CancelSignal, JobObserver } from './jobs.js';
import { JobCancelledError } from './jobs.js';
import type { ProvisionalMessage } from './provisional.js';
import type { CachedView } from './view-store.js';
import type { Task } from './tasks.js';

/** Provisional snapshots kept per capture (a client pinned to an older one can go on reading it)... */
export const SNAPSHOTS_KEPT = 3;
/** ...and built trees per snapshot. */
const VIEWS_PER_SNAPSHOT = 4;

interface Snapshot {
  readonly info: ProvisionalInfo;
  readonly paths: PathTrie;
  readonly peak: ModeRecords;
  readonly leaks: ModeRecords;
  readonly views: Map<string, CachedView>;
}

interface Indexing {
  parent: Int32Array;
  location: Int32Array;
  size: number;
  readonly frames: TreeFrame[];
  /** What labels its trees (module names, the format note). */
  capture: ProvisionalCaptureFacts;
  /** Oldest first. */
  readonly snapshots: Snapshot[];
  /** Requests waiting for the first snapshot or the end of indexing. */
  readonly waiters: Set<() => void>;
}

/** A provisional tree of a view, with what marks it. */
export interface ProvisionalView {
  readonly cached: CachedView;
  readonly info: ProvisionalInfo;
  /** What labels the tree: the traced process's sys.path (module names, source files) and the format. */
  readonly capture: ProvisionalCaptureFacts;
}

function grown(a: Int32Array, min: number): Int32Array {
  if (a.length >= min) return a;
  const b = new Int32Array(Math.max(min, a.length * 2));
  b.set(a);
  return b;
}

export class ProvisionalStore implements JobObserver {
  private readonly indexing = new Map<string, Indexing>();

  started(task: Task): void {
    if (task.kind !== 'index') return;
    this.indexing.set(task.captureId, { parent: new Int32Array(1024), location: new Int32Array(1024).fill(-1, 0, 1), size: 1, frames: [], capture: { searchPath: [], formatVersion: 0, writtenBy: '' }, snapshots: [], waiters: new Set() });
  }

  provisional(task: Task, m: ProvisionalMessage): void {
    const x = this.indexing.get(task.captureId);
    if (x === undefined || m.pathsFrom !== x.size || m.framesFrom !== x.frames.length) return; // not in sequence: ignore
    const size = x.size + m.parent.length;
    x.parent = grown(x.parent, size);
    x.location = grown(x.location, size);
    x.parent.set(m.parent, x.size);
    x.location.set(m.location, x.size);
    x.size = size;
    for (const f of m.frames) x.frames.push(f); // (a spread of many frames would overflow the stack)
    if (m.seq === 1) x.capture = { searchPath: m.searchPath, formatVersion: m.formatVersion, writtenBy: writtenBy(m.formatVersion) };
    const info: ProvisionalInfo = { tree: m.seq, percent: m.percent, records: m.records, peakBytes: m.peakBytes };
    // A new trie object per snapshot: the view engine memoises matches per trie.
    const paths: PathTrie = { size, parent: x.parent.subarray(0, size), location: x.location.subarray(0, size) };
    x.snapshots.push({ info, paths, peak: m.peak, leaks: m.leaks, views: new Map() });
    if (x.snapshots.length > SNAPSHOTS_KEPT) x.snapshots.shift();
    this.wake(x);
  }

  ended(task: Task): void {
    if (task.kind !== 'index') return;
    const x = this.indexing.get(task.captureId);
    if (x === undefined) return;
    this.indexing.delete(task.captureId);
    this.wake(x);
  }

  /** Whether the capture is being indexed now (its index is not complete yet). */
  isIndexing(captureId: string): boolean {
    return this.indexing.has(captureId);
  }

  /** Resolves once the capture has a provisional snapshot or is no longer being indexed (at once if either holds). */
  async ready(captureId: string, token?: CancelSignal): Promise<void> {
    const x = this.indexing.get(captureId);
    if (x === undefined || x.snapshots.length > 0) return;
    await this.waitFor(x, token);
  }

  /** Resolves once the capture is no longer being indexed. */
  async indexed(captureId: string, token?: CancelSignal): Promise<void> {
    while (this.indexing.has(captureId)) await this.waitFor(this.indexing.get(captureId)!, token);
  }

  private waitFor(x: Indexing, token?: CancelSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const wake = (): void => {
        sub?.dispose();
        resolve();
      };
      x.waiters.add(wake);
      const sub = token?.onCancellationRequested(() => {
        x.waiters.delete(wake);
        reject(new JobCancelledError('cancelled while waiting for the capture to be indexed'));
      });
      if (token?.isCancellationRequested === true) {
        x.waiters.delete(wake);
        sub?.dispose();
        reject(new JobCancelledError('cancelled while waiting for the capture to be indexed'));
      }
    });
  }

  private wake(x: Indexing): void {
    const all = [...x.waiters];
    x.waiters.clear();
    for (const w of all) w();
  }

  /**
   * The provisional tree of (`mode`, `spec`) from snapshot `tree` (default: the newest); undefined
   * when the capture is not being indexed or has no snapshot yet, or `tree` is not kept.
   */
  view(captureId: string, mode: 'peak' | 'leaks', spec: TreeSpec, tree?: number): ProvisionalView | undefined {
    const x = this.indexing.get(captureId);
    if (x === undefined) return undefined;
    const snap = tree === undefined ? x.snapshots[x.snapshots.length - 1] : x.snapshots.find((s) => s.info.tree === tree);
    if (snap === undefined) return undefined;
    const key = `${mode}\0${treeKey(spec)}`;
    let v = snap.views.get(key);
    if (v !== undefined) snap.views.delete(key);
    else {
      const built = buildViewTree({ paths: snap.paths, frames: x.frames, records: mode === 'peak' ? snap.peak : snap.leaks }, spec);
      v = { tree: new ViewTree(built.tree), elided: built.elided, filteredRecords: built.filteredRecords };
      if (snap.views.size >= VIEWS_PER_SNAPSHOT) snap.views.delete(snap.views.keys().next().value!);
    }
    snap.views.set(key, v);
    return { cached: v, info: snap.info, capture: x.capture };
  }
}
