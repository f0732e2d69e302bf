/**
 * Views computed on demand from an index's stored records, cached in the daemon: per index
 * database, the stack trie, the locations and each mode's records (loaded once, reloaded when
 * a later pass grew the index, or memray's order replaced the pass's: memray-order.ts), and the
 * built trees of the views asked for most recently. A view never opens the capture file.
 */
import type { ReadableDB } from '../db/open.js';
import type { TreeFrame } from '../tree/frame-classifier.js';
import type { ModeRecords, PathTrie, ViewData } from '../tree/view-data.js';
import type { ViewTree } from '../tree/view-display.js';
import { buildViewTree, type TreeSpec } from '../tree/view-engine.js';
/** Moved to the pure view engine (--no-daemon counts threads too); re-exported for the handlers. */
export { threadTotals } from '../tree/view-engine.js';
import { ViewTree as Tree } from '../tree/view-display.js';
import { treeKey } from '../tree/view-spec.js';
import { dataVersion, orderPending, storedLocations, storedPaths, storedRecords, storedSizes } from './queries.js';
import { rangeRecords, storedModeOf } from './range-views.js';

/** Built trees kept per index (least recently used first out)... */
export const VIEWS_PER_INDEX = 16;
/** ...and their nodes at most (a -b 1000000 tree of a capture with a million stacks has millions, ~70 bytes each). */
export const CACHED_NODES_PER_INDEX = 8_000_000;

export interface CachedView {
  readonly tree: ViewTree;
  readonly elided: { locations: number; allocations: number; bytes: number };
  readonly filteredRecords: number;
}

interface IndexViews {
  /** The index's data_version when `sizes` were read: the sizes are read again only after a commit. */
  version: number;
  sizes: { locations: number; paths: number };
  frames: readonly TreeFrame[];
  paths: PathTrie;
  /** `passOrder`: read while memray 1.19 and older's order of its stored mode was pending. */
  modes: Map<string, { records: ModeRecords; passOrder: boolean }>;
  views: Map<string, CachedView>;
}

const byIndex = new WeakMap<ReadableDB, IndexViews>();

function indexViews(db: ReadableDB): IndexViews {
  const version = dataVersion(db);
  let iv = byIndex.get(db);
  if (iv !== undefined && iv.version === version) return iv;
  const sizes = storedSizes(db);
  if (iv === undefined || iv.sizes.locations !== sizes.locations || iv.sizes.paths !== sizes.paths) {
    // First use, or a later pass appended stacks (ids of the rest are unchanged). Today the first
    // pass already writes every group's stack (the timeline's groups), so a temporary pass adds
    // none; the check keeps a cached trie from going stale if a pass ever does.
    iv = { version, sizes, frames: storedLocations(db), paths: storedPaths(db), modes: iv?.modes ?? new Map(), views: iv?.views ?? new Map() };
    byIndex.set(db, iv);
  }
  iv.version = version;
  return iv;
}

/**
 * A mode's records as cached, read again once memray's order replaced the pass's they were
 * read in (the pending mark is read before the records: records read after it is gone are in
 * memray's order).
 */
function modeEntry(db: ReadableDB, iv: IndexViews, mode: string): { records: ModeRecords; passOrder: boolean } {
  const stored = storedModeOf(db, mode);
  const passOrder = stored !== undefined && orderPending(db, stored);
  let e = iv.modes.get(mode);
  if (e === undefined || (e.passOrder && !passOrder)) {
    const records = storedRecords(db, mode) ?? rangeRecords(db, mode);
    if (records === undefined) throw new Error(`index has no mode ${mode}`);
    e = { records, passOrder };
    iv.modes.set(mode, e);
  }
  return e;
}

/** The view data of a stored mode; throws if the index lacks it (callers ensure it first). */
export function viewData(db: ReadableDB, mode: string): ViewData {
  const iv = indexViews(db);
  return { paths: iv.paths, frames: iv.frames, records: modeEntry(db, iv, mode).records };
}

/** The built tree of a view, from the cache or built now. */
export function cachedView(db: ReadableDB, mode: string, spec: TreeSpec): CachedView {
  const iv = indexViews(db);
  const entry = modeEntry(db, iv, mode);
  const data = { paths: iv.paths, frames: iv.frames, records: entry.records };
  const views = iv.views;
  // A tree built over the pass's order is never served once memray's order is there.
  const key = `${mode}\0${entry.passOrder ? 'pass' : 'memray'}\0${treeKey(spec)}`;
  let v = views.get(key);
  if (v !== undefined) {
    views.delete(key); // re-inserted below: Map order is the recency order
  } else {
    const built = buildViewTree(data, spec);
    v = { tree: new Tree(built.tree), elided: built.elided, filteredRecords: built.filteredRecords };
    let nodes = v.tree.size;
    for (const c of views.values()) nodes += c.tree.size;
    for (const [k, c] of views) {
      if (views.size < VIEWS_PER_INDEX && nodes <= CACHED_NODES_PER_INDEX) break;
      views.delete(k);
      nodes -= c.tree.size;
    }
  }
  views.set(key, v);
  return v;
}
