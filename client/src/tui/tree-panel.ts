/**
 * Text of the detail panel, footer and header (tree-reporter.md 3.10, 3.11), derived from the
 * state. Unlike memray at start-up (whose panel shows zeros until the cursor moves: a quirk
 * the spec lets a port drop), the panel always describes the cursor row.
 */
import type { SourceAttempt } from '../../../protocol/src/node.js';
import { sanitize } from '../format/label.js';
import { formatPosition } from '../format/module-name.js';
import { formatCount } from '../format/count.js';
import { sizeFmt } from '../format/size.js';
import { summaryLine } from '../print/print-tree.js';
import { rangeWhat } from './chart-strip.js';
import { elidedItemLabels } from './elided-rows.js';
import { flatRows, rowIndex } from './tree-rows.js';
import { ROOT_ID, moreInfo, rootOf, type TreeState } from './tree-state.js';
import type { WorkProgress } from './tree-source.js';
import { formatDuration } from '../format/duration.js';

/** Source lines as the code pane shows them. */
export interface CodeWindow {
  /** 1-based number of `lines[0]`. */
  readonly firstLine: number;
  readonly lines: readonly string[];
  /** Index in `lines` of the frame's line (the marked one). */
  readonly mark: number;
}

/** What the right-hand column shows for the cursor row. */
export interface PanelData {
  /** Label paragraphs, top to bottom; a paragraph may be wrapped by the view. */
  readonly labels: readonly string[];
  /** null: empty code pane (root, ❓, `<frozen …>` names, line 0, unreadable files). */
  readonly code: CodeWindow | null;
  /** With no code: where the file was looked for, one paragraph per line (the view wraps them). */
  readonly codeNote?: readonly string[];
  /** The source lines are still being read. */
  readonly loading: boolean;
}

/** memray's ❓ explanation, with memtree's note that these bytes are outside the total. */
function elidedExplanation(cutoff: number): string[] {
  return [
    `Only the top ${formatCount(cutoff)} allocation locations are shown in the tree. Allocation locations which individually contributed too little to meet the threshold are summarized here.`,
    'You can adjust this threshold to include more allocation locations by rerunning this reporter with a larger --biggest-allocs value.',
    'These allocations are not included in the total of the tree.',
  ];
}

/**
 * The window of 3.10 within the lines we have: file lines max(L-d,0)+1 .. L+d with
 * d = floor(h/2), the frame's line L marked (just above the middle).
 */
export function codeWindow(firstLine: number, lines: readonly string[], line: number, height: number): CodeWindow | null {
  const d = Math.floor(height / 2);
  if (d <= 0 || line < firstLine || line >= firstLine + lines.length) return null;
  const start = Math.max(Math.max(line - d, 0) + 1, firstLine);
  const end = Math.min(line + d, firstLine + lines.length - 1);
  return { firstLine: start, lines: lines.slice(start - firstLine, end - firstLine + 1), mark: line - start };
}

