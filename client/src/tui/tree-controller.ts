/**
 * Runs the pure model against a TreeSource: after every state change it sends the requests
 * the state needs and aborts the ones it no longer needs (tree-needs.ts). Answers to aborted
 * requests are dropped even if the source ignored the signal (cancellation is cooperative,
 * house-style 6), so a late answer can never overwrite newer state.
 */
import { MemtreeErrorCodes } from '../../../protocol/src/errors.js';
import type { CaptureMemoryResult } from '../../../protocol/src/memory.js';
import type { TreeExpandResult, TreeRootResult, ViewOptions } from '../../../protocol/src/tree.js';
import { formatNote, moduleNamer } from '../print/print-tree.js';
import { viewportOf } from './layout.js';
import { reduce, type TreeAction } from './tree-model.js';
import { needs, type Need } from './tree-needs.js';
import { askView } from './view-requests.js';
import type { TreeSource, WorkProgress } from './tree-source.js';
import { initialTreeState, treeConfig, type TreeState } from './tree-state.js';

/** What a TreeController tells its view. */
export interface TreeListener {
  /** Called after every state change (the view renders once per call). */
  readonly onChange?: (state: TreeState) => void;
  /** An exception while applying an answer (a bug, not a failed request); default: rethrown. */
  readonly onError?: (err: unknown) => void;
  /** A request failed because the capture file changed under the daemon (CaptureChanged): the source is stale. */
  readonly onCaptureChanged?: () => void;
}

/** How a TreeController runs. */
export interface TreeControllerOptions extends TreeListener {
  /** Delay before a node's source lines are requested; a newer cursor move cancels it (memray: ~100 ms). */
  readonly detailDelayMs?: number;
  /** The listener comes later, through listen(): until then errors are kept for it, not rethrown. */
  readonly listenLater?: boolean;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Holds the current TreeState and keeps the source requests in line with it. */
export class TreeController {
  private current: TreeState;
  private readonly inFlight = new Map<string, { readonly ac: AbortController; readonly kind: Need['kind'] }>();
  private readonly delayed = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly idleWaiters: (() => void)[] = [];
  private closed = false;
  private listener: TreeListener;
  /** Errors kept for a listener still to come (listenLater). */
  private unheard: unknown[] | undefined;
  /** The source's last report on work the pending requests wait for (cleared when none is pending). */
  private work: WorkProgress | undefined;
  private stopWork: () => void = () => {};

  constructor(
    private source: TreeSource,
    initial: TreeState,
    private readonly options: TreeControllerOptions = {},
  ) {
    this.current = initial;
    this.listener = options;
    if (options.listenLater === true) this.unheard = [];
    this.watchWork();
  }

  /** Hears the source's work reports: shown while tree data is pending (status: "loading… 40 %"). */
  private watchWork(): void {
    this.stopWork();
    this.work = undefined;
    this.stopWork =
      this.source.onWork?.((w) => {
        if (this.closed || this.pending === 0) return;
        this.work = w.done ? undefined : w;
        this.listener.onChange?.(this.current);
      }) ?? (() => {});
  }

  /** What the pending tree data waits for, when the source reported it (a mode computed on first use). */
  get waitingFor(): WorkProgress | undefined {
    return this.pending > 0 ? this.work : undefined;
  }

  /**
   * Tells `listener` about changes and errors from now on: a view attaching to a controller
   * that started before it (the first requests go out while the view's code loads). Errors
   * kept until then are reported to it at once.
   */
  listen(listener: TreeListener): void {
    this.listener = listener;
    const kept = this.unheard ?? [];
    this.unheard = undefined;
    for (const err of kept) this.fail(err);
  }

  /** The current state. */
  get state(): TreeState {
    return this.current;
  }

  /** Sends the requests the initial state needs. */
  start(): void {
    this.sync();
  }

  /** Applies an action; sends and aborts requests; notifies onChange when the state changed. */
  dispatch(action: TreeAction): void {
    if (this.closed) return;
    const next = reduce(this.current, action);
    if (next === this.current) return;
    this.current = next;
    this.sync();
    this.listener.onChange?.(next);
  }

  /** Takes the data from `source` from now on (a restarted daemon), reloading what the view shows. */
  reopen(source: TreeSource): void {
    if (this.closed) return;
    for (const { ac } of this.inFlight.values()) ac.abort();
    for (const t of this.delayed.values()) clearTimeout(t);
    this.inFlight.clear();
    this.delayed.clear();
    this.source = source;
    this.watchWork();
    this.dispatch({ type: 'reopen' });
  }

  /** The capture's memory series in at most `points` buckets, from the current source (the chart strip). */
  memory(points: number, signal: AbortSignal): Promise<CaptureMemoryResult> {
    const source = this.source;
    if (source.memory === undefined) return Promise.reject(new Error('this view has no memory series'));
    return source.memory(points, signal);
  }

