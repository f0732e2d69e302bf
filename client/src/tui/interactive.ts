/**
 * The entry of `memtree tree`'s interactive view (a terminal on both ends): through memtreed,
 * or in-process with --no-daemon. commands/tree.ts decides that the view is wanted; this file
 * owns everything from there to the exit status.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { CancellationTokenSource } from 'vscode-jsonrpc/node';
import type { CaptureOpenResult, CaptureProgressParams } from '../../../protocol/src/capture.js';
import type { ProvisionalCaptureFacts, ViewOptions } from '../../../protocol/src/tree.js';
import type { ProvisionalSeed } from '../tui/provisional-feed.js';
import type { DaemonClient } from '../daemon/connect.js';
import type { CommandIO } from '../commands/common.js';
import { coldStart, openCapture, viewOf } from '../commands/tree.js';
import type { TreeOptions } from '../commands/tree-options.js';
import { coldView, readCold } from './cold-view.js';
import { DaemonLink } from './daemon-link.js';
import type { TerminalProfile } from './terminal.js';
import type { TuiOutcome } from './tree-view.js';

/** Resolves after pending socket writes had a turn of the event loop. */
function flushed(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/** The interactive view (a terminal on both ends): through memtreed, or in-process with --no-daemon. */
export async function interactiveTree(opts: TreeOptions, io: CommandIO, terminal: TerminalProfile): Promise<number> {
  let view: ViewOptions = viewOf(opts, false);
  const title = path.basename(opts.capture);
  const size = { cols: io.stdout.columns ?? 80, rows: io.stdout.rows ?? 24 };
  let warnings: readonly string[] = [];
  let outcome: TuiOutcome;
  // A cold start of a small capture: read here while memtreed starts (cold-view.ts).
  const cold = opts.noDaemon ? undefined : coldStart(opts, io);
  const read = cold === undefined ? undefined : await readCold(opts);
  if (read !== undefined) {
    warnings = read.views.warnings;
    outcome = await coldView(opts, io, terminal, view, title, read, cold!.done);
  } else if (opts.noDaemon) {
    const [local, { LocalTreeSource }, { startTree }] = await Promise.all([
      import('../../../daemon/src/local.js'),
      import('../tui/local-source.js'),
      import('../tui/tree-controller.js'),
    ]);
    // Every view (filters, threads, inverted, modes) is computed here from the capture read once.
    const views = new local.LocalViews(opts.capture, opts.mode.kind === 'temporary' ? opts.mode.threshold : undefined);
    warnings = views.warnings;
    if (opts.timeRange !== undefined) {
      if (opts.mode.kind === 'temporary') throw new local.TimeRangeError('time ranges apply to the peak and leaks modes, not to temporary allocations');
      view = { ...view, range: views.rangeOfTimes(opts.timeRange) };
    }
    views.view(view); // a bad expression fails here, before the view takes the terminal
    const source = new LocalTreeSource(local, views, { cwd: process.cwd(), sourceRoots: opts.sourceRoots, source: !opts.noSource });
    const tree = startTree(source, view, { terminal: size });
    const { runTreeTui } = await import('../tui/tree-view.js');
    outcome = await runTreeTui({ tree, title, terminal, warnings });
  } else {
    await cold?.done; // the capture could not be read here: the daemon's open says why
    // Talk to the daemon while the view's modules load: the first screen comes sooner. A closed
    // connection (the daemon exited or was stopped) is reported to the view, which keeps the rows
    // it has and offers `r` (daemon-link.ts).
    const link = new DaemonLink(opts, io);
    const client = await link.connect();
    let ended = false;
    try {
      const listeners = new Set<(p: CaptureProgressParams) => void>();
      let last: CaptureProgressParams | undefined;
      const cancel = new CancellationTokenSource();
      // Provisional trees while the capture is indexed (provisional-feed.ts): the feed starts with
      // the first progress notification once its modules are loaded, and stops when the capture is open.
      let feed: import('../tui/provisional-feed.js').ProvisionalFeed | undefined;
      let opened = false;
      const offers = new Set<(o: import('../tui/provisional-feed.js').ProvisionalOffer) => void>();
      const open = openCapture(
        client,
        opts,
        (p) => {
          last = p;
          listeners.forEach((l) => l(p));
          feed?.progress(p);
        },
        cancel.token,
      );
      const modules = Promise.all([import('../tui/daemon-source.js'), import('../tui/tree-controller.js'), import('../tui/provisional-feed.js')]);
      const stopFeed = (): void => {
        opened = true;
        feed?.stop();
      };
      open.then(stopFeed, stopFeed);
      void modules.then(([{ DaemonTreeSource }, { startTree }, { ProvisionalFeed, hasProvisionalTrees }]) => {
        if (opened || ended || !hasProvisionalTrees(view)) return;
        const conn = client.conn;
        const sources = { sourceRoots: opts.sourceRoots, source: !opts.noSource };
        // Labelled as the final tree will be: module names from the capture's sys.path, its format note.
        const make = (captureId: string, n: number, c: ProvisionalCaptureFacts | undefined, seed?: ProvisionalSeed) => {
          const info = c === undefined ? undefined : { formatVersion: c.formatVersion, writtenBy: c.writtenBy, fileFormat: 'all_allocations' as const };
          return startTree(new DaemonTreeSource(conn, captureId, c?.searchPath ?? [], sources, info, n), view, { terminal: size, seed });
        };
        feed = new ProvisionalFeed(conn, view, make);
        feed.subscribe((o) => offers.forEach((l) => l(o)));
        if (last !== undefined) feed.progress(last);
      }, () => {});
      // The same source options for the first connection and every reconnect.
      const sourceOf = (Source: typeof import('../tui/daemon-source.js').DaemonTreeSource, c: DaemonClient, o: CaptureOpenResult) =>
        new Source(c.conn, o.captureId, o.searchPath, { sourceRoots: opts.sourceRoots, source: !opts.noSource }, o.info);
      // The tree's first requests (root and first-child chain) go out as soon as the capture is
      // open, before the view's modules load; the view attaches to the tree when it is up.
      const tree = Promise.all([open, modules]).then(([o, [{ DaemonTreeSource }, { startTree }]]) => {
        warnings = o.warnings;
        return startTree(sourceOf(DaemonTreeSource, client, o), view, { terminal: size });
      });
      tree.catch(() => {}); // reported by runTreeTui below
      // An indexed capture opens in milliseconds: wait that long so the tree's requests are on
      // the wire before the view's (synchronous) terminal setup blocks this thread. A capture
      // that needs indexing goes straight to the progress view.
      await Promise.race([tree.then(flushed, flushed), new Promise((r) => setTimeout(r, 60))]);
      const { runTreeTui } = await import('../tui/tree-view.js');
      outcome = await runTreeTui({
        tree,
        title,
        terminal,
        warnings: open.then((o) => o.warnings),
        progress: (l) => {
          listeners.add(l);
          if (last !== undefined) l(last);
          return () => listeners.delete(l);
        },
        onCancel: () => cancel.cancel(),
        provisional: (l) => {
          offers.add(l);
          return () => offers.delete(l);
        },
        connection: {
          onLost: link.onLost,
          reconnect: async () => {
            const [{ DaemonTreeSource }] = await modules;
            return link.reconnect((c, o) => sourceOf(DaemonTreeSource, c, o));
          },
        },
      });
    } finally {
      ended = true;
      link.close();
    }
  }
  if (outcome === 'cancelled') {
    io.stderr.write(`memtree: indexing ${opts.capture} cancelled\n`);
    return 130;
  }
  // Like memray, warnings are left on the terminal after the full-screen view closes.
  for (const w of warnings) io.stderr.write(`memtree: warning: ${opts.capture}: ${w}\n`);
  // A signal ends the view like it ends a shell command: 128 + its number.
  return outcome === 'quit' ? 0 : 128 + os.constants.signals[outcome];
}