/** Panel contents for the cursor row. */
export function panel(s: TreeState): PanelData {
  const row = flatRows(s)[rowIndex(s, s.cursor)];
  const { data } = s;
  const root = rootOf(data);
  const none: PanelData = { labels: [], code: null, loading: false };
  if (row === undefined || root === null) return none;
  if (row.kind === 'elided') {
    const e = data.elided;
    // The numbers first (memray puts them last): on small terminals the explanation is what
    // gets cut, not what the row is about.
    return { ...none, labels: [`💾 Allocations: ${formatCount(e.allocations)}`, `📦 Size: ${sizeFmt(e.bytes)}`, ...elidedExplanation(s.view.biggestAllocs)] };
  }
  if (row.kind === 'elidedItem') return { ...none, labels: elidedItemLabels(s, row.id) };
  if (row.kind === 'elidedMore') return { ...none, labels: ['More locations -b left out load as the cursor gets near.'] };
  if (row.kind === 'more') {
    const m = moreInfo(s, row.id);
    if (m.kind === 'failed') return { ...none, labels: [`⚠ Could not load these children: ${sanitize(m.message)}`] };
    if (m.kind === 'loading') return { ...none, labels: ['Loading children…'] };
    return { ...none, labels: [`${formatCount(m.left)} more children load as the cursor gets near.`] };
  }
  const n = row.kind === 'root' ? root : data.nodes.get(row.id)!;
  const totals = [`💾 Allocations: ${formatCount(n.allocations)}`, `📦 Size: ${sizeFmt(n.bytes)}`];
  if (row.id === ROOT_ID) return { ...none, labels: totals };
  const labels = [
    `🧭 Function: ${sanitize(n.function)}`,
    `🧭 Location: ${sanitize(formatPosition(n.file, n.line, s.config.moduleName))}`,
    ...totals,
    ...(n.thread === '' ? [] : [`🧵 Thread: ${sanitize(n.thread)}`]),
  ];
  const cached = s.sources.get(n.id);
  const w = cached?.window;
  const code = w == null ? null : codeWindow(w.firstLine, w.lines, n.line, s.viewport.codeRows);
  const tried = cached?.tried ?? [];
  if (code !== null || tried.length === 0) return { labels, code, loading: cached === undefined };
  return { labels, code, loading: false, codeNote: sourceNotFound(n.file, tried) };
}

/** The code pane's text when the file was looked for and not found (or not usable). */
export function sourceNotFound(file: string, tried: readonly SourceAttempt[]): string[] {
  return [
    tried.some((t) => t.problem !== 'no such file') ? 'Source not shown; looked for:' : 'Source not found; looked for:',
    ...tried.map((t) => `${sanitize(t.path)} (${sanitize(t.problem)})`),
    `Another checkout of ${sanitize(file.split(/[\\/]/).pop() ?? file)}? memtree tree --source-root DIR`,
  ];
}

/** One footer binding: the key and what pressing it will do next. */
export interface FooterItem {
  readonly key: string;
  readonly label: string;
}

/** The footer of 3.11; `i` and `u` describe the action they will perform. */
export function footer(s: Pick<TreeState, 'view'>): FooterItem[] {
  return [
    { key: 'q', label: 'Quit the app' },
    { key: 'i', label: s.view.hideImportSystem ? 'Show import system' : 'Hide import system' },
    { key: 'u', label: s.view.hideUninteresting ? 'Show uninteresting' : 'Hide uninteresting' },
    { key: 'e', label: 'Expand linear group' },
  ];
}

/** The line above the tree: peak memory and how much of it the tree shows ('' until the root arrived). */
export function header(s: TreeState): string {
  const root = rootOf(s.data);
  if (root === null) return '';
  return summaryLine({
    mode: s.view.mode,
    biggestAllocs: s.view.biggestAllocs,
    peakMemory: s.data.peakMemory,
    shownBytes: root.bytes,
    elided: s.data.elided,
    formatNote: s.config.formatNote,
    ...(s.data.range === undefined ? {} : { what: rangeWhat(s.data.range, s.view.mode.kind) }),
  });
}

/** A short status for the footer's right end: loading, or the last failure. */
export function status(s: TreeState, pending: number): string {
  const failures = [...s.failures.values()];
  if (failures.length > 0) return `⚠ ${sanitize(failures[failures.length - 1]!)}`;
  return pending > 0 ? 'loading…' : '';
}

/**
 * The line above the tree while the tree waits for work memtreed reported (reading the capture
 * again for a mode's first use: seconds on a large capture), in place of the empty header of a
 * tree still to come; '' otherwise.
 */
export function waitingLine(s: TreeState, work: WorkProgress | undefined): string {
  if (work === undefined || rootOf(s.data) !== null) return '';
  // Under a second says nothing (and the read can be followed by work that reports no progress).
  const eta = work.etaMs === undefined || work.etaMs < 1000 ? '' : `, about ${formatDuration(work.etaMs)} left`;
  const what = work.ordering === true ? "reading the capture again for memray 1.19's record order" : 'reading the capture for this view';
  return `memtreed is ${what}: ${Math.floor(work.percent)} %${eta}`;
}
