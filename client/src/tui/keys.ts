/**
 * Terminal keys → model actions (tree-reporter.md 4.1, with ←/→ collapsing and expanding as
 * the brief asks instead of memray's horizontal scrolling). Names are neo-blessed's `key.full`.
 */
import type { KeyAction } from './tree-model.js';

/** The key table of the tree view. */
export const TREE_KEYS: Readonly<Record<string, KeyAction>> = {
  up: 'up',
  down: 'down',
  left: 'left',
  right: 'right',
  // neo-blessed reports Enter as 'enter' (and also 'return' for the same press: ignored here).
  enter: 'toggle',
  space: 'toggle',
  home: 'home',
  end: 'end',
  pageup: 'pageUp',
  pagedown: 'pageDown',
  e: 'expandLinear',
  i: 'toggleImports',
  u: 'toggleUninteresting',
  q: 'quit',
  'C-c': 'quit',
  'C-z': 'suspend',
};

/** Keys of the progress view: only quitting (which cancels the indexing) and suspending. */
export const PROGRESS_KEYS: Readonly<Record<string, 'quit' | 'suspend'>> = {
  q: 'quit',
  'C-c': 'quit',
  'C-z': 'suspend',
};

/** The action of a key in a table, if any (own properties only: 'constructor' is no key). */
export function lookupKey<T>(table: Readonly<Record<string, T>>, full: string): T | undefined {
  return Object.hasOwn(table, full) ? table[full] : undefined;
}
