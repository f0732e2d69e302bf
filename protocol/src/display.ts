/**
 * Which children a tree view displays under its filters (docs/tree-reporter.md 3.8, 4.4,
 * 4.5). Pure and shared: the daemon applies it for `tree/expand`, the client for printing a
 * whole exported tree. Values are never recomputed by filters.
 */
import type { ViewFilter } from './tree.js';

// Declared with the view options it is part of (so docs/protocol.md documents it); used here.
export type { ViewFilter };

/** The filters a view starts with, as in memray. */
export const DEFAULT_FILTER: ViewFilter = { hideImportSystem: false, hideUninteresting: true };

/** What the filters need to know of a node. */
export interface DisplayNode<T> {
  readonly bytes: number;
  readonly interesting: boolean;
  readonly importSystem: boolean;
}

/**
 * The displayed children of a node, given a function returning a node's children already
 * sorted largest first (stable). A hidden uninteresting child is replaced, in place, by its
 * own displayed children, which are not re-sorted against their new siblings.
 */
export function displayedChildren<T extends DisplayNode<T>>(
  children: readonly T[],
  childrenOf: (node: T) => readonly T[],
  filter: ViewFilter,
): T[] {
  const out: T[] = [];
  const add = (list: readonly T[]): void => {
    for (const c of list) {
      if (filter.hideImportSystem && c.importSystem) continue;
      if (!filter.hideUninteresting || c.interesting) out.push(c);
      else add(childrenOf(c));
    }
  };
  add(children);
  return out;
}
