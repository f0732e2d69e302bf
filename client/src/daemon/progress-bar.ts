/**
 * A one-line indexing progress bar on stderr, drawn only when stderr is a terminal.
 */
import * as path from 'node:path';
import type { CaptureProgressParams } from '../../../protocol/src/capture.js';
import { formatDuration } from '../format/duration.js';

export interface ProgressBar {
  update(p: CaptureProgressParams): void;
  /** Erases the bar. */
  done(): void;
}

function count(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n);
}

export function progressBar(stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }): ProgressBar {
  if (stream.isTTY !== true) return { update: () => {}, done: () => {} };
  let drawn = false;
  return {
    update(p) {
      if (p.phase === 'done') return;
      const width = 24;
      const filled = Math.round((p.percent / 100) * width);
      const eta = p.etaMs === undefined ? '' : `, ETA ${formatDuration(p.etaMs)}`;
      const doing = p.phase === 'writing' ? 'writing the index of' : p.phase === 'ordering' ? "reading memray 1.19's record order of" : 'indexing';
      const line = `memtree: ${doing} ${path.basename(p.path)} ${String(p.percent).padStart(3)}% [${'='.repeat(filled)}${' '.repeat(width - filled)}] ${count(p.records)} records${eta}`;
      stream.write(`\r\x1b[2K${line.slice(0, (stream.columns ?? 80) - 1)}`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
