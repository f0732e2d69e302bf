/**
 * A listener on a daemon's socket path standing in for a memtreed that fails in a chosen way,
 * for the client's side of faults (a real daemon cannot be made to fail at an exact moment).
 */
import * as net from 'node:net';
import { PROTOCOL_VERSION } from '../../protocol/src/version.js';

/** Each JSON-RPC request a client sends on a connection, in order, with what the fake does. */
export type FakeReply = (request: { id: number; method: string }, n: number, s: net.Socket, server: net.Server) => void;

/** Listens on `socket`; `onConnection` gets each raw connection. Close it with `server.close()`. */
export async function fakeListener(socket: string, onConnection: (s: net.Socket, server: net.Server) => void): Promise<net.Server> {
  const server = net.createServer((s) => onConnection(s, server));
  await new Promise<void>((r) => server.listen(socket, r));
  return server;
}

/** A fake that parses the client's frames and hands each request to `reply`. */
export function fakeDaemon(socket: string, reply: FakeReply): Promise<net.Server> {
  return fakeListener(socket, (s, server) => {
    let n = 0;
    let buf = '';
    s.on('data', (b: Buffer) => {
      buf += b.toString();
      const frame = /^Content-Length: (\d+)\r\n\r\n/;
      for (let m = frame.exec(buf); m !== null && buf.length >= m[0].length + Number(m[1]); m = frame.exec(buf)) {
        const request = JSON.parse(buf.slice(m[0].length, m[0].length + Number(m[1]))) as { id: number; method: string };
        buf = buf.slice(m[0].length + Number(m[1]));
        // A fake that ended its side still reads what the client sent meanwhile: no more replies.
        if (!s.writableEnded && !s.destroyed) reply(request, n++, s, server);
      }
    });
  });
}

/** Writes one JSON-RPC result frame. */
export function sendResult(s: net.Socket, id: number, result: unknown): void {
  const body = JSON.stringify({ jsonrpc: '2.0', id, result });
  s.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

/** Answers the handshake like a daemon of our protocol, then dies half-way through its next answer. */
export const diesMidAnswer: FakeReply = (request, n, s, server) => {
  if (n === 0) {
    sendResult(s, request.id, { protocolVersion: PROTOCOL_VERSION, daemonVersion: '0', capabilities: {} });
    return;
  }
  // Half a reply, then gone: the client's reader holds a partial message.
  s.end('Content-Length: 5000\r\n\r\n{"jsonrpc":"2.0","id":');
  server.close();
};

/** Answers the handshake and ends the connection with it: the client's next request goes to a closed socket. */
export const closesAfterHandshake: FakeReply = (request, _n, s) => {
  const body = JSON.stringify({ jsonrpc: '2.0', id: request.id, result: { protocolVersion: PROTOCOL_VERSION, daemonVersion: '0', capabilities: {} } });
  s.end(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
};
