/**
 * The visible rows of the tree (tree-reporter.md 3.2, 3.3, 3.7): guides, arrows and labels,
 * children largest first, the ❓ row last under the root. Pure functions of the state.
 */
import { elidedLabelExcludedSegments, joinLabel, sanitize, treeRowLabel, type LabelSegments } from '../format/label.js';
import { formatCount } from '../format/count.js';
import {
  ELIDED_KEY,
  ROOT_ID,
  displayedCount,
  isExpandable,
  moreInfo,
  moreKey,
  nodeKey,
  rootOf,
  type RowKey,
  type TreeData,
  type TreeState,
} from './tree-state.js';
import { stringWidth, truncateToWidth } from './wcwidth.js';
import { elidedRowLabel, elidedRows } from './elided-rows.js';
import { matchIds } from './search-model.js';

/** The structure of a row, independent of width and cursor. */
export interface FlatRow {
  readonly key: RowKey;
  /** `more`: the not yet loaded children of `id` (a "loading"/"N more" row). */
  readonly kind: 'root' | 'node' | 'elided' | 'more' | 'elidedItem' | 'elidedMore';
  /** The node's id; for `more` rows the parent's; -1 for ❓; under ❓ the location's index (elided-rows.ts). */
  readonly id: number;
  readonly depth: number;
  /** Guides: ancestors' continuations ("│   " / "    ") then "├── " or "└── " (empty for the root). */
  readonly guides: string;
}

/** A row as the view draws it. */
export interface Row extends FlatRow {
  /** How many trailing 4-cell guide groups lie inside the cursor's subtree (accent colour, 3.2). */
  readonly accentGuides: number;
  readonly arrow: '' | '▼ ' | '▶ ';
  /** Label parts; for `more` rows kind 'empty' with the message in `text`. */
  readonly label: LabelSegments;
  /** guides + arrow + label, cut to the requested width. */
  readonly text: string;
  readonly cursor: boolean;
  /** A match of the current search (highlighted). */
  readonly match: boolean;
}

const cache = new WeakMap<TreeData, WeakMap<ReadonlySet<number>, FlatRow[]>>();
/** Row key → index, per rows array (built on the first lookup: keys are looked up several times per key press). */
const indexes = new WeakMap<readonly FlatRow[], Map<RowKey, number>>();

/** All visible rows, top to bottom (memoised: the same data and expanded set give the same array). */
export function flatRows(s: TreeState): readonly FlatRow[] {
  let byExpanded = cache.get(s.data);
  if (byExpanded === undefined) cache.set(s.data, (byExpanded = new WeakMap()));
  let rows = byExpanded.get(s.expanded);
  if (rows === undefined) {
    rows = flatten(s);
    byExpanded.set(s.expanded, rows);
  }
  return rows;
}

function flatten(s: TreeState): FlatRow[] {
  const { data, expanded } = s;
  if (rootOf(data) === null) return [];
  const out: FlatRow[] = [{ key: nodeKey(ROOT_ID), kind: 'root', id: ROOT_ID, depth: 0, guides: '' }];
  if (!expanded.has(ROOT_ID)) return out;
  // Explicit stack instead of recursion: trees are up to 402 levels deep and pages can be long.
  interface Frame {
    readonly id: number;
    readonly prefix: string;
    readonly depth: number;
    i: number;
  }
  const stack: Frame[] = [{ id: ROOT_ID, prefix: '', depth: 1, i: 0 }];
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    const page = data.children.get(f.id);
    const ids = page?.ids ?? [];
    // Before its first page arrives the root always gets a loading row: its count may be stale
    // right after a filter toggle.
    const more = page === undefined ? f.id === ROOT_ID || displayedCount(s, f.id) > 0 : ids.length < page.total;
    const elided = f.id === ROOT_ID && data.elided.locations > 0;
    if (f.i < ids.length) {
      const id = ids[f.i++]!;
      const last = f.i === ids.length && !more && !elided;
      out.push({ key: nodeKey(id), kind: 'node', id, depth: f.depth, guides: f.prefix + (last ? '└── ' : '├── ') });
      if (expanded.has(id) && displayedCount(s, id) > 0) {
        stack.push({ id, prefix: f.prefix + (last ? '    ' : '│   '), depth: f.depth + 1, i: 0 });
      }
      continue;
    }
    if (more) out.push({ key: moreKey(f.id), kind: 'more', id: f.id, depth: f.depth, guides: f.prefix + (elided ? '├── ' : '└── ') });
    if (elided) {
      out.push({ key: ELIDED_KEY, kind: 'elided', id: -1, depth: 1, guides: '└── ' });
      for (const e of elidedRows(s)) out.push({ key: e.key, kind: e.kind, id: e.id, depth: 2, guides: e.last ? '    └── ' : '    ├── ' });
    }
    stack.pop();
  }
  return out;
}

