/**
 * Sends the requests of memtree's view keys (view-needs.ts) to the tree's source and turns the
 * answers into actions; a source without the method fails the need with a clear message.
 */
import type { ViewOptions } from '../../../protocol/src/tree.js';
import type { TreeAction } from './tree-model.js';
import type { TreeSource } from './tree-source.js';
import type { ViewNeed } from './view-needs.js';

export function askView(source: TreeSource, view: ViewOptions, need: ViewNeed, signal: AbortSignal): Promise<TreeAction> {
  const missing = (what: string): Promise<never> => Promise.reject(new Error(`this tree cannot ${what}`));
  switch (need.kind) {
    case 'search':
      if (source.search === undefined) return missing('be searched');
      return source.search(view, need.query, 0, need.limit, signal).then((result) => ({ type: 'searchLoaded', generation: need.generation, query: need.query, result }));
    case 'threads':
      if (source.threads === undefined) return missing('list its threads');
      return source.threads(view, signal).then((r) => ({ type: 'threadsLoaded', generation: need.generation, threads: r.threads }));
    case 'elided':
      if (source.elided === undefined) return missing('list the locations -b left out');
      return source.elided(view, need.offset, need.limit, signal).then((result) => ({ type: 'elidedLoaded', generation: need.generation, result }));
  }
}
