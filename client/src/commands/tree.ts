/**
 * `memtree tree`: the tree of a capture as JSON, as text, or interactively; through memtreed
 * (started when needed) or, with --no-daemon, in this process.
 */
import * as path from 'node:path';
import { CancellationToken, ResponseError } from 'vscode-jsonrpc/node';
import { CaptureOpenRequest, CaptureProgressNotification, type CaptureOpenResult, type CaptureProgressParams } from '../../../protocol/src/capture.js';
import { MemtreeErrorCodes } from '../../../protocol/src/errors.js';
import { CaptureMemoryRequest, snapshotRangeOfTimes } from '../../../protocol/src/memory.js';
import type { RangeInfo, TreeDocument } from '../../../protocol/src/tree-document.js';
import { TreeExportRequest, type ViewOptions } from '../../../protocol/src/tree.js';
import { sizeFmt } from '../format/size.js';
import { checkCaptureFile } from '../../../daemon/src/capture/errors.js';
import { UsageError } from '../cli/args.js';
import { connectDaemon, type DaemonClient } from '../daemon/connect.js';
import { progressBar } from '../daemon/progress-bar.js';
import { useColor } from '../print/ansi.js';
import { printTree } from '../print/print-tree.js';
import { reportError, whileConnected, type CommandIO } from './common.js';
import { parseTreeOptions, treeHelp, TREE_USAGE, type TreeOptions } from './tree-options.js';

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

/** Opens the capture in memtreed (indexing it if needed); `onProgress` sees the indexing progress. */
export async function openCapture(
  client: DaemonClient,
  opts: TreeOptions,
  onProgress: (p: CaptureProgressParams) => void,
  token: CancellationToken = CancellationToken.None,
): Promise<CaptureOpenResult> {
  const sub = client.conn.onNotification(CaptureProgressNotification.type, onProgress);
  try {
    return await client.conn.sendRequest(CaptureOpenRequest.type, { path: opts.capture, cwd: process.cwd(), modes: [opts.mode] }, token);
  } finally {
    sub.dispose();
  }
}

/** openCapture with the indexing progress bar on stderr, failing if memtreed goes away meanwhile. */
async function openWithProgress(client: DaemonClient, opts: TreeOptions, io: CommandIO): Promise<CaptureOpenResult> {
  const bar = progressBar(io.stderr);
  try {
    return await whileConnected(client, opts, io.env, openCapture(client, opts, (p) => bar.update(p)));
  } finally {
    bar.done();
  }
}

/** Opens and exports once more (up to this many times) when the capture changed under the daemon. */
const REOPENS = 3;

async function daemonTree(opts: TreeOptions, io: CommandIO): Promise<TreeData> {
  const client = await connectDaemon({ stateDir: opts.stateDir, socket: opts.socket, env: io.env });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        const open = await openWithProgress(client, opts, io);
        const doc = await whileConnected(
          client,
          opts,
          io.env,
          client.conn.sendRequest(TreeExportRequest.type, {
            captureId: open.captureId,
            mode: opts.mode,
            biggestAllocs: opts.biggestAllocs,
            view: viewOf(opts, true),
          }),
        );
        return { doc, searchPath: open.searchPath, warnings: open.warnings };
      } catch (err) {
        // The file was replaced or rewritten while the daemon read it: open the new version.
        if (!(err instanceof ResponseError && err.code === MemtreeErrorCodes.CaptureChanged) || attempt + 1 >= REOPENS) throw err;
      }
    }
  } finally {
    client.close();
  }
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
    if (opts.timeRange !== undefined && !opts.noDaemon) opts = await resolveTimeRange(opts, io);
    if (!opts.json && !opts.print && io.stdout.isTTY === true && io.stdin?.isTTY === true) {
      // A terminal that cannot address the cursor (dumb) gets the printed tree.
      const { checkTerminal } = await import('../tui/terminal.js');
      const terminal = checkTerminal(io.env);
      if (terminal.ok) {
        // memray checks the path before anything else; so do we, before taking over the screen.
        checkCaptureFile(opts.capture);
        const { interactiveTree } = await import('../tui/interactive.js');
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

/** --time-range through memtreed: the capture's memory snapshots map the times to a snapshot range. */
async function resolveTimeRange(opts: TreeOptions, io: CommandIO): Promise<TreeOptions> {
  const client = await connectDaemon({ stateDir: opts.stateDir, socket: opts.socket, env: io.env });
  try {
    const open = await openWithProgress(client, opts, io);
    const m = await whileConnected(client, opts, io.env, client.conn.sendRequest(CaptureMemoryRequest.type, { captureId: open.captureId }));
    const range = snapshotRangeOfTimes((m.snapshots ?? []).map((x) => x[0]), m.startTimeMs, opts.timeRange?.fromMs, opts.timeRange?.toMs);
    return { ...opts, range, timeRange: undefined };
  } finally {
    client.close();
  }
}
