/**
 * tree/root, tree/expand, tree/export, node/detail: each one or two indexed lookups once the
 * tree of (mode, -b) exists (built by a job on first use).
 */
import { ResponseError } from 'vscode-jsonrpc';
import type { NodeDetailResult } from '../../../protocol/src/node.js';
import { MemtreeErrorCodes } from '../../../protocol/src/errors.js';
import type { TreeDocument } from '../../../protocol/src/tree-document.js';
import type { ChainPage, TreeExpandResult, TreeRootResult } from '../../../protocol/src/tree.js';
import type { CancelSignal } from '../index/jobs.js';
import { childRows, documentTree, nodeRow, viewNode } from '../index/queries.js';
import { filterIndex } from '../index/tree-store.js';
import { sourceWindow } from '../source/read-source.js';
import { cancellable, progressSink } from './capture.js';
import type { ConnectionContext } from './context.js';
import { int, mode, obj, optInt, optStr, str, view } from './validate.js';

async function treeFor(ctx: ConnectionContext, p: Record<string, unknown>, token?: CancelSignal) {
  const v = view(p.view);
  const index = ctx.daemon.captures.get(str(p, 'captureId'));
  const tree = await cancellable(ctx.daemon.captures.tree(index, v.mode, v.biggestAllocs, progressSink(ctx), token));
  return { v, index, tree, filter: filterIndex(v) };
}

function unknownNode(id: number): ResponseError<void> {
  return new ResponseError(MemtreeErrorCodes.UnknownNode, `no node ${id} in this tree`);
}

export async function root(ctx: ConnectionContext, params: unknown, token?: CancelSignal): Promise<TreeRootResult> {
  const { index, tree, filter } = await treeFor(ctx, obj(params), token);
  const r = nodeRow(index.db, tree.id, 0)!;
  return { root: viewNode(r, filter), elided: tree.elided, peakMemory: index.info.peakMemory };
}

export async function expand(ctx: ConnectionContext, params: unknown, token?: CancelSignal): Promise<TreeExpandResult> {
  const p = obj(params);
  const { index, tree, filter } = await treeFor(ctx, p, token);
  const nodeId = int(p, 'nodeId', 0);
  const offset = optInt(p, 'offset', 0, 0);
  const limit = optInt(p, 'limit', 200, 0, 10000);
  const page = (id: number, from: number, total: number): TreeExpandResult => {
    const rows = childRows(index.db, tree.id, filter, id, limit, from);
    return { nodes: rows.map((r) => viewNode(r, filter)), total, offset: from };
  };
  const parent = nodeRow(index.db, tree.id, nodeId);
  if (parent === undefined) throw unknownNode(nodeId);
  const first = page(nodeId, offset, viewNode(parent, filter).childCount);
  if (p.firstChildChain !== true) return first;
  const chain: ChainPage[] = [];
  // Down the first displayed children to a leaf (bounded by memray's depth cap of ~400).
  for (let next = first.nodes[0]; next !== undefined && next.childCount > 0; ) {
    const pg = page(next.id, 0, next.childCount);
    chain.push({ ...pg, nodeId: next.id });
    next = pg.nodes[0];
  }
  return { ...first, chain };
}

export async function exportTree(ctx: ConnectionContext, params: unknown, token?: CancelSignal): Promise<TreeDocument> {
  const p = obj(params);
  const m = mode(p.mode);
  const biggest = int(p, 'biggestAllocs');
  const index = ctx.daemon.captures.get(str(p, 'captureId'));
  const tree = await cancellable(ctx.daemon.captures.tree(index, m, biggest, progressSink(ctx), token));
  return { capture: index.info, mode: m, biggestAllocs: biggest, root: documentTree(index.db, tree.id), elided: tree.elided };
}

export async function detail(ctx: ConnectionContext, params: unknown, token?: CancelSignal): Promise<NodeDetailResult> {
  const p = obj(params);
  const { index, tree, filter } = await treeFor(ctx, p, token);
  const nodeId = int(p, 'nodeId', 0);
  const context = optInt(p, 'context', 10, 0, 200);
  const r = nodeRow(index.db, tree.id, nodeId);
  if (r === undefined) throw unknownNode(nodeId);
  const source = nodeId === 0 ? null : sourceWindow(r.file, r.line, context, optStr(p, 'cwd'), index.searchPath);
  return { node: viewNode(r, filter), source };
}
