/**
 * tree/root, tree/expand, tree/export, tree/search, tree/elided, node/detail, capture/threads: reads of a
 * view computed from the index's records (index/view-store.ts), built on first use and cached.
 * While a capture is being indexed, tree/root, expand, search and node/detail answer from its
 * provisional trees (index/provisional-store.ts); the others wait for the index.
 */
import { ResponseError } from 'vscode-jsonrpc';
import type { NodeDetailResult } from '../../../protocol/src/node.js';
import { MemtreeErrorCodes, type PatternErrorData } from '../../../protocol/src/errors.js';
import type { TreeElidedResult } from '../../../protocol/src/elided.js';
import type { CaptureThreadsResult } from '../../../protocol/src/threads.js';
import type { TreeDocument } from '../../../protocol/src/tree-document.js';
import type { ProvisionalInfo, TreeExpandResult, TreeRootResult, TreeSearchResult, ViewOptions } from '../../../protocol/src/tree.js';
import type { CancelSignal } from '../index/jobs.js';
import { cachedView, threadTotals, viewData } from '../index/view-store.js';
import { rangeFacts, rangeModeKey } from '../index/range-views.js';
import { modeKey } from '../index/write-index.js';
import { sourceWindow } from '../source/read-source.js';
import { PatternError } from '../../../protocol/src/pattern.js';
import { elidedPage, expandPage, searchView } from '../tree/view-queries.js';
import type { TreeSpec } from '../tree/view-engine.js';
import { documentView, treeSpec } from '../tree/view-spec.js';
import { viewOrderSensitive } from '../tree/order-sensitivity.js';
import { cancellable, progressSink } from './capture.js';
import type { ConnectionContext } from './context.js';
import { biggestAllocs, bool, int, mode, obj, optInt, optPaths, optStr, str, view } from './validate.js';

function patternError(err: unknown): unknown {
  if (!(err instanceof PatternError)) return err;
  const data: PatternErrorData = { field: err.field, pattern: err.pattern, position: err.position, reason: err.reason };
  return new ResponseError(MemtreeErrorCodes.InvalidPattern, `${err.field}: ${err.message}`, data);
}

/** The ProvisionalGone error. */
function provisionalGone(tree: number): ResponseError<void> {
  return new ResponseError(MemtreeErrorCodes.ProvisionalGone, `provisional tree ${tree} is no longer kept; ask tree/root again`);
}

/**
 * The provisional tree of a view of a capture still being indexed (waiting for its first
 * snapshot), or undefined once it is indexed. Views without provisional trees (temporary
 * allocations, ranges) wait for the index.
 */
async function provisionalFor(ctx: ConnectionContext, captureId: string, v: ViewOptions, spec: TreeSpec, pinned: number | undefined, token?: CancelSignal) {
  const store = ctx.daemon.captures.provisional;
  if (store.isIndexing(captureId) && (v.mode.kind === 'temporary' || v.range !== undefined)) await cancellable(store.indexed(captureId, token));
  if (!store.isIndexing(captureId)) {
    if (pinned !== undefined) throw provisionalGone(pinned);
    return undefined;
  }
  ctx.daemon.jobs.wantProvisional(captureId);
  await cancellable(store.ready(captureId, token));
  const p = store.view(captureId, v.mode.kind === 'leaks' ? 'leaks' : 'peak', spec, pinned);
  if (p === undefined && pinned !== undefined) throw provisionalGone(pinned);
  return p;
}

/** Waits until a capture is no longer being indexed (for answers that name the index's facts). */
function indexedFirst(ctx: ConnectionContext, captureId: string, token?: CancelSignal): Promise<void> {
  return cancellable(ctx.daemon.captures.provisional.indexed(captureId, token));
}

/**
 * A view's tree, from its provisional tree or the index. `extent` 'all': the answer lists every
 * record the view leaves out, so their order counts beyond -b (order-sensitivity.ts).
 */
async function viewFor(ctx: ConnectionContext, captureId: string, v: ViewOptions, token?: CancelSignal, pinned?: number, extent: 'tree' | 'all' = 'tree') {
  let spec;
  try {
    spec = treeSpec(v, v.biggestAllocs);
  } catch (err) {
    throw patternError(err);
  }
  const p = await provisionalFor(ctx, captureId, v, spec, pinned, token);
  if (p !== undefined) {
    const { cached, info, capture } = p;
    return { v, index: undefined, key: '', spec, cached, display: cached.tree.display(v), range: undefined, peakMemory: info.peakBytes, searchPath: capture.searchPath, provisional: info, capture };
  }
  const index = ctx.daemon.captures.get(captureId);
  await cancellable(ctx.daemon.captures.ensureMode(index, v.mode, progressSink(ctx), token));
  // A range of memory snapshots is a mode of its own, computed from the time-range data.
  const key = v.range === undefined ? modeKey(v.mode) : rangeModeKey(index.db, v.mode, v.range, index.path);
  // memray 1.19 and older's record order, if still pending, is waited for only by views that depend on it.
  await cancellable(ctx.daemon.captures.memrayOrder(index, key, (data) => viewOrderSensitive(data, spec, extent), progressSink(ctx), token));
  const cached = cachedView(index.db, key, spec);
  const { peakMemory } = index.info;
  return { v, index, key, spec, cached, display: cached.tree.display(v), range: rangeFacts(index.db, key), peakMemory, searchPath: index.searchPath, provisional: undefined, capture: undefined };
}

