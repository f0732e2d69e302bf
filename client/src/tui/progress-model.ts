/**
 * The view shown while the daemon indexes a capture (before the tree exists): phase, percent,
 * records and time left, fed by `capture/progress` notifications; `q` cancels.
 */
import type { CaptureProgressParams } from '../../../protocol/src/capture.js';
import { formatDuration } from '../format/duration.js';
import { formatCount } from '../format/count.js';

/** What the progress view shows. */
export interface ProgressState {
  /** What is being indexed (the capture's path or a title). */
  readonly title: string;
  /** The last progress notification, null before the first. */
  readonly progress: CaptureProgressParams | null;
  /** The user asked to cancel. */
  readonly cancelled: boolean;
}

/** What changes the progress view. */
export type ProgressAction =
  | { readonly type: 'progress'; readonly progress: CaptureProgressParams }
  | { readonly type: 'cancel' };

/** The state before any notification arrived. */
export function initialProgress(title: string): ProgressState {
  return { title, progress: null, cancelled: false };
}

/** The next progress state. */
export function reduceProgress(s: ProgressState, a: ProgressAction): ProgressState {
  if (s.cancelled) return s;
  return a.type === 'cancel' ? { ...s, cancelled: true } : { ...s, progress: a.progress };
}

const PHASES: Record<CaptureProgressParams['phase'], string> = {
  reading: 'Reading allocation records',
  ordering: "Reading them again for memray 1.19 and older's record order",
  writing: 'Writing the index',
  done: 'Done',
};

/** A bar of `width` cells filled to `percent`. */
function barText(percent: number, width: number): string {
  const w = Math.max(0, width);
  const filled = Math.round((Math.max(0, Math.min(100, percent)) / 100) * w);
  return '█'.repeat(filled) + '░'.repeat(w - filled);
}

/** The lines of the progress view, for a box `width` cells wide. */
export function progressLines(s: ProgressState, width: number): string[] {
  const p = s.progress;
  const lines = [`Indexing ${s.title}`, ''];
  if (p === null) {
    lines.push('Starting…');
  } else {
    const pct = `${Math.floor(p.percent)} %`.padStart(5);
    lines.push(`${PHASES[p.phase]}…`, `${barText(p.percent, Math.max(10, Math.min(50, width - 8)))} ${pct}`);
    const facts = [`${formatCount(p.records)} records`];
    if (p.etaMs !== undefined) facts.push(`about ${formatDuration(p.etaMs)} left`);
    lines.push(facts.join(' · '));
  }
  lines.push('', s.cancelled ? 'Cancelling…' : 'q Cancel');
  return lines;
}
