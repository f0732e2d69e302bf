/**
 * Details of one node, with the source lines around its frame.
 */
import { RequestType } from 'vscode-jsonrpc';
import type { ProvisionalParams, ProvisionalResult, ViewNode, ViewOptions } from './tree.js';

export interface NodeDetailParams extends ProvisionalParams {
  /** Capture id from capture/open. */
  readonly captureId: string;
  /** The view the node id belongs to. */
  readonly view: ViewOptions;
  /** The node. */
  readonly nodeId: number;
  /** Lines of source wanted on each side of the frame's line (default 10, at most 200). */
  readonly context?: number;
  /** The client's working directory, for relative source paths. */
  readonly cwd?: string;
  /**
   * Absolute directories tried before the recorded paths: `/a/b/c.py` maps to ROOT/a/b/c.py,
   * ROOT/b/c.py, ROOT/c.py (another machine's or a container's checkout; `--source-root`).
   */
  readonly sourceRoots?: readonly string[];
  /** false: read no source file at all (`--no-source`); default true. */
  readonly source?: boolean;
}

/** A place the source was looked for, and why it was not used. */
export interface SourceAttempt {
  /** The path tried. */
  readonly path: string;
  /** Why not, e.g. "no such file", "not a regular file (not read)", "has 12 lines, not 40". */
  readonly problem: string;
}

/** Source lines around a frame. */
export interface SourceWindow {
  /** The file that was read. */
  readonly path: string;
  /** 1-based line number of `lines[0]`. */
  readonly firstLine: number;
  /** The lines, without line terminators or trailing whitespace. */
  readonly lines: readonly string[];
}

export interface NodeDetailResult extends ProvisionalResult {
  /** The node as the view shows it. */
  readonly node: ViewNode;
  /** null for the root, `<frozen …>`-style names, line 0, unreadable files and `source: false`. */
  readonly source: SourceWindow | null;
  /** When `source` is null because no file could be used: every place tried, in order. */
  readonly sourceTried?: readonly SourceAttempt[];
}

/** A node's metadata and the source around its line, read by the daemon. */
export namespace NodeDetailRequest {
  export const method = 'node/detail' as const;
  export const type = new RequestType<NodeDetailParams, NodeDetailResult, void>(method);
}
