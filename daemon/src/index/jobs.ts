/**
 * Runs Tasks in worker threads, one job per key: a second request for the same work joins the
 * running job instead of starting another (two clients opening one capture share one index
 * pass). A waiter that cancels stops waiting; the job itself is terminated when nobody waits,
 * except an order job (memray 1.19 and older's record order, index/memray-order.ts), which
 * serves every later view of its capture: it runs on until it ends, its capture is forgotten
 * (stopBackground) or the daemon stops. An index or temporary job whose capture's order is
 * pending hands its job over to the order key once its rows are written: its waiters hear then,
 * and the same thread goes on with the order, using the pass's records it holds.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { openCapture } from '../capture/load.js';
import { isSmallCapture } from '../capture/small-capture.js';
import type { ProvisionalMessage } from './provisional.js';
import { orderGateSet } from './memray-order.js';
import { cleanUpStoppedTask, orderTaskOf, startTask, taskKey, type Task, type TaskOutcome, type TaskProgress } from './tasks.js';

/** Thrown to a waiter whose cancellation token fired. */
export class JobCancelledError extends Error {}

/** Something that can signal cancellation (a vscode-jsonrpc CancellationToken fits). */
export interface CancelSignal {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

interface Waiter {
  resolve(o: TaskOutcome): void;
  reject(e: Error): void;
  onProgress?: (p: TaskProgress) => void;
}

interface Job {
  readonly key: string;
  readonly task: Task;
  readonly waiters: Set<Waiter>;
  worker?: Worker;
  progress?: TaskProgress;
  readonly started: number;
  /** An index job's worker: set once a client wants its provisional trees (wantProvisional). */
  wanted?: Int32Array;
  /** Provisional snapshots its worker sent (logged when it ends). */
  provisionals?: number;
}

export interface JobInfo {
  readonly key: string;
  readonly kind: Task['kind'];
  /** The capture the job works on. */
  readonly captureId: string;
  readonly progress?: TaskProgress;
}

/** Who else hears about jobs: the provisional trees of captures being indexed (provisional-store.ts). */
export interface JobObserver {
  /** A job started (before its first message). */
  started(task: Task): void;
  /** An index job's worker sent a provisional snapshot. */
  provisional(task: Task, m: ProvisionalMessage): void;
  /** A job left the running set (finished, failed or stopped), before its waiters hear of it. */
  ended(task: Task): void;
}

/**
 * Whether `task` reads a small capture (capture/small-capture.ts: indexed on this thread, warm)
 * without native stacks (symbolizing those reads binaries of any size). Anything odd, empty,
 * gone or unreadable goes to a worker, which says what is wrong.
 */
function runsHere(task: Task): boolean {
  // A test holding order phases (memray-order.ts) holds them in a worker, never this thread.
  if (orderGateSet() || !isSmallCapture(task.path)) return false;
  try {
    const open = openCapture(task.path);
    try {
      return !open.header.nativeTraces;
    } finally {
      open.close();
    }
  } catch {
    return false;
  }
}

export class Jobs {
  private readonly running = new Map<string, Job>();
  private readonly observers: JobObserver[] = [];
  /** Callbacks waiting until no job of a capture runs (see idle). */
  private readonly idleWaiters = new Map<string, (() => void)[]>();
  /** Worker threads started and not yet exited (a finished job's thread lingers while it tears down). */
  private liveWorkers = 0;

  constructor(
    private readonly log: Logger,
    /** Run tasks in this thread (unit tests, where the compiled worker script is absent). */
    private readonly inProcess = false,
  ) {}

  /** Tells `o` about every job from now on. */
  observe(o: JobObserver): void {
    this.observers.push(o);
  }

  /** Jobs running now. */
  list(): JobInfo[] {
    return [...this.running.values()].map((j) => ({ key: j.key, kind: j.task.kind, captureId: j.task.captureId, progress: j.progress }));
  }

  /**
   * A client asked for a tree of `captureId` while it is indexed: its index job's pass takes
   * provisional snapshots from now on (they cost the pass time, so none are taken for nobody).
   */
  wantProvisional(captureId: string): void {
    for (const j of this.running.values()) if (j.task.captureId === captureId && j.wanted !== undefined) Atomics.store(j.wanted, 0, 1);
  }

