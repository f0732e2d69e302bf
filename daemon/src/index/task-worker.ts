/**
 * Worker-thread entry: runs one Task and reports progress and the outcome to the parent.
 * Indexing is CPU-bound and synchronous; in a worker it never stalls the daemon's replies.
 * An index or temporary task with memray's order pending reports twice: 'indexed' (its rows
 * written), then its order phase's 'done'.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { transferList } from './provisional.js';
import { startTask, type Task } from './tasks.js';

const task = workerData as Task;
let last = 0;
const run = startTask(task, (p) => {
  // At most ~20 progress messages a second: enough for a smooth bar, cheap to post.
  const now = performance.now();
  if (now - last < 50 && p.phase === 'reading') return;
  last = now;
  parentPort!.postMessage({ type: 'progress', progress: p });
}, (m) => parentPort!.postMessage({ type: 'provisional', message: m }, transferList(m)));
if (run.order === undefined) parentPort!.postMessage({ type: 'done', outcome: run.outcome });
else {
  // The rows are written: the waiters hear now, and this thread goes on with memray's order
  // (the pass's records are here), as the capture's order job (Jobs hands the job over).
  parentPort!.postMessage({ type: 'indexed', outcome: run.outcome });
  parentPort!.postMessage({ type: 'done', outcome: run.order() });
}
