/**
 * Reads of a built view that the daemon's handlers and --no-daemon answer alike: a page of
 * children (tree/expand), the matches of a search (tree/search) and the locations -b left out
 * (tree/elided). Pure.
 */
import type { TreeElidedResult } from '../../../protocol/src/elided.js';
import { compilePattern } from '../../../protocol/src/pattern.js';
import type { ChainPage, TreeExpandResult, TreeSearchResult } from '../../../protocol/src/tree.js';
import type { ViewData } from './view-data.js';
import type { Display, ViewTree } from './view-display.js';
import { elidedRecords, matchLocations, type TreeSpec } from './view-engine.js';

/**
 * tree/expand: `limit` children of displayed node `nodeId` from `offset` and, with
 * `firstChildChain`, the first page of each first child down to a leaf (bounded by memray's
 * depth cap of ~400). The caller checks that the node is displayed.
 */
export function expandPage(display: Display, nodeId: number, offset: number, limit: number, firstChildChain: boolean): TreeExpandResult {
  const page = (id: number, from: number): TreeExpandResult => ({ nodes: display.children(id, from, limit), total: display.childCount[id]!, offset: from });
  const first = page(nodeId, offset);
  if (!firstChildChain) return first;
  const chain: ChainPage[] = [];
  for (let next = first.nodes[0]; next !== undefined && next.childCount > 0; ) {
    const pg = page(next.id, 0);
    chain.push({ ...pg, nodeId: next.id });
    next = pg.nodes[0];
  }
  return { ...first, chain };
}

/** tree/search over a view's display: text (case-insensitive) or a regular expression (PatternError when bad). */
export function searchView(tree: ViewTree, display: Display, query: string, regex: boolean, offset: number, limit: number): TreeSearchResult {
  let test: (s: string) => boolean;
  if (regex) {
    const re = compilePattern('query', query);
    test = (s) => re.test(s);
  } else {
    const q = query.toLowerCase();
    test = (s) => s.toLowerCase().includes(q);
  }
  // Decided once per location, then a scan of the displayed nodes.
  const byLocation = matchLocations(tree.built.frames, { test });
  const { ids, total } = display.search(byLocation, test('...'), offset, limit);
  return { matches: ids.map((id) => ({ node: display.node(id), path: display.pathTo(id) })), total, offset };
}

/** tree/elided: the records -b cut from a view, from `offset`, named by their innermost shown frame. */
export function elidedPage(data: ViewData, spec: TreeSpec, offset: number, limit: number): TreeElidedResult {
  const { records, total } = elidedRecords(data, spec, offset, limit);
  const r = data.records;
  return {
    locations: records.map(({ index, thread, frame, depth }) => ({
      function: frame?.function ?? '',
      file: frame?.file ?? '',
      line: frame?.line ?? 0,
      depth,
      bytes: r.bytes[index]!,
      allocations: r.count[index]!,
      thread,
    })),
    total,
    offset: Math.max(0, offset),
  };
}