  /** Resolves once no request is in flight or waiting (for tests and scripted use). */
  idle(): Promise<void> {
    if (this.inFlight.size === 0 && this.delayed.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Tree data requests in flight (root and children; source lines are not counted). */
  get pending(): number {
    let n = 0;
    for (const r of this.inFlight.values()) if (r.kind !== 'detail') n++;
    return n;
  }

  /** Aborts everything; later answers and dispatches are ignored. */
  close(): void {
    this.closed = true;
    this.stopWork();
    for (const { ac } of this.inFlight.values()) ac.abort();
    for (const t of this.delayed.values()) clearTimeout(t);
    this.inFlight.clear();
    this.delayed.clear();
    this.wakeIdle();
  }

  private sync(): void {
    const wanted = new Map(needs(this.current).map((n) => [n.key, n] as const));
    for (const [key, { ac }] of this.inFlight) {
      if (!wanted.has(key)) {
        ac.abort();
        this.inFlight.delete(key);
      }
    }
    for (const [key, timer] of this.delayed) {
      if (!wanted.has(key)) {
        clearTimeout(timer);
        this.delayed.delete(key);
      }
    }
    const delay = this.options.detailDelayMs ?? 100;
    for (const need of wanted.values()) {
      if (this.inFlight.has(need.key) || this.delayed.has(need.key)) continue;
      if (need.kind === 'detail' && delay > 0) {
        const timer = setTimeout(() => {
          this.delayed.delete(need.key);
          this.launch(need);
        }, delay);
        this.delayed.set(need.key, timer);
      } else {
        this.launch(need);
      }
    }
    this.wakeIdle();
  }

  private launch(need: Need): void {
    const ac = new AbortController();
    this.inFlight.set(need.key, { ac, kind: need.kind });
    const { view } = this.current;
    const done = (action: TreeAction): void => {
      if (ac.signal.aborted || this.closed) return;
      this.inFlight.delete(need.key);
      if (this.pending === 0) this.work = undefined;
      this.dispatch(action);
      this.wakeIdle();
    };
    const fail = (err: unknown): void => {
      done({ type: 'requestFailed', key: need.key, message: message(err) });
      if ((err as { code?: unknown } | undefined)?.code === MemtreeErrorCodes.CaptureChanged) this.listener.onCaptureChanged?.();
    };
    const ask = (): Promise<TreeAction> => {
      switch (need.kind) {
        case 'root':
          return this.source.root(view, ac.signal).then((result) => ({ type: 'rootLoaded', generation: need.generation, result }));
        case 'expand':
          return this.source
            .expand(view, need.nodeId, need.offset, need.limit, ac.signal, need.firstChildChain)
            .then((result) => ({ type: 'childrenLoaded', generation: need.generation, nodeId: need.nodeId, result }));
        case 'detail':
          return this.source
            .detail(view, need.nodeId, ac.signal, need.context)
            .then((result) => ({ type: 'detailLoaded', nodeId: need.nodeId, context: need.context, result }));
        default:
          return askView(this.source, view, need, ac.signal);
      }
    };
    let answer: Promise<TreeAction>;
    try {
      answer = ask();
    } catch (err) {
      answer = Promise.reject(err); // a source that throws synchronously is one that rejects
    }
    // Exceptions of `done` itself (applying the answer) are bugs: they go to onError.
    answer.then(done, fail).catch((err: unknown) => this.fail(err));
  }

  private fail(err: unknown): void {
    if (this.unheard !== undefined) this.unheard.push(err);
    else if (this.listener.onError !== undefined) this.listener.onError(err);
    else throw err;
  }

  private wakeIdle(): void {
    if (this.inFlight.size > 0 || this.delayed.size > 0) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }
}

/** How startTree sets a tree up. */
export interface StartTreeOptions {
  /** The terminal's size, for the first viewport (default 80x24; the view resizes the tree when it attaches). */
  readonly terminal?: { readonly cols: number; readonly rows: number };
  readonly detailDelayMs?: number;
  /** Answers the source gave already (a provisional tree's, fetched by the feed): applied, not asked again. */
  readonly seed?: { readonly root: TreeRootResult; readonly children: TreeExpandResult };
}

/**
 * A controller for `source` in memray's start-up state with its first requests (the root and
 * the first-child chain) already sent, for a view to attach to with listen(). Module names
 * come from the source's sys.path.
 */
export function startTree(source: TreeSource, view: ViewOptions, opts: StartTreeOptions = {}): TreeController {
  const config = treeConfig({
    moduleName: moduleNamer(source.searchPath ?? []),
    formatNote: formatNote(source.capture),
    // `m` uses the CLI's threshold: the one given, else its default of 1.
    temporaryThreshold: view.mode.kind === 'temporary' ? view.mode.threshold : 1,
    aggregated: source.capture?.fileFormat === 'aggregated',
  });
  const { cols, rows } = opts.terminal ?? { cols: 80, rows: 24 };
  let state = initialTreeState(view, config, viewportOf(cols, rows));
  if (opts.seed !== undefined) {
    state = reduce(state, { type: 'rootLoaded', generation: state.generation, result: opts.seed.root });
    state = reduce(state, { type: 'childrenLoaded', generation: state.generation, nodeId: 0, result: opts.seed.children });
  }
  const controller = new TreeController(source, state, {
    detailDelayMs: opts.detailDelayMs,
    listenLater: true,
  });
  controller.start();
  return controller;
}
