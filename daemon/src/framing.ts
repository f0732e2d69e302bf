/**
 * Message framing of one client socket, with limits. vscode-jsonrpc's own socket reader
 * buffers a header without a blank line and a body of any size, and its writer keeps every
 * queued reply as an object until the client reads: a client that sends garbage or never
 * reads would cost the daemon unbounded memory. These two cost a bounded amount.
 */
import type * as net from 'node:net';
import {
  AbstractMessageReader,
  AbstractMessageWriter,
  ErrorCodes,
  type DataCallback,
  type Disposable,
  type Message,
  type MessageReader,
  type MessageWriter,
} from 'vscode-jsonrpc/node';

export interface FramingLimits {
  /** Largest message body accepted (requests are small: a path and a few numbers). */
  readonly maxMessageBytes: number;
  /** Largest header block (`Content-Length: N` and perhaps a Content-Type need far less). */
  readonly maxHeaderBytes: number;
  /** Unsent bytes a connection may hold before another reply closes it (a client that does not read). */
  readonly maxBufferedBytes: number;
}

export const DEFAULT_LIMITS: FramingLimits = {
  maxMessageBytes: 1 << 20,
  maxHeaderBytes: 8 << 10,
  maxBufferedBytes: 32 << 20,
};

/** A framing problem; `fatal` when the stream cannot be resynchronised (the connection is closed after the reply). */
export class FramingError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly fatal: boolean,
  ) {
    super(message);
  }
}

const BLANK_LINE = Buffer.from('\r\n\r\n');

export class LimitedSocketReader extends AbstractMessageReader implements MessageReader {
  private buf: Buffer = Buffer.alloc(0);
  /** Body length once its header is read, else -1. */
  private need = -1;
  /** Bytes of an oversized body still to discard. */
  private skip = 0;
  private stopped = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly limits: FramingLimits = DEFAULT_LIMITS,
  ) {
    super();
  }

  listen(callback: DataCallback): Disposable {
    const onData = (b: Buffer): void => this.onData(b, callback);
    const onClose = (): void => this.fireClose();
    this.socket.on('data', onData);
    this.socket.on('close', onClose);
    return {
      dispose: () => {
        this.socket.off('data', onData);
        this.socket.off('close', onClose);
      },
    };
  }

  /** Reports a problem; a fatal one ends the connection once the reply is flushed, and nothing more is read. */
  private fail(e: FramingError): void {
    this.fireError(e);
    if (!e.fatal) return;
    this.stopped = true;
    this.buf = Buffer.alloc(0);
    // Read nothing more into memory: the reply goes out, the rest stays in the kernel.
    this.socket.pause();
    this.socket.end();
    // A client that keeps its side open gets cut off soon.
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  private onData(chunk: Buffer, callback: DataCallback): void {
    if (this.stopped) return;
    if (this.skip > 0) {
      const n = Math.min(this.skip, chunk.length);
      this.skip -= n;
      chunk = chunk.subarray(n);
    }
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    while (!this.stopped) {
      if (this.need < 0 && !this.readHeader()) return;
      if (this.need < 0) continue; // an oversized body was skipped
      if (this.buf.length < this.need) return;
      const body = this.buf.subarray(0, this.need);
      this.buf = this.buf.subarray(this.need);
      this.need = -1;
      let msg: unknown;
      try {
        msg = JSON.parse(body.toString('utf8'));
      } catch (err) {
        this.fail(new FramingError(`Parse error: ${(err as Error).message}`, ErrorCodes.ParseError, false));
        continue;
      }
      try {
        callback(msg as Message);
      } catch (err) {
        // The connection's own handling threw (a message it did not expect): report it and
        // go on with the next message, which may be in this very chunk.
        this.fireError(new FramingError(`internal error handling a message: ${(err as Error).message}`, ErrorCodes.InternalError, false));
      }
    }
  }

  /** Consumes a header block; false when more bytes are needed (or the connection is failing). */
  private readHeader(): boolean {
    const { maxHeaderBytes, maxMessageBytes } = this.limits;
    const end = this.buf.subarray(0, maxHeaderBytes + BLANK_LINE.length).indexOf(BLANK_LINE);
    if (end < 0) {
      if (this.buf.length > maxHeaderBytes) {
        this.fail(new FramingError(`header longer than ${maxHeaderBytes} bytes without a blank line`, ErrorCodes.InvalidRequest, true));
      }
      return false;
    }
    const header = this.buf.subarray(0, end).toString('ascii');
    this.buf = this.buf.subarray(end + BLANK_LINE.length);
    let length: number | undefined;
    for (const line of header.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === 'content-length') {
        const v = line.slice(colon + 1).trim();
        length = /^\d{1,15}$/.test(v) ? Number(v) : NaN;
      }
    }
    if (length === undefined || Number.isNaN(length)) {
      this.fail(new FramingError('header needs a Content-Length with a number of bytes', ErrorCodes.InvalidRequest, true));
      return false;
    }
    if (length > maxMessageBytes) {
      // The body is skipped as it arrives, never buffered; the stream stays in step.
      const n = Math.min(length, this.buf.length);
      this.buf = this.buf.subarray(n);
      this.skip = length - n;
      this.fail(new FramingError(`message of ${length} bytes is larger than the limit of ${maxMessageBytes}`, ErrorCodes.InvalidRequest, false));
      return true;
    }
    this.need = length;
    return true;
  }
}

export class LimitedSocketWriter extends AbstractMessageWriter implements MessageWriter {
  constructor(
    private readonly socket: net.Socket,
    /** Called when a client that does not read is cut off. */
    private readonly onOverflow: (bufferedBytes: number) => void,
    private readonly limits: FramingLimits = DEFAULT_LIMITS,
  ) {
    super();
    socket.on('close', () => this.fireClose());
  }

  /**
   * Serialises at once (a queued reply costs its bytes, not its object graph) and never waits
   * for the client. To a closed connection nothing is sent. One reply may go past the limit
   * (a big export to a client that reads); the next one to a socket still over it closes the
   * connection, which frees what it holds.
   */
  write(msg: Message): Promise<void> {
    const s = this.socket;
    if (s.destroyed || !s.writable) return Promise.resolve();
    if (s.writableLength > this.limits.maxBufferedBytes) {
      this.onOverflow(s.writableLength);
      s.destroy();
      return Promise.resolve();
    }
    const body = Buffer.from(JSON.stringify(msg), 'utf8');
    s.write(`Content-Length: ${body.length}\r\n\r\n`, 'ascii');
    s.write(body);
    return Promise.resolve();
  }

  end(): void {
    this.socket.end();
  }
}
