/**
 * The view engine (docs/views.md): records + view spec -> tree. A view's record filters apply
 * in a fixed order (threads, focus, ignore, showFrom, hide), then `-b` keeps the biggest of
 * the filtered records and memray's tree model builds the tree of what is left (normal or
 * inverted). Pure: used by the daemon over an index and by --no-daemon over a capture read in
 * memory. Matching is decided once per location and carried along the stack trie once per
 * view, so a filter costs a few passes over typed arrays, not a regex per frame per record.
 */
import { newRecords } from '../snapshot/snapshot-builder.js';
import { buildTree, keptCount, type BuiltTree, type ElidedSummary, type TreeFrame } from './build-tree.js';
import { threadLabel } from './thread-label.js';
import type { ThreadTotals } from '../../../protocol/src/threads.js';
import type { ViewData } from './view-data.js';

/** What decides a view's tree (the display toggles of normal trees do not). */
export interface TreeSpec {
  /** Thread labels kept (empty: all). */
  readonly threads: readonly string[];
  readonly focus?: RegExp;
  readonly ignore?: RegExp;
  readonly showFrom?: RegExp;
  readonly hide?: RegExp;
  readonly inverted: boolean;
  /** Inverted trees only: cut each stack at its outermost import-system frame (memray's inverted_no_imports). */
  readonly cutImports: boolean;
  readonly biggestAllocs: number;
}

/** A built view: the tree and what `-b` cut from the filtered records. */
export interface ViewTreeResult {
  readonly tree: BuiltTree;
  readonly elided: ElidedSummary;
  /** Records left by the filters (before `-b`). */
  readonly filteredRecords: number;
}

/** Per location: whether `re` (a RegExp, or any test of a string) matches the function or the file name. */
export function matchLocations(frames: readonly TreeFrame[], re: { test(s: string): boolean }): Uint8Array {
  const out = new Uint8Array(frames.length);
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i];
    if (f !== undefined && (re.test(f.function) || re.test(f.file))) out[i] = 1;
  }
  return out;
}

/**
 * Per-trie results of one expression, kept per trie (a view change usually keeps most of the
 * previous view's expressions): whether each stack has a match, and where its outermost one is.
 */
const byTrie = new WeakMap<object, Map<string, Uint8Array | Int32Array>>();
const PER_TRIE = 8;

function memo<T extends Uint8Array | Int32Array>(data: ViewData, key: string, make: () => T): T {
  let m = byTrie.get(data.paths);
  if (m === undefined) byTrie.set(data.paths, (m = new Map()));
  let v = m.get(key) as T | undefined;
  if (v !== undefined) m.delete(key);
  else {
    v = make();
    while (m.size >= PER_TRIE) m.delete(m.keys().next().value!);
  }
  m.set(key, v);
  return v;
}

/** Per stack id: whether any frame of the stack matches. */
function anyOnPath(data: ViewData, match: Uint8Array): Uint8Array {
  const { size, parent, location } = data.paths;
  const out = new Uint8Array(size);
  for (let id = 1; id < size; id++) out[id] = match[location[id]!]! | out[parent[id]!]!;
  return out;
}

/** Per stack id: the id of its outermost matching frame's position (0: none). */
function outermostOnPath(data: ViewData, match: Uint8Array): Int32Array {
  const { size, parent, location } = data.paths;
  const out = new Int32Array(size);
  for (let id = 1; id < size; id++) {
    const up = out[parent[id]!]!;
    out[id] = up !== 0 ? up : match[location[id]!] ? id : 0;
  }
  return out;
}

/** Each record's thread label as an index into `labels`, computed once per mode's records. */
const labelIndexes = new WeakMap<object, { labels: string[]; of: Int32Array }>();

export function recordLabels(data: ViewData): { labels: string[]; of: Int32Array } {
  let li = labelIndexes.get(data.records);
  if (li === undefined) {
    const r = data.records;
    const labels: string[] = [];
    const byTid = new Map<number, number>();
    const of = new Int32Array(r.length);
    for (let i = 0; i < r.length; i++) {
      const tid = r.tid[i]!;
      let k = byTid.get(tid);
      if (k === undefined) {
        k = labels.push(threadLabel(tid, r.threadNames.get(tid))) - 1;
        byTid.set(tid, k);
      }
      of[i] = k;
    }
    li = { labels, of };
    labelIndexes.set(data.records, li);
  }
  return li;
}

/** Indices (in size order) of the records the filters keep; undefined: every record. */
function filterRecords(data: ViewData, spec: TreeSpec, showTop: Int32Array | undefined): Int32Array | undefined {
  if (spec.threads.length === 0 && !spec.focus && !spec.ignore && !showTop) return undefined;
  const r = data.records;
  const wanted = spec.threads.length > 0 ? new Set(spec.threads) : undefined;
  const { labels, of: labelOf } = recordLabels(data);
  const labelOk = Uint8Array.from(labels, (l) => (wanted?.has(l) ? 1 : 0));
  const focus = spec.focus && memo(data, `any\0${spec.focus.source}`, () => anyOnPath(data, matchLocations(data.frames, spec.focus!)));
  const ignore = spec.ignore && memo(data, `any\0${spec.ignore.source}`, () => anyOnPath(data, matchLocations(data.frames, spec.ignore!)));
  const out = new Int32Array(r.length);
  let n = 0;
  for (let i = 0; i < r.length; i++) {
    if (wanted !== undefined && labelOk[labelOf[i]!] === 0) continue;
    const p = r.path[i]!;
    if (focus !== undefined && focus[p] === 0) continue;
    if (ignore !== undefined && ignore[p] === 1) continue;
    if (showTop !== undefined && showTop[p] === 0) continue;
    out[n++] = i;
  }
  return out.subarray(0, n);
}

