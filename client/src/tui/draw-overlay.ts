/**
 * Draws the overlays of memtree's view keys over the tree pane (the key list of `?`, the thread
 * picker of `t`) and the footer's view status (search, notice, active filters).
 */
import { sanitize } from '../format/label.js';
import type { Grid } from './cells.js';
import { HELP } from './help-overlay.js';
import type { Rect } from './layout.js';
import { STYLES } from './palette.js';
import { searchStatus } from './search-model.js';
import { pickerLines } from './thread-picker.js';
import type { TreeState } from './tree-state.js';
import { activeFilters } from './view-stack.js';
import { threadsNeedKey } from './view-state.js';
import { stringWidth } from './wcwidth.js';

/** A framed box over `rect`: title, lines from `scroll` (the `cursor` line highlighted), keys at the bottom. */
function drawBox(grid: Grid, rect: Rect, title: string, lines: readonly string[], keys: string, cursor: number, scroll: number): void {
  if (rect.width < 8 || rect.height < 4) return;
  grid.fill(rect.x, rect.y, rect.width, rect.height);
  const inner = rect.width - 4;
  const bar = '─'.repeat(Math.max(0, rect.width - 2));
  grid.text(rect.x, rect.y, `┌${bar}┐`, STYLES.border);
  grid.text(rect.x, rect.y + rect.height - 1, `└${bar}┘`, STYLES.border);
  for (let y = rect.y + 1; y < rect.y + rect.height - 1; y++) {
    grid.text(rect.x, y, '│', STYLES.border);
    grid.text(rect.x + rect.width - 1, y, '│', STYLES.border);
  }
  grid.text(rect.x + 2, rect.y + 1, title, STYLES.bold, inner);
  grid.text(rect.x + 2, rect.y + rect.height - 2, keys, STYLES.muted, inner);
  const room = rect.height - 5;
  const first = Math.max(0, Math.min(scroll, lines.length - room));
  lines.slice(first, first + room).forEach((line, i) => {
    const at = first + i;
    const style = at === cursor ? STYLES.cursor : STYLES.plain;
    if (at === cursor) grid.fill(rect.x + 1, rect.y + 3 + i, rect.width - 2, 1, style);
    grid.text(rect.x + 2, rect.y + 3 + i, line, style, inner);
  });
}

/** The open overlay, if any, over the tree pane. */
export function drawOverlay(grid: Grid, pane: Rect, s: TreeState): void {
  const o = s.ui.overlay;
  if (o === null) return;
  if (o.kind === 'help') {
    const keyWidth = Math.max(...HELP.map(([k]) => stringWidth(k)));
    const lines = HELP.map(([k, what]) => (k === '' ? `— ${what} —` : `${k}${' '.repeat(keyWidth - stringWidth(k))}  ${what}`));
    drawBox(grid, pane, 'Keys', lines, '↑/↓ scroll  Esc, ? or q close', -1, o.scroll);
    return;
  }
  const { title, rows, keys } = pickerLines(o.picker, s.failures.get(threadsNeedKey(s.generation)));
  const cursor = o.picker.threads === null ? -1 : o.picker.cursor;
  const scroll = Math.max(0, cursor - (pane.height - 6));
  drawBox(grid, pane, title, rows.map(sanitize), keys, cursor, scroll);
}

/** The footer's view status: the search line or a notice, then the active filters. */
export function viewStatus(s: TreeState): string {
  const left = s.ui.message ?? searchStatus(s);
  const filters = activeFilters(s);
  const back = s.ui.stack.length > 0 ? '⌫ back' : '';
  return [left, filters, back].filter((x) => x !== '').join('  ·  ');
}
