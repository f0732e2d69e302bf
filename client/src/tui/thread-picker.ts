/**
 * `t`: the thread picker, a list of the snapshot's threads with their bytes (capture/threads),
 * ticked ones kept by the view's `threads` filter. ↑/↓ move, Space ticks, `a` ticks all or
 * none, Enter applies (nothing ticked: every thread), Esc closes. Pure functions of TreeState.
 */
import type { ThreadTotals } from '../../../protocol/src/threads.js';
import { formatCount } from '../format/count.js';
import { sizeFmt } from '../format/size.js';
import type { TreeState } from './tree-state.js';
import { chooseThreads } from './view-stack.js';
import type { ThreadPicker } from './view-state.js';

/** `t`: opens the picker with the view's threads ticked (the list is asked for, view-needs.ts). */
export function openThreadPicker(s: TreeState): TreeState {
  const picker: ThreadPicker = { threads: null, cursor: 0, selected: new Set(s.view.threads ?? []) };
  return { ...s, ui: { ...s.ui, overlay: { kind: 'threads', picker } } };
}

/** The picker, when open. */
export function threadPicker(s: TreeState): ThreadPicker | undefined {
  const o = s.ui.overlay;
  return o?.kind === 'threads' ? o.picker : undefined;
}

function withPicker(s: TreeState, picker: ThreadPicker): TreeState {
  return { ...s, ui: { ...s.ui, overlay: { kind: 'threads', picker } } };
}

/** capture/threads answered. */
export function threadsLoaded(s: TreeState, threads: readonly ThreadTotals[]): TreeState {
  const p = threadPicker(s);
  return p === undefined ? s : withPicker(s, { ...p, threads });
}

/** A key while the picker is open (every key is the picker's). */
export function pickerKey(s: TreeState, full: string): TreeState {
  const p = threadPicker(s)!;
  const list = p.threads ?? [];
  const move = (to: number): TreeState => withPicker(s, { ...p, cursor: Math.max(0, Math.min(list.length - 1, to)) });
  switch (full) {
    case 'escape':
    case 'q':
    case 't':
      return { ...s, ui: { ...s.ui, overlay: null } };
    case 'up':
      return move(p.cursor - 1);
    case 'down':
      return move(p.cursor + 1);
    case 'home':
      return move(0);
    case 'end':
      return move(list.length - 1);
    case 'space': {
      const label = list[p.cursor]?.label;
      if (label === undefined) return s;
      const selected = new Set(p.selected);
      if (!selected.delete(label)) selected.add(label);
      return withPicker(s, { ...p, selected });
    }
    case 'a':
      return withPicker(s, { ...p, selected: p.selected.size === list.length ? new Set() : new Set(list.map((t) => t.label)) });
    case 'enter':
      // Every thread ticked is no filter at all.
      return p.threads === null ? s : chooseThreads(s, p.selected.size === list.length ? [] : [...p.selected]);
    default:
      return s;
  }
}

/** The picker's lines: a title, one line per thread (tick, label, bytes, share, allocations) or why there are none, the keys. */
export function pickerLines(p: ThreadPicker, failed?: string): { title: string; rows: string[]; keys: string } {
  const list = p.threads;
  const title = 'Threads (the tree keeps the ticked ones; none ticked: all)';
  const keys = '↑/↓ move  Space tick  a all/none  Enter apply  Esc close';
  if (list === null) return { title, rows: [failed === undefined ? 'loading…' : `⚠ could not list the threads: ${failed}`], keys };
  const total = list.reduce((a, t) => a + t.bytes, 0);
  const rows = list.map((t) => {
    const pct = total === 0 ? '0.00' : ((100 * t.bytes) / total).toFixed(2);
    return `${p.selected.has(t.label) ? '[x]' : '[ ]'} ${sizeFmt(t.bytes).padStart(10)} (${pct.padStart(6)} %)  ${t.label}  ${formatCount(t.allocations)} allocations`;
  });
  return { title, rows: rows.length === 0 ? ['(no threads in this snapshot)'] : rows, keys };
}
