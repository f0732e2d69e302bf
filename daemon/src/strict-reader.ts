/**
 * vscode-jsonrpc silently drops bodies that are not JSON and messages that are neither
 * request, notification nor response. JSON-RPC 2.0 wants an error reply (-32700 parse error,
 * -32600 invalid request, id null), so a script talking to the socket learns what it did
 * wrong. This reader wraps the socket reader and answers those itself.
 */
import { ErrorCodes, type DataCallback, type Message, type MessageReader, type MessageWriter } from 'vscode-jsonrpc/node';
import { FramingError } from './framing.js';

function isValid(m: unknown): boolean {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return false;
  const o = m as Record<string, unknown>;
  if (o.jsonrpc !== '2.0') return false;
  if (typeof o.method === 'string') {
    const idOk = o.id === undefined || typeof o.id === 'number' || typeof o.id === 'string';
    const paramsOk = o.params === undefined || (typeof o.params === 'object' && o.params !== null);
    // vscode-jsonrpc throws on a cancellation whose id is neither number nor string.
    const cancelOk = o.method !== '$/cancelRequest' || ['number', 'string'].includes(typeof (o.params as { id?: unknown } | undefined)?.id);
    return idOk && paramsOk && cancelOk;
  }
  // A response (the daemon sends no requests, but tolerate them): needs an id and a result or error.
  return 'id' in o && ('result' in o || 'error' in o);
}

export function strictReader(inner: MessageReader, writer: MessageWriter, onReject: (what: string) => void): MessageReader {
  const reply = (code: number, message: string, id: string | number | null = null): void => {
    void writer.write({ jsonrpc: '2.0', id, error: { code, message } } as unknown as Message).catch(() => {});
  };
  inner.onError((err) => {
    onReject(`unusable message: ${err.message}`);
    if (err instanceof FramingError) reply(err.code, err.message);
    else reply(ErrorCodes.ParseError, `Parse error: ${err.message}`);
  });
  return {
    onError: inner.onError,
    onClose: inner.onClose,
    onPartialMessage: inner.onPartialMessage,
    dispose: () => inner.dispose(),
    listen(callback: DataCallback) {
      return inner.listen((msg) => {
        if (isValid(msg)) callback(msg);
        else {
          onReject('invalid JSON-RPC message');
          // Any JSON value may arrive here, `null` too.
          const id = typeof msg === 'object' && msg !== null ? (msg as { id?: unknown }).id : undefined;
          reply(ErrorCodes.InvalidRequest, 'Invalid Request', typeof id === 'number' || typeof id === 'string' ? id : null);
        }
      });
    },
  };
}
