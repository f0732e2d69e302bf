/**
 * The capture/progress listeners of a connection. vscode-jsonrpc keeps one handler per method
 * (a second onNotification replaces the first, and either's dispose removes whichever is set),
 * so every part of the client that listens (the open's progress bar or view, the tree view's
 * "loading… N %" while the daemon computes a mode) goes through this one handler.
 */
import type { MessageConnection } from 'vscode-jsonrpc';
import { CaptureProgressNotification, type CaptureProgressParams } from '../../../protocol/src/capture.js';

type Listener = (p: CaptureProgressParams) => void;

const hubs = new WeakMap<MessageConnection, Set<Listener>>();

/** Calls `listener` with every capture/progress on `conn` until the returned function is called. */
export function onCaptureProgress(conn: MessageConnection, listener: Listener): () => void {
  let listeners = hubs.get(conn);
  if (listeners === undefined) {
    const all = new Set<Listener>();
    conn.onNotification(CaptureProgressNotification.type, (p) => {
      for (const l of [...all]) l(p);
    });
    hubs.set(conn, all);
    listeners = all;
  }
  const mine = listeners;
  mine.add(listener);
  return () => void mine.delete(listener);
}
