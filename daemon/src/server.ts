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
import { TreeElidedRequest } from '../../protocol/src/elided.js';
import { FramingError, LimitedSocketReader, LimitedSocketWriter } from './framing.js';
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

type Handler = (c: ConnectionContext, params: unknown, token: CancellationToken) => unknown;

/** Every request method of protocol/ and its handler. */
const HANDLERS: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  [DaemonInitializeRequest.method, daemon.initialize],
  [DaemonStatusRequest.method, daemon.status],
  [DaemonShutdownRequest.method, daemon.shutdown],
  [CaptureOpenRequest.method, capture.open],
  [CaptureListRequest.method, capture.list],
  [CaptureForgetRequest.method, capture.forget],
  [CaptureMemoryRequest.method, memory.memory],
  [CacheClearRequest.method, capture.clearCache],
  [TreeRootRequest.method, tree.root],
  [TreeExpandRequest.method, tree.expand],
  [TreeExportRequest.method, tree.exportTree],
  [NodeDetailRequest.method, tree.detail],
  [TreeSearchRequest.method, tree.search],
  [TreeElidedRequest.method, tree.elided],
  [CaptureThreadsRequest.method, tree.threads],
]);

/** The methods this daemon answers (docs and tests check them against protocol/). */
export const HANDLED_METHODS: readonly string[] = [...HANDLERS.keys()];

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

    /**
     * Every request goes through here: a known method, the handshake first, cancellation when
     * the client goes, activity tracking, and one error policy. (One dispatcher for all methods
     * rather than vscode-jsonrpc's per-type handlers: those get positional params spread and the
     * token in another place when a client sends params a method does not declare.)
     */
    const dispatch = async (method: string, params: unknown, token: CancellationToken): Promise<unknown> => {
      const handler = HANDLERS.get(method);
      if (handler === undefined) throw new ResponseError(ErrorCodes.MethodNotFound, `Unhandled method ${method}`);
      // daemon/shutdown is allowed before the handshake: a client of another protocol
      // version must be able to stop this daemon and start its own.
      if (!initialized && method !== DaemonShutdownRequest.method && method !== DaemonInitializeRequest.method) {
        throw new ResponseError(MemtreeErrorCodes.ProtocolMismatch, `send ${DaemonInitializeRequest.method} first`);
      }
      const source = new CancellationTokenSource();
      // A cancel that came with the request (before it was handled) arrives as vscode-jsonrpc's
      // CancellationToken.Cancelled, whose onCancellationRequested never fires: checked here.
      if (token.isCancellationRequested) source.cancel();
      const linked = token.onCancellationRequested(() => source.cancel());
      inFlight.add(source);
      try {
        const pending = handler(cctx, params, source.token);
        // Set before the first await: a client may send its next request in the same chunk as
        // the handshake, and that request is dispatched before any microtask runs.
        if (method === DaemonInitializeRequest.method) initialized = true;
        return await pending;
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
    conn.onRequest(dispatch);

    // Framing errors are the client's and already logged (one line) by the strict reader.
    conn.onError(([err]) => {
      if (!(err instanceof FramingError) || err.code === ErrorCodes.InternalError) connLog.warn({ err }, 'connection error');
    });
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
