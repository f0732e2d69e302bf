/**
 * memtree's own keys (issue 10) on top of memray's: `/` `n` `N` Esc search, `f` `x` Backspace
 * the view stack, `t` threads, `v` inverted, `l` `p` `m` modes, `?` the key list; and the
 * answers their requests bring. tree-model.ts's reduce() hands these actions here.
 */
import type { TreeElidedResult } from '../../../protocol/src/elided.js';
import type { ThreadTotals } from '../../../protocol/src/threads.js';
import type { TreeSearchResult } from '../../../protocol/src/tree.js';
import { elidedLoaded } from './elided-rows.js';
import { helpKey, toggleHelp } from './help-overlay.js';
import { clearSearch, editSearch, searchLoaded, startSearch, stepMatch } from './search-model.js';
import { openThreadPicker, pickerKey, threadsLoaded } from './thread-picker.js';
import type { TreeState } from './tree-state.js';
import { focusCursor, hideCursor, popView, switchMode, toggleInverted } from './view-stack.js';

/** The actions of memtree's view keys and of their answers. */
export type ViewAction =
  /** A key as neo-blessed names it (`key.full`) and the character typed, if any. */
  | { readonly type: 'viewKey'; readonly full: string; readonly ch?: string }
  | { readonly type: 'searchLoaded'; readonly generation: number; readonly query: string; readonly result: TreeSearchResult }
  | { readonly type: 'threadsLoaded'; readonly generation: number; readonly threads: readonly ThreadTotals[] }
  | { readonly type: 'elidedLoaded'; readonly generation: number; readonly result: TreeElidedResult };

/** Keys this file handles when nothing (search typing, an overlay) takes every key. */
export const VIEW_KEYS: ReadonlySet<string> = new Set(['/', 'n', 'S-n', 'escape', 'f', 'x', 'backspace', 't', 'v', 'l', 'p', 'm', '?']);

/** Whether every key goes to memtree's keys now (a query is typed, or an overlay is open). */
export function capturesKeys(s: TreeState): boolean {
  return s.ui.overlay !== null || s.ui.search?.editing === true;
}

/** The next state for a view action; `s` itself when nothing changed. */
export function reduceView(s: TreeState, a: ViewAction): TreeState {
  switch (a.type) {
    case 'viewKey': {
      // A notice lasts until the next key.
      const base = s.ui.message === null ? s : { ...s, ui: { ...s.ui, message: null } };
      const next = onViewKey(base, a.full, a.ch);
      return next === base ? s : next;
    }
    case 'searchLoaded':
      return a.generation === s.generation ? searchLoaded(s, a.query, a.result) : s;
    case 'threadsLoaded':
      return a.generation === s.generation ? threadsLoaded(s, a.threads) : s;
    case 'elidedLoaded':
      return a.generation === s.generation ? elidedLoaded(s, a.result) : s;
  }
}

function onViewKey(s: TreeState, full: string, ch: string | undefined): TreeState {
  const o = s.ui.overlay;
  if (o?.kind === 'help') return helpKey(s, full);
  if (o?.kind === 'threads') return pickerKey(s, full);
  const typed = editSearch(s, full, ch);
  if (typed !== undefined) return typed;
  switch (full) {
    case '/':
      return startSearch(s);
    case 'n':
      return stepMatch(s, 1);
    case 'S-n':
      return stepMatch(s, -1);
    case 'escape':
      return clearSearch(s);
    case 'f':
      return focusCursor(s);
    case 'x':
      return hideCursor(s);
    case 'backspace':
      return popView(s);
    case 't':
      return openThreadPicker(s);
    case 'v':
      return toggleInverted(s);
    case 'l':
      return switchMode(s, 'leaks');
    case 'p':
      return switchMode(s, 'peak');
    case 'm':
      return switchMode(s, 'temporary');
    case '?':
      return toggleHelp(s);
    default:
      return s;
  }
}
