/**
 * Options of `memtree tree`, shared by the JSON, print and interactive paths.
 */
import type { SnapshotMode } from '../../../protocol/src/tree-document.js';
import { formatHelp, parseArgs, UsageError, type OptionSpec } from '../cli/args.js';
import { DAEMON_SPECS, daemonLocation } from './common.js';

export const TREE_SPECS: readonly OptionSpec[] = [
  { long: 'help', short: 'h', type: 'flag', help: 'show this help message and exit' },
  { long: 'biggest-allocs', short: 'b', type: 'int', metavar: 'N', help: 'show the N biggest allocation locations (default 200)' },
  { long: 'temporary-allocations', type: 'flag', help: 'show temporary allocations (same as --temporary-allocation-threshold 1)' },
  {
    long: 'temporary-allocation-threshold',
    type: 'int',
    metavar: 'N',
    help: 'show allocations freed after at most N other allocations by the same thread',
  },
  { long: 'leaks', type: 'flag', help: 'show what was still allocated when tracking ended' },
  { long: 'json', type: 'flag', help: 'print the tree as one JSON document (docs/json-output.md)' },
  { long: 'print', type: 'flag', help: 'print the tree as text instead of opening the interactive view' },
  { long: 'max-depth', type: 'int', metavar: 'N', help: 'with --print: print at most N levels below the root' },
  { long: 'no-daemon', type: 'flag', help: 'read the capture in this process instead of through memtreed' },
  ...DAEMON_SPECS,
];

export const TREE_USAGE =
  'usage: memtree tree [-h] [-b N] [--temporary-allocations | --temporary-allocation-threshold N | --leaks]\n' +
  '                    [--json | --print [--max-depth N]] [--no-daemon] [--socket PATH] [--state-dir DIR] CAPTURE';

export function treeHelp(): string {
  return `${TREE_USAGE}\n\nShow which code held the memory of a memray capture at its peak.\n\npositional arguments:\n  CAPTURE  a capture file written by \`memray run\`\n\noptions:\n${formatHelp(TREE_SPECS)}\n`;
}

export interface TreeOptions {
  readonly capture: string;
  readonly mode: SnapshotMode;
  readonly biggestAllocs: number;
  readonly json: boolean;
  readonly print: boolean;
  readonly maxDepth: number | undefined;
  readonly noDaemon: boolean;
  readonly socket: string | undefined;
  readonly stateDir: string | undefined;
  readonly help: boolean;
}

/** Parses `memtree tree` arguments; throws UsageError. */
export function parseTreeOptions(argv: readonly string[]): TreeOptions {
  const { options: o, positionals } = parseArgs(argv, TREE_SPECS);
  const help = o.get('help') === true;
  if (help) {
    return {
      capture: '',
      mode: { kind: 'peak' },
      biggestAllocs: 200,
      json: false,
      print: false,
      maxDepth: undefined,
      noDaemon: false,
      socket: undefined,
      stateDir: undefined,
      help,
    };
  }
  const temp = o.get('temporary-allocations') === true;
  const threshold = o.get('temporary-allocation-threshold') as number | undefined;
  const leaks = o.get('leaks') === true;
  if (temp && threshold !== undefined) {
    throw new UsageError('argument --temporary-allocation-threshold: not allowed with argument --temporary-allocations');
  }
  if (leaks && (temp || threshold !== undefined)) {
    throw new UsageError(`argument --leaks: not allowed with argument ${temp ? '--temporary-allocations' : '--temporary-allocation-threshold'}`);
  }
  if (o.get('json') === true && o.get('print') === true) throw new UsageError('argument --print: not allowed with argument --json');
  if (positionals.length === 0) throw new UsageError('the following arguments are required: CAPTURE');
  if (positionals.length > 1) throw new UsageError(`unrecognized arguments: ${positionals.slice(1).join(' ')}`);
  // As in memray, a negative threshold means "not temporary" (peak mode).
  const thr = temp ? 1 : threshold;
  const mode: SnapshotMode = leaks
    ? { kind: 'leaks' }
    : thr !== undefined && thr >= 0
      ? { kind: 'temporary', threshold: thr }
      : { kind: 'peak' };
  return {
    capture: positionals[0]!,
    mode,
    biggestAllocs: (o.get('biggest-allocs') as number | undefined) ?? 200,
    json: o.get('json') === true,
    print: o.get('print') === true,
    maxDepth: o.get('max-depth') as number | undefined,
    noDaemon: o.get('no-daemon') === true,
    ...daemonLocation(o),
    help,
  };
}
