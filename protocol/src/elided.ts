/**
 * The allocation locations a view's `-b` left out of the tree (its ❓ row), a page at a time.
 */
import { RequestType } from 'vscode-jsonrpc';
import type { ViewOptions } from './tree.js';

export interface TreeElidedParams {
  /** Capture id from capture/open. */
  readonly captureId: string;
  /** The view whose left-out records are wanted (its record filters apply, then -b). */
  readonly view: ViewOptions;
  /** Index of the first left-out location to return (default 0). */
  readonly offset?: number;
  /** Maximum locations to return (default 200, at most 10000). */
  readonly limit?: number;
}

/** One snapshot record -b left out: a stack and thread, named by its allocating frame. */
export interface ElidedLocation {
  /** Function of the innermost frame the view shows for the record ("" for an empty stack). */
  readonly function: string;
  /** Its file. */
  readonly file: string;
  /** Its line. */
  readonly line: number;
  /** Frames of the stack as the view shows it (after hide and showFrom). */
  readonly depth: number;
  /** Bytes of the record. */
  readonly bytes: number;
  /** Its allocations. */
  readonly allocations: number;
  /** Its thread label, as nodes show it. */
  readonly thread: string;
}

export interface TreeElidedResult {
  /** The left-out locations from `offset`, biggest first (memray's size order). */
  readonly locations: readonly ElidedLocation[];
  /** All locations -b left out (the ❓ row's count). */
  readonly total: number;
  /** The offset the locations start at. */
  readonly offset: number;
}

/** The allocation locations -b left out of a view (its ❓ row), biggest first. @since 1.3 */
export namespace TreeElidedRequest {
  export const method = 'tree/elided' as const;
  export const type = new RequestType<TreeElidedParams, TreeElidedResult, void>(method);
}
