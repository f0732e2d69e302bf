/**
 * The ❓ row opened: the locations `-b` left out (tree/elided), biggest first, one leaf row
 * each, loaded a page at a time as the cursor gets near the end (a "more" row). Pure.
 */
import type { TreeElidedResult } from '../../../protocol/src/elided.js';
import { sanitize, type LabelSegments } from '../format/label.js';
import { formatCount } from '../format/count.js';
import { formatPosition } from '../format/module-name.js';
import { sizeFmt } from '../format/size.js';
import { ELIDED_ID, type RowKey, type TreeState } from './tree-state.js';
import { elidedNeedKey } from './view-state.js';

/** Row key of the i-th left-out location. */
export const elidedItemKey = (i: number): RowKey => `e${i}`;
/** Row key of the not yet loaded rest of them. */
export const ELIDED_MORE_KEY: RowKey = 'emore';

/** What the flat rows need of a row under ❓ (tree-rows.ts makes FlatRows of these). */
export interface ElidedRow {
  readonly key: RowKey;
  readonly kind: 'elidedItem' | 'elidedMore';
  /** Index of the location (elidedItem), or how many are loaded (elidedMore). */
  readonly id: number;
  readonly last: boolean;
}

/** The rows under the ❓ row: none while it is closed. */
export function elidedRows(s: TreeState): ElidedRow[] {
  if (!s.expanded.has(ELIDED_ID) || s.data.elided.locations === 0) return [];
  const page = s.data.elidedPage;
  const loaded = page?.locations.length ?? 0;
  const more = page === undefined || loaded < page.total;
  const out: ElidedRow[] = [];
  for (let i = 0; i < loaded; i++) out.push({ key: elidedItemKey(i), kind: 'elidedItem', id: i, last: !more && i === loaded - 1 });
  if (more) out.push({ key: ELIDED_MORE_KEY, kind: 'elidedMore', id: loaded, last: true });
  return out;
}

/** Enter / Space / → on ❓: open (or close) the list; ← closes it. */
export function toggleElided(s: TreeState, key: 'toggle' | 'right' | 'left'): TreeState {
  const open = s.expanded.has(ELIDED_ID);
  if (key === 'right' && open) return s;
  if (key === 'left' && !open) return s;
  const expanded = new Set(s.expanded);
  if (open) expanded.delete(ELIDED_ID);
  else expanded.add(ELIDED_ID);
  return { ...s, expanded };
}

/** A page of left-out locations arrived (appended when it follows the loaded ones). */
export function elidedLoaded(s: TreeState, r: TreeElidedResult): TreeState {
  const page = s.data.elidedPage;
  const loaded = page?.locations.length ?? 0;
  if (r.offset !== loaded) return s;
  const locations = [...(page?.locations ?? []), ...r.locations];
  // A source that reports more than it delivers would otherwise be asked forever.
  const total = r.locations.length === 0 ? locations.length : Math.max(r.total, locations.length);
  return { ...s, data: { ...s.data, elidedPage: { locations, total } } };
}

/** The next page wanted: the first when opened, later ones when the "more" row is near the viewport. */
export function elidedNeed(s: TreeState, rowIndexOfMore: number): { key: string; offset: number } | undefined {
  if (rowIndexOfMore < 0 || s.failures.has(elidedNeedKey(s.generation, s.data.elidedPage?.locations.length ?? 0))) return undefined;
  const offset = s.data.elidedPage?.locations.length ?? 0;
  const near = rowIndexOfMore >= s.scroll - s.config.prefetchRows && rowIndexOfMore <= s.scroll + s.viewport.treeRows + s.config.prefetchRows;
  if (offset > 0 && !near) return undefined;
  return { key: elidedNeedKey(s.generation, offset), offset };
}

/** The label of a row under ❓: a leaf row for a location (its allocating frame, bytes, thread), or "more". */
export function elidedRowLabel(s: TreeState, r: { kind: 'elidedItem' | 'elidedMore'; id: number }): LabelSegments {
  const page = s.data.elidedPage;
  if (r.kind === 'elidedMore') {
    const failed = s.failures.get(elidedNeedKey(s.generation, r.id));
    const text =
      failed !== undefined ? `⚠ could not load locations: ${sanitize(failed)}` : page === undefined ? '⋯ loading' : `⋯ ${formatCount(page.total - r.id)} more`;
    return { kind: 'empty', icon: '', sizeText: '', colorIndex: null, fn: '', position: '', text };
  }
  const l = page!.locations[r.id]!;
  const thread = l.thread === '' ? '' : `  ${sanitize(l.thread)}`;
  return {
    kind: 'node',
    icon: '📄',
    sizeText: ` ${sizeFmt(l.bytes)} `,
    colorIndex: null,
    fn: l.function === '' ? '<no frames>' : sanitize(l.function),
    position: l.function === '' ? '' : sanitize(formatPosition(l.file, l.line, s.config.moduleName)) + thread,
    text: '',
  };
}

/** Detail panel labels of a left-out location. */
export function elidedItemLabels(s: TreeState, i: number): string[] {
  const l = s.data.elidedPage?.locations[i];
  if (l === undefined) return [];
  return [
    `🧭 Function: ${sanitize(l.function === '' ? '<no frames>' : l.function)}`,
    ...(l.function === '' ? [] : [`🧭 Location: ${sanitize(formatPosition(l.file, l.line, s.config.moduleName))}`]),
    `💾 Allocations: ${formatCount(l.allocations)}`,
    `📦 Size: ${sizeFmt(l.bytes)}`,
    ...(l.thread === '' ? [] : [`🧵 Thread: ${sanitize(l.thread)}`]),
    `A location -b left out: its stack has ${formatCount(l.depth)} frames; this is its allocating frame.`,
  ];
}
