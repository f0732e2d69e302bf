/**
 * `memtree tree`: the tree of a capture as JSON, as text, or interactively; through memtreed
 * (started when needed) or, with --no-daemon, in this process.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CancellationTokenSource, ResponseError } from 'vscode-jsonrpc/node';
import { CaptureOpenRequest, CaptureProgressNotification, type CaptureOpenResult, type CaptureProgressParams } from '../../../protocol/src/capture.js';
import { MemtreeErrorCodes } from '../../../protocol/src/errors.js';
import { InsecureDirError } from '../../../protocol/src/node/secure-dir.js';
import type { TreeDocument } from '../../../protocol/src/tree-document.js';
import { TreeExportRequest, type ViewOptions } from '../../../protocol/src/tree.js';
import { CaptureError, NoSuchFileError } from '../../../daemon/src/capture/errors.js';
import { UsageError } from '../cli/args.js';
import { connectDaemon, DaemonUnavailableError, type DaemonClient } from '../daemon/connect.js';
import { progressBar } from '../daemon/progress-bar.js';
import { useColor } from '../print/ansi.js';
import { printTree } from '../print/print-tree.js';
import { parseTreeOptions, treeHelp, TREE_USAGE, type TreeOptions } from './tree-options.js';

/** Where a command writes; injected so commands can be tested without a process. */
export interface CommandIO {
  readonly stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly env: NodeJS.ProcessEnv;
}

interface TreeData {
  readonly doc: TreeDocument;
  readonly searchPath: readonly string[];
  readonly warnings: readonly string[];
}

/** The tree document read in this process (--no-daemon). */
export async function localTree(opts: TreeOptions): Promise<TreeData> {
  // Loaded on demand: the daemon path does not need the reader.
  const { loadCapture } = await import('../../../daemon/src/capture/load.js');
  const { treeDocument } = await import('../../../daemon/src/tree/tree-document.js');
  const threshold = opts.mode.kind === 'temporary' ? opts.mode.threshold : undefined;
  const capture = loadCapture(opts.capture, { temporaryThreshold: threshold });
  const doc = treeDocument(capture, path.resolve(opts.capture), opts.mode, opts.biggestAllocs);
  return { doc, searchPath: capture.header.sysPath, warnings: capture.warnings };
}

/** Opens the capture in memtreed, showing indexing progress on a terminal. */
export async function openThroughDaemon(client: DaemonClient, opts: TreeOptions, io: CommandIO): Promise<CaptureOpenResult> {
  const bar = progressBar(io.stderr);
  const sub = client.conn.onNotification(CaptureProgressNotification.type, (p) => bar.update(p));
  try {
    return await client.conn.sendRequest(CaptureOpenRequest.type, { path: opts.capture, cwd: process.cwd(), modes: [opts.mode] });
  } finally {
    sub.dispose();
    bar.done();
  }
}

async function daemonTree(opts: TreeOptions, io: CommandIO): Promise<TreeData> {
  const client = await connectDaemon({ stateDir: opts.stateDir, socket: opts.socket, env: io.env });
  try {
    const open = await openThroughDaemon(client, opts, io);
    const doc = await client.conn.sendRequest(TreeExportRequest.type, {
      captureId: open.captureId,
      mode: opts.mode,
      biggestAllocs: opts.biggestAllocs,
    });
    return { doc, searchPath: open.searchPath, warnings: open.warnings };
  } finally {
    client.close();
  }
}

/** Prints an error the way memray's CLI does; returns the exit status, or undefined if unknown. */
export function reportError(err: unknown, io: CommandIO): number | undefined {
  if (err instanceof NoSuchFileError || err instanceof CaptureError) {
    io.stderr.write(`${err.message}\n`);
    return 1;
  }
  if (err instanceof ResponseError) {
    const known: number[] = [
      MemtreeErrorCodes.CaptureNotFound,
      MemtreeErrorCodes.CaptureInvalid,
      MemtreeErrorCodes.ModeUnavailable,
    ];
    io.stderr.write(known.includes(err.code) ? `${err.message}\n` : `memtree: daemon error ${err.code}: ${err.message}\n`);
    return 1;
  }
  if (err instanceof DaemonUnavailableError || err instanceof InsecureDirError) {
    io.stderr.write(`memtree: ${err.message}\n`);
    return 1;
  }
  return undefined;
}

