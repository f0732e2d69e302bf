/** Counts with thousands separators, and the integer rules of the option parser. */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError, type OptionSpec } from '../../client/src/cli/args.js';
import { parseTreeOptions } from '../../client/src/commands/tree-options.js';
import { formatCount } from '../../client/src/format/count.js';
import { elidedLabelSegments, joinLabel } from '../../client/src/format/label.js';
import { summaryLine } from '../../client/src/print/print-tree.js';

describe('formatCount', () => {
  it('groups digits by three with commas, whatever the locale', () => {
    expect([0, 7, 999, 1000, 11_249_925, -1234567, 2 ** 53 - 1].map(formatCount)).toEqual([
      '0',
      '7',
      '999',
      '1,000',
      '11,249,925',
      '-1,234,567',
      '9,007,199,254,740,991',
    ]);
  });

  it('is used for the counts in printed labels', () => {
    const label = joinLabel(elidedLabelSegments({ allocations: 11_249_925, locations: 1234, bytes: 10, total: 100 }));
    expect(label).toContain('11,249,925 allocations from 1,234 locations');
    const line = summaryLine({ mode: { kind: 'temporary', threshold: 1000 }, biggestAllocs: 100_000, peakMemory: 100, shownBytes: 50, elided: { allocations: 1, locations: 1, bytes: 50 } });
    expect(line).toContain('the 100,000 biggest locations');
    expect(line).toContain('threshold 1,000');
  });
});

describe('integer options (Python int() as argparse applies it)', () => {
  const specs: OptionSpec[] = [{ long: 'biggest-allocs', short: 'b', type: 'int', metavar: 'N', help: '' }];
  const b = (v: string): unknown => parseArgs(['-b', v], specs).options.get('biggest-allocs');
  it('accepts signs, blanks, underscores between digits, and values up to 2^53 - 1', () => {
    expect(['12', '+12', '-12', ' 12 ', '1_000', '007', '-0', '9007199254740991'].map(b)).toEqual([12, 12, -12, 12, 1000, 7, 0, 9007199254740991]);
    expect(parseArgs(['--biggest-allocs=-3'], specs).options.get('biggest-allocs')).toBe(-3);
    expect(parseArgs(['-b-3'], specs).options.get('biggest-allocs')).toBe(-3);
  });
  it('refuses non-integers and integers a double cannot hold exactly', () => {
    for (const v of ['1e3', '1.0', '', 'x', '1__0', '_1', '1_', '0x10', '9007199254740992', '-9007199254740992']) {
      expect(() => b(v), v).toThrow(UsageError);
    }
  });
});

describe('--source-root and MEMTREE_SOURCE_ROOTS', () => {
  it('collects every --source-root (made absolute) before the environment’s list', () => {
    const o = parseTreeOptions(['--source-root', 'rel', '--source-root=/b', 'x.bin'], { MEMTREE_SOURCE_ROOTS: `/c${path.delimiter}${path.delimiter}/d` });
    expect(o.sourceRoots).toEqual([path.resolve('rel'), '/b', '/c', '/d']);
    expect(o.noSource).toBe(false);
    expect(parseTreeOptions(['--no-source', 'x.bin']).noSource).toBe(true);
    expect(parseTreeOptions(['x.bin']).sourceRoots).toEqual([]);
  });
});
