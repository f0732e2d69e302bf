/**
 * `?`: every key of the view, memray's and memtree's, in an overlay (↑/↓ scroll, Esc, `?` or
 * `q` close). Pure.
 */
import type { TreeState } from './tree-state.js';

/** [key, what it does] per line; a line with an empty key is a heading. */
export const HELP: readonly (readonly [string, string])[] = [
  ['', "memray's keys"],
  ['↑ / ↓', 'move the cursor one row'],
  ['PgUp / PgDn, Home / End', 'move a page / to the first or last row'],
  ['→ / ←', 'expand / collapse (or go to the parent)'],
  ['Enter, Space', 'expand or collapse the row (Enter on ❓ lists the locations -b left out)'],
  ['e', 'expand the linear group under the cursor'],
  ['i', 'hide / show import-system frames'],
  ['u', 'show / hide uninteresting frames'],
  ['q, Ctrl+C', 'quit'],
  ['Ctrl+Z', 'suspend (fg resumes)'],
  ['', 'Views'],
  ['/', 'search function and file names as you type (Enter: done, Esc: clear)'],
  ['n / N', 'next / previous match (its path is expanded)'],
  ['f', 'show the tree from the frame under the cursor'],
  ['x', 'hide frames like the one under the cursor'],
  ['t', 'pick threads (each with its bytes)'],
  ['v', 'inverted (callers) view on / off'],
  ['l / p / m', 'leaks / peak memory / temporary allocations'],
  ['Backspace', 'undo the last view change (back to that screen)'],
  ['', 'Memory over time'],
  ['g', 'chart of heap and RSS over time above the tree, on / off'],
  ['[ / ]', 'move the range cursor over the memory snapshots'],
  ['{ / }', 'extend / shrink the range'],
  ['Enter / L', "the tree of the range's peak / what it allocated and had not freed"],
  ['Esc', 'back to the whole capture (first clears a search)'],
  ['', 'Other'],
  ['r', 'reconnect after memtreed went away'],
  ['?', 'this list (Esc closes)'],
];

/** `?`: open (or close) the key list. */
export function toggleHelp(s: TreeState): TreeState {
  return { ...s, ui: { ...s.ui, overlay: s.ui.overlay?.kind === 'help' ? null : { kind: 'help', scroll: 0 } } };
}

/** A key while the key list is open. */
export function helpKey(s: TreeState, full: string): TreeState {
  const o = s.ui.overlay;
  if (o?.kind !== 'help') return s;
  switch (full) {
    case 'escape':
    case 'q':
    case '?':
    case 'S-/':
      return { ...s, ui: { ...s.ui, overlay: null } };
    case 'up':
      return { ...s, ui: { ...s.ui, overlay: { kind: 'help', scroll: Math.max(0, o.scroll - 1) } } };
    case 'down':
      return { ...s, ui: { ...s.ui, overlay: { kind: 'help', scroll: Math.min(HELP.length - 1, o.scroll + 1) } } };
    default:
      return s;
  }
}