/** Index of a row key among the visible rows, or -1. */
export function rowIndex(s: TreeState, key: RowKey): number {
  const rows = flatRows(s);
  let index = indexes.get(rows);
  if (index === undefined) {
    index = new Map(rows.map((r, i) => [r.key, i]));
    indexes.set(rows, index);
  }
  return index.get(key) ?? -1;
}

function moreText(s: TreeState, parent: number): string {
  const m = moreInfo(s, parent);
  if (m.kind === 'failed') return `⚠ could not load children: ${sanitize(m.message)}`;
  if (m.kind === 'loading') return '⋯ loading';
  return `⋯ ${formatCount(m.left)} more`;
}

const MORE_LABEL = { kind: 'empty', icon: '', sizeText: '', colorIndex: null, fn: '', position: '' } as const;

/** Label segments of a flat row. */
function rowLabel(s: TreeState, r: FlatRow): LabelSegments {
  const { data, config } = s;
  if (r.kind === 'elided') return elidedLabelExcludedSegments(data.elided);
  if (r.kind === 'more') return { ...MORE_LABEL, text: moreText(s, r.id) };
  if (r.kind === 'elidedItem' || r.kind === 'elidedMore') return elidedRowLabel(s, { kind: r.kind, id: r.id });
  const root = rootOf(data)!;
  const isRoot = r.kind === 'root';
  return treeRowLabel(isRoot ? root : data.nodes.get(r.id)!, {
    isRoot,
    hasChildren: displayedCount(s, r.id) > 0,
    total: root.bytes,
    moduleName: config.moduleName,
  });
}

/** Where the cursor row's label starts and its function name ends, in columns from the pane's left edge. */
export function cursorSpan(s: TreeState): { start: number; fnEnd: number } | undefined {
  const at = rowIndex(s, s.cursor);
  if (at < 0) return undefined;
  const row = rowWindow(s, Infinity, at, 1)[0]!;
  const l = row.label;
  const start = stringWidth(row.guides) + stringWidth(row.arrow);
  const head = stringWidth(l.icon) + stringWidth(l.sizeText) + stringWidth(l.fn);
  return { start, fnEnd: start + (head > 0 ? head : stringWidth(l.text)) };
}

/** Rows `start` .. `start + count - 1` as drawn `width` cells wide. */
export function rowWindow(s: TreeState, width: number, start: number, count: number): Row[] {
  const all = flatRows(s);
  const cursorAt = rowIndex(s, s.cursor);
  const cursorDepth = cursorAt >= 0 ? all[cursorAt]!.depth : 0;
  // The cursor's subtree is the run of deeper rows right after it.
  let subtreeEnd = cursorAt;
  if (cursorAt >= 0) while (subtreeEnd + 1 < all.length && all[subtreeEnd + 1]!.depth > cursorDepth) subtreeEnd++;
  const out: Row[] = [];
  const matches = matchIds(s);
  const end = Math.min(all.length, start + count);
  for (let i = Math.max(0, start); i < end; i++) {
    const r = all[i]!;
    const label = rowLabel(s, r);
    const arrow = r.kind === 'root' || r.kind === 'node' ? (isExpandable(s, r.id) ? (s.expanded.has(r.id) ? '▼ ' : '▶ ') : '') : '';
    out.push({
      ...r,
      accentGuides: i > cursorAt && i <= subtreeEnd ? r.depth - cursorDepth : 0,
      arrow,
      label,
      text: truncateToWidth(r.guides + arrow + joinLabel(label), width),
      cursor: i === cursorAt,
      match: (r.kind === 'node' || r.kind === 'root') && matches.has(r.id),
    });
  }
  return out;
}

/** Every visible row, `width` cells wide. */
export function rows(s: TreeState, width: number): Row[] {
  return rowWindow(s, width, 0, flatRows(s).length);
}
