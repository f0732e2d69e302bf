/**
 * Options of `memtree tree`, shared by the JSON, print and interactive paths.
 */
import { compilePattern, PatternError } from '../../../protocol/src/pattern.js';
import type { SnapshotMode } from '../../../protocol/src/tree-document.js';
import type { RecordFilters, SnapshotRange } from '../../../protocol/src/tree.js';
import { formatHelp, parseArgs, UsageError, type OptionSpec } from '../cli/args.js';
import { sourceRootsFrom } from '../../../daemon/src/source/read-source.js';
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
  { long: 'thread', type: 'string', metavar: 'LABEL', repeatable: true, help: 'only records of this thread, labelled as the tree shows it ("0x1", "0x2 (worker)"); repeat for several' },
  { long: 'focus', type: 'string', metavar: 'RE', help: 'only records with a frame matching RE (function or file name)' },
  { long: 'ignore', type: 'string', metavar: 'RE', help: 'drop records with a frame matching RE' },
  { long: 'show-from', type: 'string', metavar: 'RE', help: "start each stack at its outermost frame matching RE (drop records without one)" },
  { long: 'hide', type: 'string', metavar: 'RE', help: 'remove frames matching RE from every stack' },
  { long: 'inverted', type: 'flag', help: 'the callers view: allocating frames at the top, their callers below' },
  { long: 'hide-import-system', type: 'flag', help: "hide import-system frames (memray's i)" },
  { long: 'show-uninteresting', type: 'flag', help: "show runpy and import-system frames (memray's u; --json shows them always)" },
  {
    long: 'source-root',
    type: 'string',
    repeatable: true,
    metavar: 'DIR',
    help: "look for the capture's source files under DIR first (repeatable; also MEMTREE_SOURCE_ROOTS, ':'-separated): /app/pkg/m.py is tried as DIR/app/pkg/m.py, DIR/pkg/m.py, DIR/m.py",
  },
  { long: 'no-source', type: 'flag', help: 'read no source files (the interactive view shows no code)' },
  { long: 'snapshot-range', type: 'string', metavar: 'A:B', help: "the tree of memory snapshots A to B (memray's indices, inclusive; memtree memory shows them): their peak, or with --leaks what they allocated and did not free" },
  { long: 'time-range', type: 'string', metavar: 'T1:T2', help: 'the same for times since the capture started (1.5s, 250ms; open ends: 2s:, :1s), mapped to snapshots as memray\'s plot does' },
  { long: 'no-daemon', type: 'flag', help: 'read the capture in this process instead of through memtreed' },
  ...DAEMON_SPECS,
];

export const TREE_USAGE =
  'usage: memtree tree [-h] [-b N] [--temporary-allocations | --temporary-allocation-threshold N | --leaks]\n' +
  '                    [--thread LABEL]... [--focus RE] [--ignore RE] [--show-from RE] [--hide RE] [--inverted]\n' +
  '                    [--hide-import-system] [--show-uninteresting] [--source-root DIR]... [--no-source]\n' +
  '                    [--snapshot-range A:B | --time-range T1:T2]\n' +
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
  /** Record filters, in the fixed order docs/views.md gives (whatever the order typed). */
  readonly filters: RecordFilters;
  readonly hideImportSystem: boolean;
  /** Whether --show-uninteresting was given (the view and --print hide them by default). */
  readonly showUninteresting: boolean;
  /** Checkouts to look for source files in first (--source-root, then MEMTREE_SOURCE_ROOTS), absolute. */
  readonly sourceRoots: readonly string[];
  /** --no-source: read no source file. */
  readonly noSource: boolean;
  /** --snapshot-range: memory snapshots start..end (or resolved from --time-range). */
  readonly range?: SnapshotRange;
  /** --time-range: ms since the capture started (undefined: an open end). */
  readonly timeRange?: { readonly fromMs?: number; readonly toMs?: number };
  readonly socket: string | undefined;
  readonly stateDir: string | undefined;
  readonly help: boolean;
}