function treeFor(ctx: ConnectionContext, p: Record<string, unknown>, token?: CancelSignal, extent: 'tree' | 'all' = 'tree') {
  const pinned = p.provisionalTree === undefined ? undefined : int(p, 'provisionalTree', 1);
  return viewFor(ctx, str(p, 'captureId'), view(p.view), token, pinned, extent);
}

/** The `provisional` field of an answer from a provisional tree. */
function mark(info: ProvisionalInfo | undefined): { provisional?: ProvisionalInfo } {
  return info === undefined ? {} : { provisional: info };
}

function unknownNode(id: number): ResponseError<void> {
  return new ResponseError(MemtreeErrorCodes.UnknownNode, `no node ${id} in this tree`);
}

export async function root(ctx: ConnectionContext, params: unknown, token?: CancelSignal): Promise<TreeRootResult> {
  const { peakMemory, cached, display, range, provisional, capture } = await treeFor(ctx, obj(params), token);
  return { root: display.node(0), elided: cached.elided, peakMemory, ...(range === undefined ? {} : { range }), ...mark(provisional), ...(capture === undefined ? {} : { capture }) };
}

export async function expand(ctx: ConnectionContext, params: unknown, token?: CancelSignal): Promise<TreeExpandResult> {
  const p = obj(params);
  const { display, provisional } = await treeFor(ctx, p, token);
  const nodeId = int(p, 'nodeId', 0);
  const offset = optInt(p, 'offset', 0, 0);
  const limit = optInt(p, 'limit', 200, 0, 10000);
  if (!display.displayed(nodeId)) throw unknownNode(nodeId);
  return { ...expandPage(display, nodeId, offset, limit, p.firstChildChain === true), ...mark(provisional) };
}

export async function exportTree(ctx: ConnectionContext, params: unknown, token?: CancelSignal): Promise<TreeDocument> {
  const p = obj(params);
  // Without a view (clients before 1.2): the whole tree of (mode, -b), nothing hidden.
  const v: ViewOptions =
    p.view === undefined ? { mode: mode(p.mode), biggestAllocs: biggestAllocs(p), hideImportSystem: false, hideUninteresting: false } : view(p.view);
  const captureId = str(p, 'captureId');
  // The document names the capture's final facts: a capture still being indexed is waited for.
  await indexedFirst(ctx, captureId, token);
  const { index, cached, display, range } = await viewFor(ctx, captureId, v, token);
  return {
    capture: index!.info,
    mode: v.mode,
    biggestAllocs: v.biggestAllocs,
    root: display.document(),
    elided: cached.elided,
    view: documentView(v),
    ...(range === undefined ? {} : { range }),
  };
}

export async function search(ctx: ConnectionContext, params: unknown, token?: CancelSignal): Promise<TreeSearchResult> {
  const p = obj(params);
  const { cached, display, provisional } = await treeFor(ctx, p, token);
  const query = p.query;
  if (typeof query !== 'string') throw new ResponseError(-32602, 'query must be a string');
  const offset = optInt(p, 'offset', 0, 0);
  const limit = optInt(p, 'limit', 100, 0, 10000);
  try {
    return { ...searchView(cached.tree, display, query, bool(p, 'regex', false), offset, limit), ...mark(provisional) };
  } catch (err) {
    throw patternError(err);
  }
}

export async function elided(ctx: ConnectionContext, params: unknown, token?: CancelSignal): Promise<TreeElidedResult> {
  const p = obj(params);
  await indexedFirst(ctx, str(p, 'captureId'), token);
  const { index, key, spec } = await treeFor(ctx, p, token, 'all');
  return elidedPage(viewData(index!.db, key), spec, optInt(p, 'offset', 0, 0), optInt(p, 'limit', 200, 0, 10000));
}

export async function detail(ctx: ConnectionContext, params: unknown, token?: CancelSignal): Promise<NodeDetailResult> {
  const p = obj(params);
  const { searchPath, display, provisional } = await treeFor(ctx, p, token);
  const nodeId = int(p, 'nodeId', 0);
  const context = optInt(p, 'context', 10, 0, 200);
  if (!display.displayed(nodeId)) throw unknownNode(nodeId);
  const node = display.node(nodeId);
  const lookup = { cwd: optStr(p, 'cwd'), searchPath, roots: optPaths(p, 'sourceRoots'), read: ctx.daemon.readSource };
  if (nodeId === 0 || !bool(p, 'source', true)) return { node, source: null, ...mark(provisional) };
  const { window, tried } = sourceWindow(node.file, node.line, context, lookup);
  return { node, source: window, ...(tried.length > 0 ? { sourceTried: tried } : {}), ...mark(provisional) };
}

export async function threads(ctx: ConnectionContext, params: unknown, token?: CancelSignal): Promise<CaptureThreadsResult> {
  const p = obj(params);
  const captureId = str(p, 'captureId');
  await indexedFirst(ctx, captureId, token);
  const index = ctx.daemon.captures.get(captureId);
  const m = p.mode === undefined ? ({ kind: 'peak' } as const) : mode(p.mode);
  await cancellable(ctx.daemon.captures.ensureMode(index, m, progressSink(ctx), token));
  return { threads: threadTotals(viewData(index.db, modeKey(m))) };
}
