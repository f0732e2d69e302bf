/** What `memtree tree --no-daemon [flags] FILE` computes, in this process: the reference for daemon answers. */
import { localTree } from '../../client/src/commands/tree.js';
import { parseTreeOptions } from '../../client/src/commands/tree-options.js';

export type LocalTree = Awaited<ReturnType<typeof localTree>>;

/** The tree document, sys.path and warnings of `memtree tree --no-daemon ...flags file`. */
export function localTreeOf(file: string, flags: readonly string[] = []): Promise<LocalTree> {
  return localTree(parseTreeOptions(['--no-daemon', ...flags, file]));
}
