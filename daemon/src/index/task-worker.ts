/**
 * Worker-thread entry: runs one Task and reports progress and the outcome to the parent.
 * Indexing is CPU-bound and synchronous; in a worker it never stalls the daemon's replies.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { transferList } from './provisional.js';
import { runTask, type Task } from './tasks.js';

const task = workerData as Task;
let last = 0;
const outcome = runTask(task, (p) => {
  // At most ~20 progress messages a second: enough for a smooth bar, cheap to post.
  const now = performance.now();
  if (now - last < 50 && p.phase === 'reading') return;
  last = now;
  parentPort!.postMessage({ type: 'progress', progress: p });
}, (m) => parentPort!.postMessage({ type: 'provisional', message: m }, transferList(m)));
parentPort!.postMessage({ type: 'done', outcome });
