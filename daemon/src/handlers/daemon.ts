/**
 * daemon/initialize, daemon/status, daemon/shutdown.
 */
import * as fs from 'node:fs';
import { ResponseError } from 'vscode-jsonrpc';
import type { InitializeResult, StatusResult } from '../../../protocol/src/daemon.js';
import { MemtreeErrorCodes } from '../../../protocol/src/errors.js';
import { PROTOCOL_VERSION, protocolMajor } from '../../../protocol/src/version.js';
import { VIEWS_PER_INDEX } from '../index/view-store.js';
import type { ConnectionContext } from './context.js';
import { obj, str } from './validate.js';

/** This daemon's protocol version; MEMTREE_TEST_DAEMON_PROTOCOL lets tests fake another one. */
function daemonProtocol(): string {
  return process.env.MEMTREE_TEST_DAEMON_PROTOCOL || PROTOCOL_VERSION;
}

export function initialize(ctx: ConnectionContext, params: unknown): InitializeResult {
  const p = obj(params);
  const version = str(p, 'protocolVersion');
  const mine = daemonProtocol();
  if (protocolMajor(version) !== protocolMajor(mine)) {
    throw new ResponseError(MemtreeErrorCodes.ProtocolMismatch, `protocol ${version} is not compatible with this daemon's ${mine}`, {
      daemonProtocolVersion: mine,
    });
  }
  ctx.log.debug({ clientVersion: p.clientVersion, protocolVersion: version }, 'client initialized');
  return {
    protocolVersion: mine,
    daemonVersion: ctx.daemon.version,
    capabilities: { pagedExpand: true, temporaryMode: true, leaksMode: true, sourceLines: true, nativeSymbols: true },
  };
}

/** Open file descriptors of this process (Linux /proc; -1 elsewhere). */
function openFds(): number {
  try {
    return fs.readdirSync('/proc/self/fd').length - 1; // minus the one readdir itself holds
  } catch {
    return -1;
  }
}

export function status(ctx: ConnectionContext): StatusResult {
  const d = ctx.daemon;
  const now = Date.now();
  const jobs = d.jobs.list();
  // A capture whose order job runs is ready: its index is complete (index/memray-order.ts).
  const busy = new Set(jobs.filter((j) => j.kind !== 'order').map((j) => j.captureId));
  return {
    pid: process.pid,
    uptimeMs: now - d.startedAt,
    idleMs: now - d.lastActivity(),
    rssBytes: process.memoryUsage.rss(),
    memory: (() => {
      const m = process.memoryUsage();
      return { heapUsedBytes: m.heapUsed, heapTotalBytes: m.heapTotal, externalBytes: m.external, arrayBuffersBytes: m.arrayBuffers };
    })(),
    clients: d.clientCount(),
    socket: d.socket,
    indexDir: d.captures.indexDir,
    logFile: d.logFile,
    idleTimeoutMs: d.idleTimeoutMs,
    captures: d.captures.openCaptures().map((c) => ({ captureId: c.captureId, path: c.path, state: busy.has(c.captureId) ? 'indexing' : 'ready' })),
    jobs: jobs.map((j) => ({
      captureId: j.captureId,
      phase: j.kind === 'order' ? 'memray order' : (j.progress?.phase ?? 'starting'),
      percent: j.progress === undefined || j.progress.totalBytes === 0 ? 0 : Math.min(99, (100 * j.progress.bytes) / j.progress.totalBytes),
    })),
    usage: (() => {
      const u = d.captures.usage();
      return {
        openCaptures: u.openCaptures,
        maxOpenCaptures: u.limits.maxOpen,
        idleCloseMs: u.limits.idleCloseMs,
        fileDescriptors: openFds(),
        indexDirBytes: u.indexBytes,
        cacheSizeBytes: u.limits.cacheSizeBytes,
        treesPerCapture: VIEWS_PER_INDEX,
        workerThreads: d.jobs.workerThreads,
      };
    })(),
  };
}

export function shutdown(ctx: ConnectionContext): null {
  ctx.log.info('shutdown requested');
  ctx.daemon.requestShutdown();
  return null;
}
