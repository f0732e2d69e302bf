// Plain-text and segmented tree-row labels (tree-reporter.md §3.3 and §3.7). A colourising
// view styles the segments; the plain string is always their concatenation, which is what
// acceptance tests compare against memray's labels.

import type { NodeFacts } from '../../../protocol/src/tree-document.js';
import { elidedGradientIndex, gradientIndex } from './gradient.js';
import { formatPosition } from './module-name.js';
import { formatPercent, sizeFmt } from './size.js';
import { formatCount } from './count.js';

/** 📂 when the row has displayed children (always for the root), 📄 otherwise. */
export type NodeIcon = 'folder' | 'file';

/** Glyphs of the row icons; each is two terminal cells wide. */
export const ICONS = { folder: '\u{1F4C2}', file: '\u{1F4C4}', elided: '\u2753' } as const;

/** The label memray shows for a node (or root) whose value is 0. */
export const NO_ALLOCATIONS = '<No allocations>';

/** Label parts in display order; join them with joinLabel. */
export interface LabelSegments {
  /** Which label shape this is, so the view knows how to style `text`. */
  readonly kind: 'node' | 'empty' | 'elided';
  /** '📂', '📄', '❓', or '' for the `<No allocations>` label. Default style. */
  readonly icon: string;
  /** Coloured segment including its surrounding spaces, e.g. ' 1.024kB (100.00 %) '. */
  readonly sizeText: string;
  /** Gradient index (0..100) colouring sizeText; null means default colour. */
  readonly colorIndex: number | null;
  /** Function name, bold ('' for empty and elided labels). */
  readonly fn: string;
  /** Code position, dim cyan, without the two separating spaces ('' when absent). */
  readonly position: string;
  /** Unstyled trailing text: `<No allocations>` or the ❓ message ('' for nodes). */
  readonly text: string;
}

/** Input of nodeLabel / nodeLabelSegments. */
export interface NodeLabelInput {
  readonly icon: NodeIcon;
  /** Inclusive bytes of the node. */
  readonly bytes: number;
  /** Root total that percentages and colours are relative to. */
  readonly total: number;
  /** Function name (`<ROOT>` for the root). */
  readonly fn: string;
  /** Output of formatPosition ('' for the root). */
  readonly position: string;
}

/** Input of the ❓ labels: the elided-locations summary. */
export interface ElidedLabelInput {
  /** Bytes of the elided records. */
  readonly bytes: number;
  /** Sum of the elided records' allocation counts. */
  readonly allocations: number;
  /** Number of elided records (distinct stacks). */
  readonly locations: number;
}

const EMPTY_SEGMENTS: LabelSegments = {
  kind: 'empty',
  icon: '',
  sizeText: '',
  colorIndex: null,
  fn: '',
  position: '',
  text: NO_ALLOCATIONS,
};

/** Segments of a node row: icon, coloured size/percent, bold function, dim position. */
export function nodeLabelSegments(input: NodeLabelInput): LabelSegments {
  if (input.bytes === 0) return EMPTY_SEGMENTS;
  return {
    kind: 'node',
    icon: ICONS[input.icon],
    sizeText: ` ${sizeFmt(input.bytes)} (${formatPercent(input.bytes, input.total)} %) `,
    colorIndex: gradientIndex(input.bytes, input.total),
    fn: input.fn,
    position: input.position,
    text: '',
  };
}

/**
 * Replaces control characters (C0, DEL, C1) with U+FFFD: names and source lines come from
 * the capture and must never move a terminal's cursor or start an escape sequence.
 */
export function sanitize(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\uFFFD');
}

/** How a tree row shows its node (tree-reporter.md 3.3). */
export interface TreeRowLabelInput {
  /** The root: 📂 always, no position. */
  readonly isRoot: boolean;
  /** Whether the node has displayed children (📂) or not (📄). */
  readonly hasChildren: boolean;
  /** Root total that percentages and colours are relative to. */
  readonly total: number;
  /** Shortens a file name to a module name (the capture's sys.path). */
  readonly moduleName: (file: string) => string;
}

/**
 * Segments of a node's tree row, printed (`--print`) or interactive alike, with the names
 * from the capture sanitized.
 */
export function treeRowLabel(n: Pick<NodeFacts, 'function' | 'file' | 'line' | 'bytes'>, o: TreeRowLabelInput): LabelSegments {
  return nodeLabelSegments({
    icon: o.isRoot || o.hasChildren ? 'folder' : 'file',
    bytes: n.bytes,
    total: o.total,
    fn: sanitize(n.function),
    position: o.isRoot ? '' : sanitize(formatPosition(n.file, n.line, o.moduleName)),
  });
}

/** Plain node label, e.g. `📂 1.024kB (100.00 %) grandparent  fun.py:4`. */
export function nodeLabel(input: NodeLabelInput): string {
  return joinLabel(nodeLabelSegments(input));
}

/** The ❓ message shared by both elided variants. */
function elidedMessage({ allocations, locations }: ElidedLabelInput): string {
  return `${formatCount(allocations)} allocations from ${formatCount(locations)} locations below the configured threshold`;
}

/** Segments of memray 1.20's ❓ row, whose bytes are part of `total`. */
export function elidedLabelSegments(input: ElidedLabelInput & { readonly total: number }): LabelSegments {
  return {
    kind: 'elided',
    icon: ICONS.elided,
    sizeText: ` ${sizeFmt(input.bytes)} (${formatPercent(input.bytes, input.total)} %) `,
    colorIndex: elidedGradientIndex(input.bytes, input.total),
    fn: '',
    position: '',
    text: elidedMessage(input),
  };
}

/** memray 1.20's ❓ label, e.g. `❓ 501.304MB (98.01 %) 990 allocations from 990 locations …`. */
export function elidedLabel(input: ElidedLabelInput & { readonly total: number }): string {
  return joinLabel(elidedLabelSegments(input));
}

/**
 * Segments of memtree's ❓ row. memtree's root total counts only the shown allocations, so
 * the elided bytes are no share of it: no percentage, and no gradient colour either (a
 * share-based colour would be meaningless).
 */
export function elidedLabelExcludedSegments(input: ElidedLabelInput): LabelSegments {
  return {
    kind: 'elided',
    icon: ICONS.elided,
    sizeText: ` ${sizeFmt(input.bytes)} `,
    colorIndex: null,
    fn: '',
    position: '',
    text: `${elidedMessage(input)} (not included in the total)`,
  };
}

/** memtree's ❓ label, e.g. `❓ 501.304MB 990 allocations from 990 locations … (not included in the total)`. */
export function elidedLabelExcluded(input: ElidedLabelInput): string {
  return joinLabel(elidedLabelExcludedSegments(input));
}

/** Concatenates segments into the plain label; the position gets its two-space separator. */
export function joinLabel(s: LabelSegments): string {
  return s.icon + s.sizeText + s.fn + (s.position === '' ? '' : `  ${s.position}`) + s.text;
}