/** Parses `memtree tree` arguments; throws UsageError. */
export function parseTreeOptions(argv: readonly string[], env: NodeJS.ProcessEnv = {}): TreeOptions {
  const { options: o, positionals, repeated } = parseArgs(argv, TREE_SPECS);
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
      filters: {},
      hideImportSystem: false,
      showUninteresting: false,
      sourceRoots: [],
      noSource: false,
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
  const ranges = rangeOptions(o, mode);
  return {
    capture: positionals[0]!,
    ...ranges,
    mode,
    biggestAllocs: (o.get('biggest-allocs') as number | undefined) ?? 200,
    json: o.get('json') === true,
    print: o.get('print') === true,
    maxDepth: o.get('max-depth') as number | undefined,
    noDaemon: o.get('no-daemon') === true,
    filters: recordFilters(o, repeated.get('thread') ?? []),
    hideImportSystem: o.get('hide-import-system') === true,
    showUninteresting: o.get('show-uninteresting') === true,
    sourceRoots: sourceRootsFrom(env, repeated.get('source-root') ?? []),
    noSource: o.get('no-source') === true,
    ...daemonLocation(o),
    help,
  };
}

/** The record filter options, each expression checked here so a bad one is a usage error naming its position. */
function recordFilters(o: ReadonlyMap<string, string | number | boolean>, threads: readonly string[]): RecordFilters {
  const re = (option: string): string | undefined => {
    const v = o.get(option) as string | undefined;
    if (v === undefined) return undefined;
    try {
      compilePattern(option, v);
    } catch (err) {
      if (err instanceof PatternError) throw new UsageError(`argument --${option}: ${err.message}`);
      throw err;
    }
    return v;
  };
  return {
    ...(threads.length > 0 ? { threads: [...threads] } : {}),
    focus: re('focus'),
    ignore: re('ignore'),
    showFrom: re('show-from'),
    hide: re('hide'),
    inverted: o.get('inverted') === true,
  };
}

/** A time: "1.5s", "250ms" (a bare number is seconds). */
function parseTime(option: string, text: string): number {
  const m = /^(\d+(?:\.\d*)?|\.\d+)(ms|s)?$/.exec(text.trim());
  if (m === null) throw new UsageError(`argument --${option}: invalid time '${text}' (use e.g. 1.5s or 250ms)`);
  return m[2] === 'ms' ? Number(m[1]) : Number(m[1]) * 1000;
}

/** --snapshot-range A:B and --time-range T1:T2 (peak and leaks modes only, one of the two). */
function rangeOptions(o: ReadonlyMap<string, string | number | boolean>, mode: SnapshotMode): { range?: SnapshotRange; timeRange?: { fromMs?: number; toMs?: number } } {
  const snap = o.get('snapshot-range') as string | undefined;
  const time = o.get('time-range') as string | undefined;
  if (snap === undefined && time === undefined) return {};
  if (snap !== undefined && time !== undefined) throw new UsageError('argument --time-range: not allowed with argument --snapshot-range');
  const which = snap !== undefined ? 'snapshot-range' : 'time-range';
  if (mode.kind === 'temporary') throw new UsageError(`argument --${which}: not allowed with temporary allocations (ranges show a peak or leaks)`);
  if (snap !== undefined) {
    const m = /^(\d+):(\d+)$/.exec(snap.trim());
    if (m === null) throw new UsageError(`argument --snapshot-range: expected A:B (snapshot indices), got '${snap}'`);
    const start = Number(m[1]);
    const end = Number(m[2]);
    if (start > end) throw new UsageError(`argument --snapshot-range: the start ${start} is after the end ${end}`);
    return { range: { start, end } };
  }
  const parts = time!.split(':');
  if (parts.length !== 2) throw new UsageError(`argument --time-range: expected T1:T2 (e.g. 1.5s:3s, 250ms:, :2s), got '${time}'`);
  const fromMs = parts[0]!.trim() === '' ? undefined : parseTime('time-range', parts[0]!);
  const toMs = parts[1]!.trim() === '' ? undefined : parseTime('time-range', parts[1]!);
  if (fromMs !== undefined && toMs !== undefined && fromMs > toMs) throw new UsageError(`argument --time-range: ${parts[0]} is after ${parts[1]}`);
  return { timeRange: { ...(fromMs === undefined ? {} : { fromMs }), ...(toMs === undefined ? {} : { toMs }) } };
}
