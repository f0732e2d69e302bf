/**
 * `memtree tree`: the tree of a capture as JSON, as text, or interactively.
 */
import * as path from 'node:path';
import type { TreeDocument } from '../../../protocol/src/tree-document.js';
import { CaptureError, NoSuchFileError } from '../../../daemon/src/capture/errors.js';
import { loadCapture } from '../../../daemon/src/capture/load.js';
import { treeDocument } from '../../../daemon/src/tree/tree-document.js';
import { UsageError } from '../cli/args.js';
import { useColor } from '../print/ansi.js';
import { printTree } from '../print/print-tree.js';
import { parseTreeOptions, treeHelp, TREE_USAGE, type TreeOptions } from './tree-options.js';

/** Where a command writes; injected so commands can be tested without a process. */
export interface CommandIO {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
}

/** The tree document and the traced process's sys.path, read in this process. */
export function localTree(opts: TreeOptions): { doc: TreeDocument; searchPath: readonly string[]; warnings: readonly string[] } {
  const threshold = opts.mode.kind === 'temporary' ? opts.mode.threshold : undefined;
  const capture = loadCapture(opts.capture, { temporaryThreshold: threshold });
  const doc = treeDocument(capture, path.resolve(opts.capture), opts.mode, opts.biggestAllocs);
  return { doc, searchPath: capture.header.sysPath, warnings: capture.warnings };
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
    const { doc, searchPath, warnings } = localTree(opts);
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
    if (err instanceof NoSuchFileError || err instanceof CaptureError) {
      io.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
