/**
 * The view's side of provisional trees (issue 13 item 3): whether the tree shown is one of a
 * capture still being indexed, its header mark ("provisional · 37 % read · "), and whether a
 * newer provisional tree may replace it: always, unless a key was pressed in the last few
 * seconds (the user is reading this one; the final tree replaces it anyway).
 */
import type { ProvisionalInfo } from '../../../protocol/src/tree.js';
import type { ProgressState } from './progress-model.js';

/** A newer provisional tree waits this long after the last key. */
export const KEEP_AFTER_KEY_MS = 3000;

export class ProvisionalMark {
  private info: ProvisionalInfo | undefined;
  private lastKey = -Infinity;

  constructor(private readonly now: () => number = Date.now) {}

  /** Whether the tree shown is provisional. */
  get shown(): boolean {
    return this.info !== undefined;
  }

  /** The number of the provisional tree shown (undefined: none). */
  get tree(): number | undefined {
    return this.info?.tree;
  }

  /** The tree shown now: provisional (with what marks it) or final (undefined). */
  showing(info: ProvisionalInfo | undefined): void {
    this.info = info;
    this.lastKey = -Infinity;
  }

  /** A key was pressed. */
  key(): void {
    this.lastKey = this.now();
  }

  /** Whether a newer provisional tree may replace the one shown. */
  wants(): boolean {
    return this.info === undefined || this.now() - this.lastKey >= KEEP_AFTER_KEY_MS;
  }

  /** The header's prefix: the mark and how much of the capture is read ('' for a final tree). */
  mark(progress: ProgressState): string {
    if (this.info === undefined) return '';
    const p = progress.progress;
    const percent = p !== null && p.phase === 'reading' ? Math.floor((p.bytes / Math.max(1, p.totalBytes)) * 100) : p?.phase === 'writing' ? 100 : this.info.percent;
    return `provisional · ${Math.min(100, Math.max(percent, this.info.percent))} % read · `;
  }
}
