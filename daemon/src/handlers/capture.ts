/**
 * capture/open, capture/list, capture/forget.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ResponseError } from 'vscode-jsonrpc';
import type { CacheClearResult, CaptureListResult, CaptureOpenResult } from '../../../protocol/src/capture.js';
import { MemtreeErrorCodes } from '../../../protocol/src/errors.js';
import type { SnapshotMode } from '../../../protocol/src/tree-document.js';
import type { ProgressSink } from '../index/captures.js';
import { JobCancelledError, type CancelSignal } from '../index/jobs.js';
import type { ConnectionContext } from './context.js';
import { bool, invalid, mode, obj, optPathStr, optStr, pathStr, str } from './validate.js';

/** Turns job cancellation into LSP's RequestCancelled error. */
export async function cancellable<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof JobCancelledError) throw new ResponseError(MemtreeErrorCodes.RequestCancelled, err.message);
    throw err;
  }
}

/** A progress sink sending `capture/progress` to this connection, with percent and ETA. */
export function progressSink(ctx: ConnectionContext): ProgressSink {
  let started: number | undefined;
  let phase: string | undefined;
  return (p) => {
    const now = Date.now();
    // Each read (the pass, then memray 1.19 and older's order) has its own start for the ETA.
    if (p.phase !== phase && p.phase !== 'writing') started = now;
    phase = p.phase;
    started ??= now;
    const fraction = p.totalBytes === 0 ? 1 : p.bytes / p.totalBytes;
    const percent = p.phase === 'writing' ? 99 : Math.min(98, Math.floor(fraction * 98));
    const elapsed = now - started;
    const etaMs = p.phase !== 'writing' && fraction > 0.02 && elapsed > 200 ? Math.round((elapsed * (1 - fraction)) / fraction) : undefined;
    ctx.sendProgress({ captureId: p.captureId, path: p.path, phase: p.phase, bytes: p.bytes, totalBytes: p.totalBytes, records: p.records, percent, etaMs });
  };
}

export async function open(ctx: ConnectionContext, params: unknown, token?: CancelSignal): Promise<CaptureOpenResult> {
  const p = obj(params);
  const modes: SnapshotMode[] = [];
  if (p.modes !== undefined) {
    if (!Array.isArray(p.modes)) throw invalid('modes must be an array');
    for (const m of p.modes) modes.push(mode(m, 'modes[]'));
  }
  const cwd = optPathStr(p, 'cwd') ?? process.cwd();
  const { index, indexed, indexMs, warnings } = await cancellable(
    ctx.daemon.captures.openCapture(pathStr(p, 'path'), cwd, modes, progressSink(ctx), token, bool(p, 'force', false)),
  );
  if (indexed) {
    const size = fs.statSync(index.path, { throwIfNoEntry: false })?.size ?? 0;
    ctx.sendProgress({ captureId: index.captureId, path: index.path, phase: 'done', bytes: size, totalBytes: size, records: index.info.totalAllocations, percent: 100 });
  }
  return { captureId: index.captureId, info: index.info, indexed, indexMs, warnings, searchPath: index.searchPath };
}

export function list(ctx: ConnectionContext): CaptureListResult {
  // An order job (memray 1.19 and older's record order) runs on a complete index: ready.
  const running = new Set(ctx.daemon.jobs.list().filter((j) => j.kind !== 'order').map((j) => j.captureId));
  return {
    captures: ctx.daemon.captures.list().map((c) => ({ ...c, state: running.has(c.captureId) ? 'indexing' : 'ready' })),
  };
}

export async function forget(ctx: ConnectionContext, params: unknown): Promise<null> {
  await ctx.daemon.captures.forget(str(obj(params), 'captureId'));
  return null;
}

/** cache/clear: deletes the indexes of one capture path, or all of them. */
export function clearCache(ctx: ConnectionContext, params: unknown): CacheClearResult {
  const p = params === undefined || params === null ? {} : obj(params);
  const target = optStr(p, 'path');
  const abs = target === undefined ? undefined : path.resolve(optStr(p, 'cwd') ?? process.cwd(), target);
  const r = ctx.daemon.captures.clear(abs);
  ctx.log.info({ path: abs, ...r }, 'cache cleared');
  return r;
}
