/**
 * A JSON-RPC client at the byte level, for tests that misbehave on purpose: arbitrary frames,
 * garbage, a socket that never reads. Replies are parsed as they arrive (when reading).
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { waitFor } from './daemon-instance.js';

export interface Reply {
  id: number | string | null;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
  method?: string;
}

/** One framed message. */
export function frame(body: string | Buffer): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return Buffer.concat([Buffer.from(`Content-Length: ${b.length}\r\n\r\n`, 'ascii'), b]);
}

export function request(id: number | string, method: string, params?: unknown): Buffer {
  return frame(JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }));
}

export class RawClient {
  readonly replies: Reply[] = [];
  closed = false;
  private buf = Buffer.alloc(0);

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (b: Buffer) => this.onData(b));
    socket.on('error', () => undefined);
    socket.on('close', () => (this.closed = true));
  }

  static connect(path: string, opts: { read?: boolean } = {}): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(path);
      s.once('connect', () => {
        const c = new RawClient(s);
        if (opts.read === false) s.pause();
        resolve(c);
      });
      s.once('error', reject);
    });
  }

  write(data: Buffer | string): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  /** The reply with this id (the first one left with id null, taken off the list, when `id` is null). */
  reply(id: number | string | null, timeoutMs = 30_000): Promise<Reply> {
    return waitFor(
      () => {
        const r = this.replies.find((x) => x.id === id && x.method === undefined);
        if (r !== undefined) {
          if (id === null) this.replies.splice(this.replies.indexOf(r), 1);
          return r;
        }
        if (this.closed) throw new Error(`connection closed before the reply to ${String(id)}`);
        return undefined;
      },
      timeoutMs,
      `reply ${String(id)}`,
    );
  }

  /** The first reply whose id is one of `ids`, taken off the list. */
  replyTo(ids: readonly (number | string | null)[], timeoutMs = 30_000): Promise<Reply> {
    return waitFor(
      () => {
        const i = this.replies.findIndex((x) => x.method === undefined && ids.includes(x.id));
        if (i >= 0) return this.replies.splice(i, 1)[0];
        if (this.closed) throw new Error(`connection closed before a reply to ${ids.join(', ')}`);
        return undefined;
      },
      timeoutMs,
      `a reply to ${ids.join(', ')}`,
    );
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(b: Buffer): void {
    this.buf = Buffer.concat([this.buf, b]);
    for (;;) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const m = /Content-Length: (\d+)/i.exec(this.buf.subarray(0, end).toString('ascii'));
      const len = Number(m![1]);
      if (this.buf.length < end + 4 + len) return;
      this.replies.push(JSON.parse(this.buf.subarray(end + 4, end + 4 + len).toString('utf8')) as Reply);
      this.buf = this.buf.subarray(end + 4 + len);
    }
  }
}

/** Resident memory of a process in bytes (Linux: /proc/PID/status). */
export function rssOf(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}

export const HAS_PROC = fs.existsSync('/proc/self/status');
