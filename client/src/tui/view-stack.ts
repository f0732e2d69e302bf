/**
 * View changes and the view stack: `f` shows from the frame under the cursor, `x` hides frames
 * like it, `t` / `v` / `l` / `p` / `m` change threads, inversion and mode; each change keeps
 * the screen it leaves (rows, expansion, cursor, scroll) and Backspace returns to it as it was.
 * Pure functions of TreeState.
 */
import type { ViewOptions } from '../../../protocol/src/tree.js';
import { formatCount } from '../format/count.js';
import { ROOT_ID, emptyData, nodeKey, type TreeState } from './tree-state.js';
import { STACK_LIMIT } from './view-state.js';

/** `s` showing `view` from scratch (memray's start-up expansion), the screen it leaves kept for Backspace. */
export function changeView(s: TreeState, view: ViewOptions): TreeState {
  // Kept without its own stack: the stack holds each earlier screen once.
  const saved: TreeState = { ...s, ui: { ...s.ui, stack: [], overlay: null, message: null } };
  return {
    ...s,
    view,
    generation: s.generation + 1,
    data: emptyData(),
    expanded: new Set([ROOT_ID]),
    chain: { kind: 'first', at: ROOT_ID },
    cursor: nodeKey(ROOT_ID),
    restoring: null,
    scroll: 0,
    hscroll: 0,
    failures: new Map(),
    // Node ids are the new tree's: source lines cached by id belong to the old one.
    sources: new Map(),
    ui: { ...s.ui, stack: [...s.ui.stack, saved].slice(-STACK_LIMIT), search: null, overlay: null, reveal: null, message: null },
  };
}

/** Backspace: the screen before the last view change, as it was (its data and source lines are kept: nothing is asked again). */
export function popView(s: TreeState): TreeState {
  const prev = s.ui.stack[s.ui.stack.length - 1];
  if (prev === undefined) return { ...s, ui: { ...s.ui, message: 'No earlier view (Backspace undoes f, x, t, v, l, p, m)' } };
  return {
    ...prev,
    // Answers still on their way belong to the view being left: a new generation drops them.
    generation: s.generation + 1,
    config: s.config,
    viewport: s.viewport,
    failures: new Map(),
    quit: false,
    ui: { ...prev.ui, stack: s.ui.stack.slice(0, -1), overlay: null, message: null },
  };
}

/** A regular expression matching exactly `text` (as a function name). */
export function exactPattern(text: string): string {
  return `^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
}

/** The cursor's node, when the cursor is on a frame (not the root, ❓ or a "more" row). */
function cursorFrame(s: TreeState): { function: string } | undefined {
  if (!s.cursor.startsWith('n') || s.cursor === nodeKey(ROOT_ID)) return undefined;
  const n = s.data.nodes.get(Number(s.cursor.slice(1)));
  return n === undefined || n.function === '...' ? undefined : n;
}

function notice(s: TreeState, message: string): TreeState {
  return { ...s, ui: { ...s.ui, message } };
}

/** `f`: the tree from the frame under the cursor down (showFrom its function, docs/views.md). */
export function focusCursor(s: TreeState): TreeState {
  const n = cursorFrame(s);
  if (n === undefined) return notice(s, 'f: put the cursor on a frame to show the tree from it');
  return changeView(s, { ...s.view, showFrom: exactPattern(n.function) });
}

/** `x`: frames like the one under the cursor (its function) removed from every stack. */
export function hideCursor(s: TreeState): TreeState {
  const n = cursorFrame(s);
  if (n === undefined) return notice(s, 'x: put the cursor on a frame to hide frames like it');
  const re = exactPattern(n.function);
  const hide = s.view.hide === undefined || s.view.hide === '' ? re : `${s.view.hide}|${re}`;
  return changeView(s, { ...s.view, hide });
}

/** `v`: the callers view, or back to the callees view. */
export function toggleInverted(s: TreeState): TreeState {
  return changeView(s, { ...s.view, inverted: s.view.inverted !== true });
}

/** `t`'s choice: only these thread labels (none: every thread). */
export function chooseThreads(s: TreeState, threads: readonly string[]): TreeState {
  const now = [...(s.view.threads ?? [])].sort();
  const next = [...threads].sort();
  if (now.length === next.length && now.every((t, i) => t === next[i])) return { ...s, ui: { ...s.ui, overlay: null } };
  return changeView(s, { ...s.view, threads: next });
}

const MODE_NAMES = { peak: 'peak memory', leaks: 'leaks', temporary: 'temporary allocations' } as const;

/** `l` / `p` / `m`: leaks, peak, temporary allocations (the CLI's threshold, else 1), without restarting. */
export function switchMode(s: TreeState, kind: 'peak' | 'leaks' | 'temporary'): TreeState {
  if (s.view.mode.kind === kind) return notice(s, `Already showing ${MODE_NAMES[kind]}`);
  if (kind === 'temporary') {
    if (s.config.aggregated === true) {
      return notice(s, 'No temporary allocations: this is an aggregated capture (memray run --aggregate)');
    }
    // Time ranges apply to the peak and leaks modes only.
    const { range: _range, ...rest } = s.view;
    return changeView(s, { ...rest, mode: { kind, threshold: s.config.temporaryThreshold ?? 1 } });
  }
  return changeView(s, { ...s.view, mode: { kind } });
}

/** The view's record filters and mode for the footer, e.g. "leaks · show from ^main$ · inverted". */
export function activeFilters(s: TreeState): string {
  const v = s.view;
  const parts: string[] = [];
  if (v.mode.kind === 'leaks') parts.push('leaks');
  if (v.mode.kind === 'temporary') parts.push(`temporary (threshold ${formatCount(v.mode.threshold)})`);
  if (v.threads !== undefined && v.threads.length > 0) parts.push(`threads ${v.threads.join(', ')}`);
  if (v.focus) parts.push(`focus ${v.focus}`);
  if (v.ignore) parts.push(`ignore ${v.ignore}`);
  if (v.showFrom) parts.push(`show from ${v.showFrom}`);
  if (v.hide) parts.push(`hide ${v.hide}`);
  if (v.inverted === true) parts.push('inverted');
  return parts.join(' · ');
}