/** Indices (in size order) of the records a view's filters keep; undefined: every record. */
export function filteredRecords(data: ViewData, spec: TreeSpec): Int32Array | undefined {
  const showTop = spec.showFrom && memo(data, `top\0${spec.showFrom.source}`, () => outermostOnPath(data, matchLocations(data.frames, spec.showFrom!)));
  return filterRecords(data, spec, showTop);
}

/** Builds the tree of a view. */
export function buildViewTree(data: ViewData, spec: TreeSpec): ViewTreeResult {
  const r = data.records;
  const { parent, location } = data.paths;
  const frames = data.frames;
  const showTop = spec.showFrom && memo(data, `top\0${spec.showFrom.source}`, () => outermostOnPath(data, matchLocations(frames, spec.showFrom!)));
  const hidden = spec.hide && matchLocations(frames, spec.hide);
  const filtered = filterRecords(data, spec, showTop);
  const filteredCount = filtered === undefined ? r.length : filtered.length;
  const kept = keptCount(spec.biggestAllocs, filteredCount);
  const snap = { records: newRecords(kept), threadNames: r.threadNames };
  for (let k = 0; k < kept; k++) {
    const i = filtered === undefined ? k : filtered[k]!;
    snap.records.stackId[k] = r.path[i]!;
    snap.records.tid[k] = r.tid[i]!;
    snap.records.bytes[k] = r.bytes[i]!;
    snap.records.count[k] = r.count[i]!;
    snap.records.firstSeq[k] = k;
  }
  // One scratch array for every record: buildTree reads a record's frames before asking for the next.
  const out: TreeFrame[] = [];
  const resolve = (path: number): readonly TreeFrame[] => {
    // Innermost first, up to the showFrom frame, without hidden frames.
    const stop = showTop === undefined ? 0 : parent[showTop[path]!]!;
    out.length = 0;
    for (let p = path; p !== 0 && p !== stop; p = parent[p]!) {
      const loc = location[p]!;
      if (hidden === undefined || hidden[loc] === 0) out.push(frames[loc]!);
    }
    if (spec.inverted && spec.cutImports) {
      // Keep the frames outer to the outermost import-system frame.
      let cut = out.length;
      while (cut > 0 && !out[cut - 1]!.importSystem) cut--;
      if (cut > 0) return out.slice(cut);
    }
    return out;
  };
  const order = new Int32Array(kept);
  for (let k = 0; k < kept; k++) order[k] = k;
  const tree = buildTree(snap, kept, { resolve, frames }, order, spec.inverted);
  const elided: ElidedSummary = { locations: filteredCount - kept, allocations: 0, bytes: 0 };
  for (let k = kept; k < filteredCount; k++) {
    const i = filtered === undefined ? k : filtered[k]!;
    elided.allocations += r.count[i]!;
    elided.bytes += r.bytes[i]!;
  }
  return { tree, elided, filteredRecords: filteredCount };
}

/** The threads of a mode's snapshot with their totals, most bytes first. */
export function threadTotals(data: ViewData): ThreadTotals[] {
  const r = data.records;
  const { labels, of } = recordLabels(data);
  const out = labels.map((label) => ({ label, bytes: 0, allocations: 0, records: 0 }));
  for (let i = 0; i < r.length; i++) {
    const t = out[of[i]!]!;
    t.bytes += r.bytes[i]!;
    t.allocations += r.count[i]!;
    t.records++;
  }
  return out.sort((a, b) => b.bytes - a.bytes || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
}

/** One record `-b` cut from a view: its index in size order, its thread label, its frames as the view shows them. */
export interface ElidedRecord {
  readonly index: number;
  readonly thread: string;
  /** The innermost frame the view shows (undefined: none left). */
  readonly frame: TreeFrame | undefined;
  /** Frames the view shows for the record. */
  readonly depth: number;
}

/** The records `-b` cut from a view (its filters applied first), from `offset`, biggest first, and how many there are. */
export function elidedRecords(data: ViewData, spec: TreeSpec, offset: number, limit: number): { records: ElidedRecord[]; total: number } {
  const { parent, location } = data.paths;
  const showTop = spec.showFrom && memo(data, `top\0${spec.showFrom.source}`, () => outermostOnPath(data, matchLocations(data.frames, spec.showFrom!)));
  const hidden = spec.hide && matchLocations(data.frames, spec.hide);
  const filtered = filterRecords(data, spec, showTop);
  const count = filtered === undefined ? data.records.length : filtered.length;
  const kept = keptCount(spec.biggestAllocs, count);
  const { labels, of } = recordLabels(data);
  const records: ElidedRecord[] = [];
  for (let k = kept + Math.max(0, offset); k < count && records.length < limit; k++) {
    const i = filtered === undefined ? k : filtered[k]!;
    const path = data.records.path[i]!;
    const stop = showTop === undefined ? 0 : parent[showTop[path]!]!;
    let frame: TreeFrame | undefined;
    let depth = 0;
    for (let p = path; p !== 0 && p !== stop; p = parent[p]!) {
      const loc = location[p]!;
      const f = data.frames[loc]!;
      if (f.internal || hidden?.[loc] === 1) continue;
      frame ??= f;
      depth++;
    }
    records.push({ index: i, thread: labels[of[i]!]!, frame, depth });
  }
  return { records, total: count - kept };
}
