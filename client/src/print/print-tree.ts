/**
 * `memtree tree --print` (and `memtree tree x.bin | cat`): the tree printed once as text with
 * tree guides, in the interactive view's label format and default filters (uninteresting
 * frames spliced out, import system shown), every node expanded. Colour only on terminals.
 */
import { DEFAULT_FILTER, displayedChildren, type ViewFilter } from '../../../protocol/src/display.js';
import type { ElidedInfo, SnapshotMode, TreeDocument, TreeDocumentNode } from '../../../protocol/src/tree-document.js';
import { gradientColor } from '../format/gradient.js';
import { elidedLabelExcludedSegments, joinLabel, treeRowLabel, type LabelSegments } from '../format/label.js';
import { filenameToModuleName } from '../format/module-name.js';
import { formatPercent, sizeFmt } from '../format/size.js';
import { PALETTE } from '../tui/palette.js';
import { ansi } from './ansi.js';
import { formatCount } from '../format/count.js';

export interface PrintOptions {
  readonly color: boolean;
  /** Levels below the root to print (undefined: all). */
  readonly maxDepth?: number;
  readonly filter?: ViewFilter;
}

/** Module-name shortening against the traced process's sys.path (recorded in v13 headers). */
export function moduleNamer(searchPath: readonly string[]): (file: string) => string {
  const cache = new Map<string, string>();
  return (file) => {
    let m = cache.get(file);
    if (m === undefined) {
      // The paths are the traced machine's: they need not exist where the report is made.
      m = filenameToModuleName(file, searchPath, () => true);
      cache.set(file, m);
    }
    return m;
  };
}

function styled(s: LabelSegments, color: boolean): string {
  if (!color) return joinLabel(s);
  let out = s.icon;
  if (s.sizeText !== '') out += s.colorIndex === null ? s.sizeText : ansi.fg(gradientColor(s.colorIndex), s.sizeText);
  if (s.fn !== '') out += ansi.bold(s.fn);
  if (s.position !== '') out += '  ' + ansi.fg(PALETTE.position, s.position);
  return out + s.text;
}

/**
 * The note a summary line ends with for a capture in an older format, e.g. " · format 11
 * (memray 1.11-1.18)"; '' for the current format 13 (docs/capture-versions.md).
 */
export function formatNote(capture: { readonly formatVersion: number; readonly writtenBy?: string } | undefined): string {
  if (capture === undefined || capture.formatVersion >= 13 || capture.writtenBy === undefined) return '';
  return ` · format ${capture.formatVersion} (${capture.writtenBy})`;
}

/** What the summary line above a tree is made of (a TreeDocument, or the `tree/root` answer). */
export interface SummaryInput {
  readonly mode: SnapshotMode;
  readonly biggestAllocs: number;
  /** The capture's high-water mark in bytes. */
  readonly peakMemory: number;
  /** Bytes the tree shows (its root). */
  readonly shownBytes: number;
  /** What `-b` cut. */
  readonly elided: ElidedInfo;
  /** formatNote() of the capture ('' or absent for the current format). */
  readonly formatNote?: string;
  /** What the tree is of, instead of the mode's words (a range of memory snapshots: given the total). */
  readonly what?: (total: number) => string;
}

/** The summary line shown above a tree, printed or interactive. */
export function summaryLine(input: SummaryInput): string {
  const shown = input.shownBytes;
  const total = shown + input.elided.bytes;
  const pct = total === 0 ? '100.00' : formatPercent(shown, total);
  const what =
    input.what?.(total) ??
    (input.mode.kind === 'peak'
      ? `Peak memory: ${sizeFmt(input.peakMemory)}`
      : input.mode.kind === 'leaks'
        ? `Leaked (still allocated at exit): ${sizeFmt(total)}`
        : `Temporary allocations (threshold ${formatCount(input.mode.threshold)}): ${sizeFmt(total)}`);
  const locations = input.elided.locations === 0 ? 'all locations' : `the ${formatCount(input.biggestAllocs)} biggest locations`;
  return `${what}; the tree shows ${sizeFmt(shown)} (${pct} %) from ${locations}${input.formatNote ?? ''}`;
}

/** The summary line printed above the tree. */
function headerLine(doc: TreeDocument): string {
  return summaryLine({
    mode: doc.mode,
    biggestAllocs: doc.biggestAllocs,
    peakMemory: doc.capture.peakMemory,
    shownBytes: doc.root.bytes,
    elided: doc.elided,
    formatNote: formatNote(doc.capture),
  });
}

/** The printed lines (without trailing newlines). */
export function printTree(doc: TreeDocument, searchPath: readonly string[], opts: PrintOptions): string[] {
  const filter = opts.filter ?? DEFAULT_FILTER;
  const moduleName = moduleNamer(searchPath);
  const total = doc.root.bytes;
  const kids = (n: TreeDocumentNode): TreeDocumentNode[] => displayedChildren(n.children, (c) => c.children, filter);
  const lines: string[] = [headerLine(doc)];
  const label = (n: TreeDocumentNode, shownKids: number, isRoot: boolean): string =>
    styled(treeRowLabel(n, { isRoot, hasChildren: shownKids > 0, total, moduleName }), opts.color);
  const walk = (n: TreeDocumentNode, prefix: string, depth: number): void => {
    const shown = kids(n);
    const extra = depth === 0 && doc.elided.locations > 0 ? 1 : 0;
    if (opts.maxDepth !== undefined && depth >= opts.maxDepth) return;
    shown.forEach((c, i) => {
      const last = i === shown.length - 1 && extra === 0;
      const ck = kids(c);
      lines.push(`${prefix}${last ? '└── ' : '├── '}${label(c, ck.length, false)}`);
      walk(c, prefix + (last ? '    ' : '│   '), depth + 1);
    });
    if (extra === 1) {
      lines.push(`${prefix}└── ${styled(elidedLabelExcludedSegments(doc.elided), opts.color)}`);
    }
  };
  lines.push(label(doc.root, 1, true));
  walk(doc.root, '', 0);
  return lines;
}
