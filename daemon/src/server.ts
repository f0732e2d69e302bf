/**
 * The one wiring file: a Unix-socket server with one vscode-jsonrpc MessageConnection per
 * client, each request type bound to its plain handler function. No dispatch logic lives here
 * beyond the handshake guard and the error policy.
 */
import * as net from 'node:net';
import type { Logger } from 'pino';
import {
  CancellationTokenSource,
  createMessageConnection,
  ErrorCodes,
  ResponseError,
  type CancellationToken,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import { CacheClearRequest, CaptureForgetRequest, CaptureListRequest, CaptureOpenRequest, CaptureProgressNotification } from '../../protocol/src/capture.js';
import { DaemonInitializeRequest, DaemonShutdownRequest, DaemonStatusRequest } from '../../protocol/src/daemon.js';
import { MemtreeErrorCodes } from '../../protocol/src/errors.js';
import { CaptureMemoryRequest } from '../../protocol/src/memory.js';
import { NodeDetailRequest } from '../../protocol/src/node.js';
import { CaptureThreadsRequest } from '../../protocol/src/threads.js';
import { TreeExpandRequest, TreeExportRequest, TreeRootRequest, TreeSearchRequest } from '../../protocol/src/tree.js';
import { LimitedSocketReader, LimitedSocketWriter } from './framing.js';
import * as capture from './handlers/capture.js';
import type { ConnectionContext, DaemonContext } from './handlers/context.js';
import * as daemon from './handlers/daemon.js';
import * as memory from './handlers/memory.js';
import { strictReader } from './strict-reader.js';
import * as tree from './handlers/tree.js';

export interface Server {
  readonly clients: number;
  /** Stops accepting, closes every connection. */
  close(): Promise<void>;
}

/** SQLite errors meaning the index file itself is damaged. */
function isCorruption(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^SQLITE_(CORRUPT|NOTADB)/.test(code);
}

export function startServer(
  socketPath: string,
  makeContext: (clients: () => number) => DaemonContext,
  log: Logger,
  onActivity: () => void,
): Promise<Server> {
  const connections = new Set<MessageConnection>();
  const sockets = new Set<net.Socket>();
  const ctx = makeContext(() => connections.size);
  let nextId = 1;

  const serve = (socket: net.Socket): void => {
    const connLog = log.child({ conn: nextId++ });
    const rpcLog = connLog.child({ component: 'rpc' });
    const writer = new LimitedSocketWriter(socket, (bytes) => connLog.warn({ bufferedBytes: bytes }, 'client does not read its replies; closing the connection'));
    const reader = strictReader(new LimitedSocketReader(socket), writer, (what) => connLog.warn(what));
    const conn = createMessageConnection(reader, writer, {
      error: (m) => rpcLog.error(m),
      warn: (m) => rpcLog.warn(m),
      info: (m) => rpcLog.info(m),
      log: (m) => rpcLog.debug(m),
    });
    let closed = false;
    /** Requests in flight: cancelled when the client goes, so jobs nobody waits for stop. */
    const inFlight = new Set<CancellationTokenSource>();
    const cctx: ConnectionContext = {
      daemon: ctx,
      log: connLog,
      sendProgress: (p) => {
        // The client may be gone (it quit during indexing): a notification to it is dropped.
        if (closed) return;
        try {
          void conn.sendNotification(CaptureProgressNotification.type, p).catch(() => {});
        } catch (err) {
          connLog.debug({ err }, 'progress not sent');
        }
      },
    };
    let initialized = false;

    /** Binds a handler: handshake first, activity tracking, cancellation on disconnect, and one error policy. */
    const bind =
      <R>(method: string, fn: (c: ConnectionContext, params: unknown, token: CancellationToken) => R | Promise<R>) =>
      async (params: unknown, token: CancellationToken): Promise<R> => {
        // daemon/shutdown is allowed before the handshake: a client of another protocol
        // version must be able to stop this daemon and start its own.
        if (!initialized && method !== DaemonShutdownRequest.method && method !== DaemonInitializeRequest.method) {
          throw new ResponseError(MemtreeErrorCodes.ProtocolMismatch, `send ${DaemonInitializeRequest.method} first`);
        }
        const source = new CancellationTokenSource();
        const linked = token.onCancellationRequested(() => source.cancel());
        inFlight.add(source);
        try {
          return await fn(cctx, params, source.token);
        } catch (err) {
          if (err instanceof ResponseError) throw err;
          if (isCorruption(err) && typeof (params as { captureId?: unknown })?.captureId === 'string') {
            const id = (params as { captureId: string }).captureId;
            connLog.error({ err, captureId: id }, 'index is corrupt; discarding it');
            ctx.captures.discard(id);
            throw new ResponseError(MemtreeErrorCodes.IndexStale, 'the index was damaged and has been discarded; open the capture again');
          }
          connLog.error({ err, method }, 'request failed');
          throw new ResponseError(ErrorCodes.InternalError, `internal error in ${method}: ${(err as Error)?.message ?? String(err)}`);
        } finally {
          inFlight.delete(source);
          linked.dispose();
          source.dispose();
          onActivity();
        }
      };

    const init = bind(DaemonInitializeRequest.method, (c, params) => {
      const result = daemon.initialize(c, params);
      initialized = true;
      return result;
    });
    conn.onRequest(DaemonInitializeRequest.type, init);
    const status = bind(DaemonStatusRequest.method, daemon.status);
    conn.onRequest(DaemonStatusRequest.type, (token) => status(undefined, token));
    const shutdown = bind(DaemonShutdownRequest.method, daemon.shutdown);
    conn.onRequest(DaemonShutdownRequest.type, (token) => shutdown(undefined, token));
    conn.onRequest(CaptureOpenRequest.type, bind(CaptureOpenRequest.method, capture.open));
    const list = bind(CaptureListRequest.method, capture.list);
    conn.onRequest(CaptureListRequest.type, (token) => list(undefined, token));
    conn.onRequest(CaptureForgetRequest.type, bind(CaptureForgetRequest.method, capture.forget));
    conn.onRequest(CaptureMemoryRequest.type, bind(CaptureMemoryRequest.method, memory.memory));
    conn.onRequest(CacheClearRequest.type, bind(CacheClearRequest.method, capture.clearCache));
    conn.onRequest(TreeRootRequest.type, bind(TreeRootRequest.method, tree.root));
    conn.onRequest(TreeExpandRequest.type, bind(TreeExpandRequest.method, tree.expand));
    conn.onRequest(TreeExportRequest.type, bind(TreeExportRequest.method, tree.exportTree));
    conn.onRequest(NodeDetailRequest.type, bind(NodeDetailRequest.method, tree.detail));
    conn.onRequest(TreeSearchRequest.type, bind(TreeSearchRequest.method, tree.search));
    conn.onRequest(CaptureThreadsRequest.type, bind(CaptureThreadsRequest.method, tree.threads));

    conn.onError(([err]) => connLog.warn({ err }, 'connection error'));
    conn.onClose(() => {
      closed = true;
      for (const s of inFlight) s.cancel();
      connections.delete(conn);
      conn.dispose();
      onActivity();
      connLog.debug('client disconnected');
    });
    socket.on('error', (err) => connLog.debug({ err }, 'socket error'));
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    connections.add(conn);
    connLog.debug('client connected');
    conn.listen();
  };

  const server = net.createServer(serve);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve({
        get clients() {
          return connections.size;
        },
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            for (const c of connections) c.dispose();
            connections.clear();
            for (const s of sockets) s.destroy();
          }),
      });
    });
  });
}