  /** Worker threads alive now (daemon/status: memory is only comparable when none is). */
  get workerThreads(): number {
    return this.liveWorkers;
  }

  get size(): number {
    return this.running.size;
  }

  /** Runs `task` (or joins the job already running for the same work, see taskKey). */
  run(task: Task, onProgress?: (p: TaskProgress) => void, token?: CancelSignal): Promise<TaskOutcome> {
    const key = taskKey(task);
    let job = this.running.get(key);
    if (job === undefined) {
      job = { key, task, waiters: new Set(), started: Date.now() };
      this.running.set(key, job);
      for (const o of this.observers) o.started(task);
      this.start(job);
    }
    const j = job;
    return new Promise<TaskOutcome>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, onProgress };
      j.waiters.add(waiter);
      if (j.progress !== undefined) onProgress?.(j.progress);
      if (token !== undefined) {
        const cancel = (): void => {
          if (!j.waiters.delete(waiter)) return;
          reject(new JobCancelledError(`cancelled: ${key}`));
          if (j.waiters.size === 0 && j.task.kind !== 'order') void this.abandon(j);
        };
        if (token.isCancellationRequested) cancel();
        else token.onCancellationRequested(cancel);
      }
    });
  }

  /** Resolves when no job of capture `captureId` runs any more (at once if none does). */
  idle(captureId: string): Promise<void> {
    if (!this.busy(captureId)) return Promise.resolve();
    return new Promise((resolve) => {
      const list = this.idleWaiters.get(captureId) ?? [];
      list.push(resolve);
      this.idleWaiters.set(captureId, list);
    });
  }

  private busy(captureId: string): boolean {
    for (const j of this.running.values()) if (j.task.captureId === captureId) return true;
    return false;
  }

  /** Wakes the idle() waiters of a capture whose last job just left `running`. */
  private leftRunning(captureId: string, task?: Task): void {
    if (task !== undefined) for (const o of this.observers) o.ended(task);
    const list = this.idleWaiters.get(captureId);
    if (list === undefined || this.busy(captureId)) return;
    this.idleWaiters.delete(captureId);
    for (const wake of list) wake();
  }

  /** Stops the order job of a capture, if one runs (capture/forget: nobody will read its result); resolves once its thread is gone. */
  stopBackground(captureId: string): Promise<void> {
    const j = this.running.get(taskKey({ kind: 'order', captureId, path: '', indexFile: '' }));
    return j === undefined ? Promise.resolve() : this.abandon(j);
  }

  /** Terminates every job (daemon shutdown). */
  async stopAll(): Promise<void> {
    const jobs = [...this.running.values()];
    for (const j of jobs) {
      for (const w of j.waiters) w.reject(new JobCancelledError('the daemon is shutting down'));
      j.waiters.clear();
      this.running.delete(j.key);
      this.leftRunning(j.task.captureId, j.task);
    }
    await Promise.all(jobs.map(async (j) => (await j.worker?.terminate(), cleanUpStoppedTask(j.task))));
  }

  private start(job: Job): void {
    // The job this thread works for: the index job, then the order job it may be handed over to
    // (whose waiters hear the order phase's progress).
    let current = job;
    const progress = (p: TaskProgress): void => {
      current.progress = p;
      for (const w of current.waiters) w.onProgress?.(p);
    };
    const provisional = (m: ProvisionalMessage): void => {
      job.provisionals = (job.provisionals ?? 0) + 1;
      if (this.running.get(job.key) === job) for (const o of this.observers) o.provisional(job.task, m);
    };
    const here = this.inProcess || runsHere(job.task);
    this.log.info({ key: job.key, kind: job.task.kind, thread: here ? 'daemon' : 'worker' }, 'job started');
    if (here) {
      // Not if it was abandoned or stopped meanwhile (nothing can interrupt it once it runs).
      // An order phase runs a macrotask later, so the index's waiters answer first.
      setImmediate(() => {
        if (this.running.get(job.key) !== job) return;
        const run = startTask(job.task, progress, provisional);
        if (run.order === undefined) return this.finish(job, run.outcome);
        const next = this.handOver(job, run.outcome);
        if (next === undefined) return;
        current = next;
        setImmediate(() => this.running.get(next.key) === next && this.finish(next, run.order!()));
      });
      return;
    }
    // In a worker the pass runs while clients come and go: it takes provisional snapshots only
    // once one asks (a pass on this thread is over before anyone could).
    let task = job.task;
    if (task.kind === 'index') {
      const flag = new SharedArrayBuffer(4);
      job.wanted = new Int32Array(flag);
      task = { ...task, provisionalWanted: flag };
    }
    const worker = new Worker(new URL('./task-worker.js', import.meta.url), { workerData: task });
    job.worker = worker;
    this.liveWorkers++;
    type Message =
      | { type: 'progress'; progress: TaskProgress }
      | { type: 'provisional'; message: ProvisionalMessage }
      | { type: 'indexed'; outcome: TaskOutcome }
      | { type: 'done'; outcome: TaskOutcome };
    worker.on('message', (m: Message) => {
      if (m.type === 'progress') progress(m.progress);
      else if (m.type === 'provisional') provisional(m.message);
      else if (m.type === 'indexed') {
        const next = this.handOver(current, m.outcome);
        if (next === undefined) void worker.terminate();
        else current = next;
      } else this.finish(current, m.outcome);
    });
    worker.on('error', (err) => {
      this.log.error({ err, key: current.key }, 'job worker failed');
      this.finish(current, { ok: false, failure: { kind: 'internal', message: err.message } });
    });
    worker.on('exit', (code) => {
      this.liveWorkers--;
      if (this.running.get(current.key) === current) {
        this.finish(current, { ok: false, failure: { kind: 'internal', message: `job worker exited with code ${code}` } });
      }
    });
  }

  /**
   * An index (or temporary) job's rows are written and its capture's order pending: its waiters get
   * `outcome`, and its thread goes on as the capture's order job (returned), unless the job
   * was stopped meanwhile or an order job already runs (undefined: the caller ends the phase).
   */
  private handOver(job: Job, outcome: TaskOutcome): Job | undefined {
    if (this.running.get(job.key) !== job) return undefined;
    const task = orderTaskOf(job.task);
    const key = taskKey(task);
    const taken = this.running.has(key);
    let next: Job | undefined;
    if (!taken) {
      // Registered before the index job ends, so the capture never looks idle in between.
      next = { key, task, waiters: new Set(), worker: job.worker, started: Date.now() };
      this.running.set(key, next);
      for (const o of this.observers) o.started(task);
      this.log.info({ key, kind: task.kind, thread: job.worker === undefined ? 'daemon' : 'worker' }, 'job started');
    }
    this.finish(job, outcome);
    return next;
  }

  private finish(job: Job, outcome: TaskOutcome): void {
    if (this.running.get(job.key) !== job) return;
    this.running.delete(job.key);
    const ms = Date.now() - job.started;
    if (outcome.ok) {
      // Whether a client asked for its provisional trees (then the pass took snapshots after its first).
      const wanted = job.wanted === undefined ? {} : { provisionalWanted: Atomics.load(job.wanted, 0) !== 0 };
      this.log.info({ key: job.key, ok: true, ms, provisionalSnapshots: job.provisionals ?? 0, ...wanted }, 'job finished');
    }
    else this.log.warn({ key: job.key, ok: false, ms, failure: outcome.failure }, `job failed: ${outcome.failure.message.split('\n')[0]}`);
    for (const w of job.waiters) w.resolve(outcome);
    job.waiters.clear();
    this.leftRunning(job.task.captureId, job.task);
  }

  private async abandon(job: Job): Promise<void> {
    if (this.running.get(job.key) !== job) return;
    this.running.delete(job.key);
    // Only an order job is stopped with waiters (stopBackground: its capture is forgotten).
    for (const w of job.waiters) w.reject(new JobCancelledError(`stopped: ${job.key}`));
    job.waiters.clear();
    this.leftRunning(job.task.captureId, job.task);
    this.log.info({ key: job.key }, job.task.kind === 'order' ? 'job stopped' : 'job cancelled: nobody waits for it');
    await job.worker?.terminate().then(() => {
      // A new job under the same key owns the files now; otherwise nothing can start one
      // between this check and the removal (both run in this tick).
      if (!this.running.has(job.key)) cleanUpStoppedTask(job.task);
    });
  }
}
