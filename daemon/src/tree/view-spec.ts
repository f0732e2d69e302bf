/**
 * From a view's options (protocol ViewOptions or CLI flags) to the engine's TreeSpec: patterns
 * compiled (PatternError on a bad one), threads deduplicated and sorted, and the key a cache
 * stores the built tree under.
 */
import type { ViewFilter } from '../../../protocol/src/display.js';
import type { DocumentView } from '../../../protocol/src/tree-document.js';
import type { RecordFilters } from '../../../protocol/src/tree.js';
import { compilePattern } from '../../../protocol/src/pattern.js';
import type { TreeSpec } from './view-engine.js';

export const PATTERN_FIELDS = ['focus', 'ignore', 'showFrom', 'hide'] as const;

/** The engine's spec of a view; throws PatternError. */
export function treeSpec(f: RecordFilters & ViewFilter, biggestAllocs: number): TreeSpec {
  const re = (field: (typeof PATTERN_FIELDS)[number]): RegExp | undefined => {
    const src = f[field];
    return src === undefined || src === '' ? undefined : compilePattern(field, src);
  };
  const inverted = f.inverted === true;
  return {
    threads: [...new Set(f.threads ?? [])].sort(),
    focus: re('focus'),
    ignore: re('ignore'),
    showFrom: re('showFrom'),
    hide: re('hide'),
    inverted,
    cutImports: inverted && f.hideImportSystem,
    biggestAllocs,
  };
}

/** What identifies a built tree (display toggles excluded, except `i` of inverted trees). */
export function treeKey(s: TreeSpec): string {
  return JSON.stringify([s.threads, s.focus?.source, s.ignore?.source, s.showFrom?.source, s.hide?.source, s.inverted, s.cutImports, s.biggestAllocs]);
}

/** The view a document records. */
export function documentView(f: RecordFilters & ViewFilter): DocumentView {
  const s = (v: string | undefined) => (v === undefined || v === '' ? null : v);
  return {
    threads: [...new Set(f.threads ?? [])].sort(),
    focus: s(f.focus),
    ignore: s(f.ignore),
    showFrom: s(f.showFrom),
    hide: s(f.hide),
    inverted: f.inverted === true,
    hideImportSystem: f.hideImportSystem,
    hideUninteresting: f.hideUninteresting,
  };
}
