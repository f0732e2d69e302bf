/**
 * The interactive view of a small capture on a cold start (commands/tree.ts coldStart): memtreed
 * starts in the background and indexes the capture for the commands that follow, while this
 * process reads it, as --no-daemon does, and the view asks the records read here. Each request
 * checks that the file is still the version read (one stat, as memtreed does per request): a
 * file replaced or rewritten gets the view's changed-capture banner, and `r` opens the new
 * version through memtreed, which serves the rest of the session (reconnects included).
 */
import { ResponseError } from 'vscode-jsonrpc/node';
import { MemtreeErrorCodes } from '../../../protocol/src/errors.js';
import type { ViewOptions } from '../../../protocol/src/tree.js';
import { currentIdentity } from '../../../daemon/src/capture/fingerprint.js';
import type { LocalViews } from '../../../daemon/src/local.js';
import type { CommandIO } from '../commands/common.js';
import type { TreeOptions } from '../commands/tree-options.js';
import { DaemonLink } from './daemon-link.js';
import type { TerminalProfile } from './terminal.js';
import type { TreeSource } from './tree-source.js';
import type { TuiOutcome } from './tree-view.js';

type Local = typeof import('../../../daemon/src/local.js');

/** The capture read here, and the stat identity of the version read. */
export interface ColdRead {
  readonly local: Local;
  readonly views: LocalViews;
  readonly identity: string;
}

/**
 * Reads the capture here; undefined when it cannot be read (memtreed's open reports why, in its
 * words) or changed while it was read (memtreed's open takes the new version).
 */
export async function readCold(opts: TreeOptions): Promise<ColdRead | undefined> {
  try {
    const local = await import('../../../daemon/src/local.js');
    const identity = currentIdentity(opts.capture);
    const views = new local.LocalViews(opts.capture, opts.mode.kind === 'temporary' ? opts.mode.threshold : undefined);
    if (identity === undefined || currentIdentity(opts.capture) !== identity) return undefined;
    return { local, views, identity };
  } catch {
    return undefined;
  }
}

/** `source` whose every answer is checked to come from the file version `identity` of `file`. */
function checkedSource(source: TreeSource, file: string, identity: string): TreeSource {
  const check = (): void => {
    // A file that is gone changes nothing read here (as in the daemon, whose index answers alone).
    const now = currentIdentity(file);
    if (now === undefined || now === identity) return;
    const reason = 'the file changed (replaced or rewritten) since memtree opened it';
    throw new ResponseError(MemtreeErrorCodes.CaptureChanged, `${file}: ${reason}; open it again`, { path: file, reason });
  };
  // Before (nothing read from another version) and after (a temporary mode, or memray's record
  // order of an old capture, reads the file again: its own CaptureChangedError is the same news).
  const checked =
    <A extends unknown[], R>(f: ((...a: A) => Promise<R>) | undefined) =>
    (f === undefined
      ? undefined
      : async (...a: A): Promise<R> => {
          check();
          try {
            return await f.apply(source, a);
          } finally {
            check();
          }
        });
  return {
    searchPath: source.searchPath,
    capture: source.capture,
    root: checked(source.root)!,
    expand: checked(source.expand)!,
    detail: checked(source.detail)!,
    memory: checked(source.memory),
    search: checked(source.search),
    threads: checked(source.threads),
    elided: checked(source.elided),
  };
}

/**
 * The view over `cold` (see the top of this file), once `started` (the daemon's start) resolves:
 * a daemon that cannot start fails the command, as it does without this, before the view takes
 * the terminal; the view's modules load and its first rows are computed meanwhile.
 */
export async function coldView(
  opts: TreeOptions,
  io: CommandIO,
  terminal: TerminalProfile,
  view: ViewOptions,
  title: string,
  cold: ColdRead,
  started: Promise<void>,
): Promise<TuiOutcome> {
  const [{ LocalTreeSource }, { startTree }, { runTreeTui }] = await Promise.all([
    import('./local-source.js'),
    import('./tree-controller.js'),
    import('./tree-view.js'),
  ]);
  cold.views.view(view); // a bad expression fails here, before the view takes the terminal
  const local = new LocalTreeSource(cold.local, cold.views, { cwd: process.cwd(), sourceRoots: opts.sourceRoots, source: !opts.noSource });
  const tree = startTree(checkedSource(local, opts.capture, cold.identity), view, { terminal: { cols: io.stdout.columns ?? 80, rows: io.stdout.rows ?? 24 } });
  const link = new DaemonLink(opts, io);
  try {
    await started;
    return await runTreeTui({
      tree,
      title,
      terminal,
      warnings: cold.views.warnings,
      connection: {
        onLost: link.onLost,
        // `r` (the file changed, or memtreed went away after an earlier `r`): the capture through memtreed.
        reconnect: async () => {
          const { DaemonTreeSource } = await import('./daemon-source.js');
          return link.reconnect((c, o) => new DaemonTreeSource(c.conn, o.captureId, o.searchPath, { sourceRoots: opts.sourceRoots, source: !opts.noSource }, o.info));
        },
      },
    });
  } finally {
    link.close();
  }
}
