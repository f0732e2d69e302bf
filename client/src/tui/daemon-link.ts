/**
 * The interactive view's link to memtreed, the same for a view that starts on it
 * (interactive.ts) and one that starts on a capture read in this process (cold-view.ts): the
 * current connection, its loss told to the view (which keeps its rows and offers `r`), and `r`
 * itself: a new connection (starting a daemon if needed) with the capture opened again there.
 */
import type { CaptureOpenResult } from '../../../protocol/src/capture.js';
import { memtreePaths } from '../../../protocol/src/node/paths.js';
import type { CommandIO } from '../commands/common.js';
import { openCapture } from '../commands/open-capture.js';
import type { TreeOptions } from '../commands/tree-options.js';
import { connectDaemon, type DaemonClient } from '../daemon/connect.js';

type LostListener = (what: string, log: string) => void;

export class DaemonLink {
  private readonly lost = new Set<LostListener>();
  private ended = false;
  private current: DaemonClient | undefined;

  constructor(
    private readonly opts: TreeOptions,
    private readonly io: CommandIO,
  ) {}

  /** The connection in use (undefined before the first). */
  get client(): DaemonClient | undefined {
    return this.current;
  }

  /** A new connection to memtreed (started if needed), which becomes the one in use. */
  async connect(): Promise<DaemonClient> {
    const next = await this.dial();
    this.use(next);
    return next;
  }

  /** The view's `onLost`: `l` hears when the connection in use closes under it. */
  readonly onLost = (l: LostListener): (() => void) => {
    this.lost.add(l);
    return () => this.lost.delete(l);
  };

  /** `r`: the capture opened again on a new connection, made into the view's source by `make`. */
  async reconnect<S>(make: (client: DaemonClient, open: CaptureOpenResult) => S): Promise<S> {
    const next = await this.dial();
    try {
      const o = await openCapture(next, this.opts, () => {});
      const old = this.current;
      this.use(next);
      old?.close();
      return make(next, o);
    } catch (err) {
      next.close();
      throw err;
    }
  }

  /** The view is over: the connection is closed, and its closing is no news. */
  close(): void {
    this.ended = true;
    this.current?.close();
  }

  private dial(): Promise<DaemonClient> {
    return connectDaemon({ stateDir: this.opts.stateDir, socket: this.opts.socket, env: this.io.env });
  }

  private use(c: DaemonClient): void {
    this.current = c;
    c.conn.onClose(() => {
      if (c !== this.current || this.ended) return; // replaced by a reconnect, or closed by us
      const log = memtreePaths({ stateDir: this.opts.stateDir, socket: this.opts.socket }, this.io.env).logFile;
      this.lost.forEach((l) => l('memtreed closed the connection (it exited or was stopped)', log));
    });
  }
}
