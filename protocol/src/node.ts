/**
 * Details of one node, with the source lines around its frame.
 */
import { RequestType } from 'vscode-jsonrpc';
import type { ViewNode, ViewOptions } from './tree.js';

export interface NodeDetailParams {
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

export interface NodeDetailResult {
  /** The node as the view shows it. */
  readonly node: ViewNode;
  /** null for the root, `<frozen …>`-style names, line 0 and unreadable files. */
  readonly source: SourceWindow | null;
}

/** A node's metadata and the source around its line, read by the daemon. */
export namespace NodeDetailRequest {
  export const method = 'node/detail' as const;
  export const type = new RequestType<NodeDetailParams, NodeDetailResult, void>(method);
}
