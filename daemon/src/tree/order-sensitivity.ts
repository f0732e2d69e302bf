/**
 * Whether a view's answer depends on the order of its snapshot's records, i.e. whether memray
 * 1.19 and older's record order (LoadedCapture.legacyOrder: a second read of the capture) is
 * needed to answer it as memray does.
 *
 * A view (mode, record filters, inverted, -b K) visits the records its filters select sorted
 * by size descending with a stable sort (memray's `sorted(..., reverse=True)`) and builds its
 * tree from the first K. The sorted SIZES are the same whatever the input order (the filters
 * decide per record); only which of several equal-sized records comes first changes. So if
 * the first min(K + 1, n) sorted sizes are pairwise distinct, the first K records and their
 * visiting order are the same for every input order, and so is everything computed from them.
 *
 * Every consumer of a snapshot's record order, audited (daemon/src/tree and its callers):
 * - build-tree.ts (`buildTree`, memray's tree model): visits records in size order, keeps the
 *   first K; node numbering, child order among equal bytes (first insertion) and thread labels
 *   (the last record through a node) follow that visiting order: order only through the size
 *   sort, over the first K records; the cut (`elided`) is a sum over the rest (exact integer
 *   sums: order-free).
 * - view-engine.ts `buildViewTree`: filters (threads, focus, ignore, showFrom, hide) decide per
 *   record, then the above: through the size sort, first K of the filtered records.
 * - view-engine.ts `elidedRecords` (tree/elided, the ❓ row's list): lists the filtered records
 *   after the first K in size order, so EVERY position counts: extent 'all'.
 * - view-engine.ts `threadTotals` (capture/threads, the `t` list): sums per label, sorted by
 *   bytes then label (unique): order-free. `recordLabels` numbers labels in record order, but
 *   they are only looked up by index.
 * - view-data.ts `modeRecords`, capture-views.ts: store the records in size order (the stable
 *   sort over the input order); path ids depend on interning order but every consumer reads
 *   paths only through the trie: no answer depends on them beyond the above.
 * - view-display.ts, view-queries.ts (expand pages, search, node/detail, tree/export, the JSON
 *   document, --print): reads of the built tree: as the tree.
 * - tree-document.ts `treeDocument`: buildTree over a snapshot: as build-tree.ts.
 * - range views (snapshot-range/time-range): at the capture's own peak moment, or over the whole
 *   capture for leaks, their records ARE the ordinary snapshot (range-snapshot.ts,
 *   index/range-views.ts): as that mode; other ranges are memray 1.20's temporal rules over our
 *   groups, which never had the legacy order.
 * - provisional trees (while indexing): memray 1.20's order by design (docs/capture-versions.md
 *   section 5.1): never reordered.
 * - the daemon's index (index/memray-order.ts): stores each mode's records sorted by size over
 *   the pass's order, marked pending, completes, and rewrites them into memray's order
 *   afterwards. Meanwhile every view of a pending mode (or a range showing it) is decided here,
 *   over the stored records (their sizes are memray's), and waits for the order only if it
 *   depends on it (Captures.memrayOrder from handlers/tree.ts: root, expand, search,
 *   node/detail, tree/export with 'tree', tree/elided with 'all'; capture/threads is order-free).
 * No consumer depends on the order otherwise.
 */
import { keptCount } from './build-tree.js';
import type { ViewData } from './view-data.js';
import { filteredRecords, type TreeSpec } from './view-engine.js';

/**
 * Whether a query visiting the first `kept` of `count` records sorted by size (descending),
 * `bytes[at(k)]` for position k, can give another answer for another order of equal-sized
 * records: true unless the first min(kept + 1, count) sizes are pairwise distinct (adjacent
 * check: they are sorted).
 */
export function orderSensitive(bytes: ArrayLike<number>, count: number, kept: number, at: (k: number) => number = (k) => k): boolean {
  const m = Math.min(kept + 1, count);
  for (let k = 1; k < m; k++) if (bytes[at(k)] === bytes[at(k - 1)]) return true;
  return false;
}

/**
 * Whether a view's answer over `data` (records in size order) depends on the records' order:
 * its tree ('tree': the first -b records of the filtered ones) or its list of left-out records
 * ('all': every filtered record's position shows).
 */
export function viewOrderSensitive(data: ViewData, spec: TreeSpec, extent: 'tree' | 'all' = 'tree'): boolean {
  const filtered = filteredRecords(data, spec);
  const count = filtered === undefined ? data.records.length : filtered.length;
  const kept = extent === 'all' ? count : keptCount(spec.biggestAllocs, count);
  return orderSensitive(data.records.bytes, count, kept, filtered === undefined ? undefined : (k) => filtered[k]!);
}