/** Resolves after pending socket writes had a turn of the event loop. */
function flushed(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/** The interactive view (a terminal on both ends): through memtreed, or in-process with --no-daemon. */
async function interactiveTree(opts: TreeOptions, io: CommandIO): Promise<void> {
  const view: ViewOptions = { mode: opts.mode, biggestAllocs: opts.biggestAllocs, hideImportSystem: false, hideUninteresting: true };
  const title = path.basename(opts.capture);
  let warnings: readonly string[] = [];
  if (opts.noDaemon) {
    const { runTreeTui } = await import('../tui/tree-view.js');
    const { DocumentTreeSource } = await import('../tui/tree-source.js');
    const local = await localTree(opts);
    warnings = local.warnings;
    await runTreeTui({ source: new DocumentTreeSource(local.doc, { cwd: process.cwd(), searchPath: local.searchPath }), view, title, searchPath: local.searchPath });
  } else {
    // Talk to the daemon while the view's modules load: the first screen comes sooner.
    const client = await connectDaemon({ stateDir: opts.stateDir, socket: opts.socket, env: io.env });
    try {
      const listeners = new Set<(p: CaptureProgressParams) => void>();
      let last: CaptureProgressParams | undefined;
      const sub = client.conn.onNotification(CaptureProgressNotification.type, (p) => {
        last = p;
        listeners.forEach((l) => l(p));
      });
      const cancel = new CancellationTokenSource();
      const open = client.conn.sendRequest(CaptureOpenRequest.type, { path: opts.capture, cwd: process.cwd(), modes: [opts.mode] }, cancel.token);
      const [{ DaemonTreeSource }, { treeConfig }] = await Promise.all([import('../tui/daemon-source.js'), import('../tui/tree-state.js')]);
      const source = open.then((o) => {
        warnings = o.warnings;
        const s = new DaemonTreeSource(client.conn, o.captureId, o.searchPath);
        s.prefetch(view, treeConfig().pageSize);
        return s;
      });
      source.catch(() => {}); // reported by runTreeTui below
      // An indexed capture opens in milliseconds: wait that long so the prefetch requests are
      // on the wire before the view's (synchronous) terminal setup blocks this thread. A capture
      // that needs indexing goes straight to the progress view.
      await Promise.race([source.then(flushed, flushed), new Promise((r) => setTimeout(r, 60))]);
      const { runTreeTui } = await import('../tui/tree-view.js');
      await runTreeTui({
        source,
        view,
        title,
        progress: (l) => {
          listeners.add(l);
          if (last !== undefined) l(last);
          return () => listeners.delete(l);
        },
        onCancel: () => cancel.cancel(),
      });
      sub.dispose();
    } finally {
      client.close();
    }
  }
  // Like memray, warnings are left on the terminal after the full-screen view closes.
  for (const w of warnings) io.stderr.write(`memtree: warning: ${opts.capture}: ${w}\n`);
}

export async function treeCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  let opts: TreeOptions;
  try {
    opts = parseTreeOptions(argv);
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
      // memray checks the path before anything else; so do we, before taking over the screen.
      if (!fs.statSync(opts.capture, { throwIfNoEntry: false })?.isFile()) throw new NoSuchFileError(opts.capture);
      await interactiveTree(opts, io);
      return 0;
    }
    const { doc, searchPath, warnings } = opts.noDaemon ? await localTree(opts) : await daemonTree(opts, io);
    for (const w of warnings) io.stderr.write(`memtree: warning: ${opts.capture}: ${w}\n`);
    if (opts.json) {
      io.stdout.write(`${JSON.stringify(doc)}\n`);
      return 0;
    }
    const color = useColor(io.stdout.isTTY === true, io.env);
    const lines = printTree(doc, searchPath, { color, maxDepth: opts.maxDepth });
    io.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  } catch (err) {
    const code = reportError(err, io);
    if (code !== undefined) return code;
    throw err;
  }
}
