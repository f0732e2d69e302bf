/**
 * `memtree tree`: the tree of a capture as JSON, as text, or interactively; through memtreed
 * (started when needed) or, with --no-daemon, in this process.
 */
import * as path from 'node:path';
import { CaptureMemoryRequest, snapshotRangeOfTimes } from '../../../protocol/src/memory.js';
import type { RangeInfo, TreeDocument } from '../../../protocol/src/tree-document.js';
import { TreeExportRequest, type ViewOptions } from '../../../protocol/src/tree.js';
import { sizeFmt } from '../format/size.js';
import { checkCaptureFile } from '../../../daemon/src/capture/errors.js';
import { isSmallCapture } from '../../../daemon/src/capture/small-capture.js';
import { UsageError } from '../cli/args.js';
import { connectDaemon, startInBackground, type DaemonClient } from '../daemon/connect.js';
import { useColor } from '../print/ansi.js';
import { printTree } from '../print/print-tree.js';
import { reportError, type CommandIO } from './common.js';
import { withOpenCapture } from './open-capture.js';
import { parseTreeOptions, treeHelp, TREE_USAGE, type TreeOptions } from './tree-options.js';

/** The view (interactive.ts) opens captures the same way. */
export { openCapture } from './open-capture.js';

interface TreeData {
  readonly doc: TreeDocument;
  readonly searchPath: readonly string[];
  readonly warnings: readonly string[];
}

/**
 * The view the options ask for. The document (--json, and what --print and the --no-daemon
 * view display) shows every frame, the flags say which are uninteresting; only
 * `--hide-import-system` removes frames from it. The interactive view and --print hide
 * uninteresting frames unless --show-uninteresting.
 */
export function viewOf(opts: TreeOptions, forDocument: boolean): ViewOptions {
  return {
    ...opts.filters,
    mode: opts.mode,
    biggestAllocs: opts.biggestAllocs,
    hideImportSystem: opts.hideImportSystem,
    hideUninteresting: forDocument ? false : !opts.showUninteresting,
    ...(opts.range === undefined ? {} : { range: opts.range }),
  };
}

/** The tree document read in this process (--no-daemon). */
export async function localTree(opts: TreeOptions, view: ViewOptions = viewOf(opts, true)): Promise<TreeData> {
  // Loaded on demand: the daemon path does not need the reader.
  const local = await import('../../../daemon/src/local.js');
  return local.localTree(opts.capture, opts.timeRange === undefined ? view : { ...view, timeRange: opts.timeRange });
}

/**
 * A cold start of a small capture (capture/small-capture.ts; no daemon at the socket path, this client starts it): the
 * daemon starts in the background and indexes the capture (--prefetch) for the commands that
 * follow, while this one reads it itself, as --no-daemon does. Undefined for anything else.
 */
export function coldStart(opts: TreeOptions, io: CommandIO): { readonly done: Promise<void> } | undefined {
  // Anything else (odd, gone, unreadable: the daemon's open says what is wrong) goes to memtreed.
  if (opts.timeRange !== undefined || !isSmallCapture(opts.capture)) return undefined;
  return startInBackground({ stateDir: opts.stateDir, socket: opts.socket, env: io.env }, path.resolve(opts.capture));
}

async function daemonTree(opts: TreeOptions, io: CommandIO): Promise<TreeData> {
  const cold = coldStart(opts, io);
  if (cold !== undefined) {
    // The same document as through the daemon (the same engine over the same records); a
    // capture that cannot be read is the daemon's to report, in its words.
    const local = await localTree(opts).catch(() => undefined);
    await cold.done; // a daemon that cannot start fails the command, as it does without this
    if (local !== undefined) return local;
  }
  const client = await connectDaemon({ stateDir: opts.stateDir, socket: opts.socket, env: io.env });
  try {
    return await withOpenCapture(client, opts, io, opts, async (open) => {
      // --time-range: the capture's memory snapshots map the times to a snapshot range.
      const o = opts.timeRange === undefined ? opts : await withRangeOfTimes(client, open.captureId, opts);
      const doc = await client.conn.sendRequest(TreeExportRequest.type, {
        captureId: open.captureId,
        mode: o.mode,
        biggestAllocs: o.biggestAllocs,
        view: viewOf(o, true),
      });
      return { doc, searchPath: open.searchPath, warnings: open.warnings };
    });
  } finally {
    client.close();
  }
}

/** `opts` with its --time-range replaced by the snapshot range it maps to in the open capture. */
async function withRangeOfTimes(client: DaemonClient, captureId: string, opts: TreeOptions): Promise<TreeOptions> {
  const m = await client.conn.sendRequest(CaptureMemoryRequest.type, { captureId });
  const range = snapshotRangeOfTimes((m.snapshots ?? []).map((x) => x[0]), m.startTimeMs, opts.timeRange?.fromMs, opts.timeRange?.toMs);
  return { ...opts, range, timeRange: undefined };
}

export async function treeCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  let opts: TreeOptions;
  try {
    opts = parseTreeOptions(argv, io.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`${TREE_USAGE}\nmemtree tree: error: ${err.message}\n`);
    return 2;
  }
  if (opts.help) {
    io.stdout.write(treeHelp());
    return 0;
  }
  try {
    if (!opts.json && !opts.print && io.stdout.isTTY === true && io.stdin?.isTTY === true) {
      // A terminal that cannot address the cursor (dumb) gets the printed tree.
      const { checkTerminal } = await import('../tui/terminal.js');
      const terminal = checkTerminal(io.env);
      if (terminal.ok) {
        // memray checks the path before anything else; so do we, before taking over the screen.
        checkCaptureFile(opts.capture);
        const { interactiveTree } = await import('../tui/interactive.js');
        if (opts.timeRange !== undefined && !opts.noDaemon) opts = await resolveTimeRange(opts, io);
        return await interactiveTree(opts, io, terminal.profile);
      }
      io.stderr.write(`memtree: ${terminal.reason}: printing the tree instead of the interactive view\n`);
    }
    const { doc, searchPath, warnings } = opts.noDaemon ? await localTree(opts) : await daemonTree(opts, io);
    for (const w of warnings) io.stderr.write(`memtree: warning: ${opts.capture}: ${w}\n`);
    if (opts.json) {
      io.stdout.write(`${JSON.stringify(doc)}\n`);
      return 0;
    }
    const color = useColor(io.stdout.isTTY === true, io.env);
    const { hideImportSystem, hideUninteresting } = viewOf(opts, false);
    const lines = printTree(doc, searchPath, { color, maxDepth: opts.maxDepth, filter: { hideImportSystem, hideUninteresting } });
    if (doc.range !== undefined) lines.unshift(rangeHeading(doc.range, doc.mode.kind));
    io.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  } catch (err) {
    if (err instanceof Error && err.name === 'TimeRangeError') {
      io.stderr.write(`memtree: ${err.message}\n`);
      return 1;
    }
    const code = reportError(err, io);
    if (code !== undefined) return code;
    throw err;
  }
}

/** One line naming the range a tree shows and the moment it chose. */
export function rangeHeading(r: RangeInfo, kind: string): string {
  const s = (ms: number | undefined, dflt: string): string => (ms === undefined ? dflt : `${(ms / 1000).toFixed(3)} s`);
  if (kind === 'peak' && r.snapshot !== undefined) {
    const when = r.snapshot === r.snapshots ? `after the last snapshot (${s(r.fromMs, 'the start')})` : `before snapshot ${r.snapshot} (${s(r.fromMs, 'the start')} – ${s(r.toMs, 'the end')})`;
    return `Memory snapshots ${r.start}-${r.end} of ${r.snapshots}: their peak, ${sizeFmt(r.bytes!)} ${when}`;
  }
  return `Memory snapshots ${r.start}-${r.end} of ${r.snapshots} (${s(r.fromMs, 'the start')} – ${s(r.toMs, 'the end')}): allocated there and not freed by its end`;
}

/** --time-range through memtreed, for the interactive view: the snapshot range the times map to. */
async function resolveTimeRange(opts: TreeOptions, io: CommandIO): Promise<TreeOptions> {
  const client = await connectDaemon({ stateDir: opts.stateDir, socket: opts.socket, env: io.env });
  try {
    return await withOpenCapture(client, opts, io, opts, (open) => withRangeOfTimes(client, open.captureId, opts));
  } finally {
    client.close();
  }
}
