// Label formatting helpers checked against the examples of tree-reporter.md (§2.6, §3.3-3.7,
// Appendix A) and capture-format.md §13, plus exact-arithmetic and python3 cross-checks.
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  GRADIENT_TABLE,
  elidedGradientIndex,
  gradientColor,
  gradientIndex,
} from '../../client/src/format/gradient.js';
import {
  elidedLabel,
  elidedLabelExcluded,
  elidedLabelExcludedSegments,
  elidedLabelSegments,
  joinLabel,
  nodeLabel,
  nodeLabelSegments,
} from '../../client/src/format/label.js';
import { filenameToModuleName, formatPosition } from '../../client/src/format/module-name.js';
import { formatFixedPython, formatPercent, percentOf, sizeFmt } from '../../client/src/format/size.js';
import { threadLabel } from '../../daemon/src/tree/thread-label.js';

/** Python's `format(x, '.<digits>f')` computed with BigInt on the exact binary value of x. */
function referenceFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'nan';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  if (!Number.isFinite(x)) return `${sign}inf`;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const biased = Number(bits >> 52n);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (biased === 0 ? 1 : biased) - 1075; // |x| = mantissa * 2^exponent exactly
  let num = mantissa * 10n ** BigInt(digits);
  let den = 1n;
  if (exponent >= 0) num <<= BigInt(exponent);
  else den <<= BigInt(-exponent);
  let q = num / den;
  const twice = 2n * (num % den);
  if (twice > den || (twice === den && q % 2n === 1n)) q += 1n;
  const text = q.toString().padStart(digits + 1, '0');
  return sign + (digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`);
}

/** memray's size_fmt on top of the reference formatter. */
function referenceSizeFmt(n: number): string {
  let num = n + 0;
  for (const unit of ['', 'k', 'M', 'G', 'T', 'P', 'E', 'Z']) {
    if (Math.abs(num) < 1000) return `${referenceFixed(num, 3)}${unit}B`;
    num /= 1000;
  }
  return `${referenceFixed(num, 1)}YB`;
}

/** Doubles that stress rounding: random bit patterns, exact binary ties, sizes scaled by 1000^k. */
const awkwardDoubles = fc.oneof(
  fc.double(),
  fc.double({ min: -1e6, max: 1e6 }),
  fc.tuple(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 22 })).map(([m, k]) => m / 2 ** k),
  fc.tuple(fc.maxSafeNat(), fc.integer({ min: 1, max: 5 })).map(([n, k]) => n / 1000 ** k),
);

describe('sizeFmt', () => {
  it.each([
    [0, '0.000B'],
    [65, '65.000B'],
    [999, '999.000B'],
    [1000, '1.000kB'],
    [1024, '1.024kB'],
    [10240, '10.240kB'],
    [1048576, '1.049MB'],
    [1062500, '1.062MB'], // exact tie 1.0625: half to even, not toFixed's "1.063MB"
    [1022976, '1.023MB'],
    [123456789, '123.457MB'],
    [1e12, '1.000TB'],
    [2 ** 64 - 1, '18.447EB'],
    [999999999, '1000.000MB'], // unit chosen before rounding
    [511488000, '511.488MB'],
    [501304320, '501.304MB'],
    [-1024, '-1.024kB'],
    [-0, '0.000B'],
    [1e24, '1.0YB'],
    [1e27, '1000.0YB'],
    [NaN, 'nanYB'],
    [Infinity, 'infYB'],
    [-Infinity, '-infYB'],
  ])('%d -> %s', (n, expected) => {
    expect(sizeFmt(n)).toBe(expected);
  });

  it('prints huge YB values in full, like Python', () => {
    // Python 3.11's size_fmt(1.5e300), verbatim.
    expect(sizeFmt(1.5e300)).toBe(
      '1500000000000000201106866923510992195861225302850110632707005178180663359974466613160422628725571382' +
        '2591336566335286957178626709733651463514726912804344056692715308970367423254335721718784148307488083' +
        '09606623870412156430987322671040576052013739896585803405703740946050977890304.0YB',
    );
  });

  it('agrees with the exact reference for random sizes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.maxSafeNat(), fc.bigInt({ min: 0n, max: 2n ** 70n }).map(Number), awkwardDoubles), (n) => {
        expect(sizeFmt(n)).toBe(referenceSizeFmt(n));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('formatFixedPython', () => {
  it.each([
    [12.125, 2, '12.12'],
    [12.375, 2, '12.38'],
    [1.0625, 3, '1.062'],
    [0.5, 0, '0'],
    [1.5, 0, '2'],
    [2.5, 0, '2'],
    [9.9995, 3, '9.999'], // not an exact tie in binary: the double is below 9.9995
    [99.995, 2, '100.00'], // ...and this one is above 99.995
    [0.125, 1, '0.1'],
    [-2.5, 0, '-2'],
    [-0.0001, 3, '-0.000'],
    [-0, 2, '-0.00'],
    [0, 2, '0.00'],
    [1e21, 3, '1000000000000000000000.000'],
    [NaN, 2, 'nan'],
    [Infinity, 2, 'inf'],
    [-Infinity, 2, '-inf'],
  ])('format(%d, .%df) -> %s', (x, digits, expected) => {
    expect(formatFixedPython(x, digits)).toBe(expected);
  });

  it('rejects digit counts outside 0..20', () => {
    expect(() => formatFixedPython(1, 21)).toThrow(RangeError);
    expect(() => formatFixedPython(1, 1.5)).toThrow(RangeError);
  });

  it('agrees with the exact BigInt reference for random doubles', () => {
    fc.assert(
      fc.property(awkwardDoubles, fc.integer({ min: 0, max: 20 }), (x, digits) => {
        expect(formatFixedPython(x, digits)).toBe(referenceFixed(x, digits));
      }),
      { numRuns: 20000 },
    );
  });
});

describe('formatPercent', () => {
  it.each([
    [1885, 3250, '58.00'],
    [6144, 10240, '60.00'],
    [1024, 11264, '9.09'],
    [10240, 11264, '90.91'],
    [1022976, 511488000, '0.20'],
    [501304320, 511488000, '98.01'],
    [12125, 100000, '12.12'], // 12.125 exactly: ties to even
    [1, 8000, '0.01'], // 0.0125 is not exact in binary and lies above the tie
    [1024, 1024, '100.00'],
    [0, 0, 'nan'],
    [5, 0, 'inf'],
  ])('100 * %d / %d -> %s', (value, total, expected) => {
    expect(formatPercent(value, total)).toBe(expected);
  });

  it('divides exactly when 100 * value exceeds 2^53 (Python ints never round)', () => {
    expect(percentOf(2 ** 60 + 12345, 2 ** 62 + 7)).toBe(25.000000000000266);
    expect(percentOf(1e18, 3e18)).toBe(33.333333333333336);
    expect(percentOf(-(2 ** 60), 2 ** 62)).toBe(-25);
  });
});

describe('gradient', () => {
  // tree-reporter.md Appendix A, index 0..100.
  const APPENDIX_A = [
    '#61c12c', '#64bf2b', '#67be2a', '#6bbd29', '#6ebc29', '#72bb28', '#75ba27', '#79b926', '#7cb826', '#7fb725',
    '#83b624', '#86b523', '#8ab423', '#8db322', '#91b222', '#94b121', '#97b020', '#9baf1f', '#9eae1f', '#a2ad1e',
    '#a5ac1d', '#a9ab1c', '#ada91c', '#b0a81b', '#b4a71a', '#b7a619', '#bba519', '#bea418', '#c2a318', '#c5a217',
    '#c8a116', '#cca015', '#cf9f15', '#d39e14', '#d69d13', '#da9c12', '#dd9b12', '#e09a11', '#e49910', '#e7980f',
    '#ea970f', '#ec960e', '#ed960d', '#ee950c', '#ef950c', '#f0940b', '#f1930a', '#f29209', '#f39208', '#f49107',
    '#f59107', '#f59107', '#f69006', '#f79005', '#f88f04', '#f98e03', '#fa8d02', '#fb8d02', '#fc8c01', '#fd8c00',
    '#fd8b00', '#fd8a01', '#fb8903', '#fa8806', '#f98608', '#f8850b', '#f6840d', '#f5830f', '#f48211', '#f38014',
    '#f27f16', '#f07e18', '#ef7d1b', '#ee7b1d', '#ed7a1f', '#eb7921', '#ea7824', '#e97626', '#e87529', '#e6742b',
    '#e5732d', '#e3722f', '#e27131', '#e16f34', '#e06e36', '#df6d39', '#dd6c3b', '#dc6b3d', '#db693f', '#da6842',
    '#d86744', '#d76646', '#d66449', '#d5634b', '#d3624d', '#d2614f', '#d15f52', '#d05e54', '#ce5d57', '#cd5c59',
    '#cd5c5c',
  ];

  it('reproduces all 101 colours of Appendix A with the quantised algorithm', () => {
    expect(GRADIENT_TABLE).toEqual(APPENDIX_A);
    expect(APPENDIX_A.map((_, i) => gradientColor(i))).toEqual(APPENDIX_A);
  });

  it('divides before multiplying for tree nodes: 58.00 % is colour 57', () => {
    expect(formatPercent(1885, 3250)).toBe('58.00');
    expect(gradientIndex(1885, 3250)).toBe(57);
    expect(gradientColor(gradientIndex(1885, 3250))).toBe('#fb8d02');
    expect(gradientIndex(6144, 10240)).toBe(60);
    expect(gradientColor(60)).toBe('#fd8b00'); // quantisation: not exactly darkorange
  });

  it('multiplies first for the ❓ node', () => {
    expect(elidedGradientIndex(1885, 3250)).toBe(58);
    expect(elidedGradientIndex(501304320, 511488000)).toBe(98);
  });

  it('clamps out-of-range and undefined shares', () => {
    expect(gradientIndex(0, 0)).toBe(0);
    expect(gradientIndex(5, 0)).toBe(100);
    expect(gradientIndex(-5, 10)).toBe(0);
    expect(gradientIndex(30, 10)).toBe(100);
    expect(gradientColor(-3)).toBe('#61c12c');
    expect(gradientColor(250)).toBe('#cd5c5c');
    expect(gradientColor(57.9)).toBe('#fb8d02');
  });
});

describe('filenameToModuleName', () => {
  const dirs = new Set(['/app', '/', '.', '/app/.', '/app/x.py', '/usr/lib/python3.11', '/usr/lib/python3.11/site-packages']);
  const isDir = (p: string) => dirs.has(p);
  const app = (file: string) => filenameToModuleName(file, ['/app'], isDir);

  it.each([
    ['/app/pkg/mod.py', 'pkg.mod'],
    ['/app/pkg/__init__.py', 'pkg'],
    ['/app/__init__.py', '__init__'], // no leading dot to remove
    ['/elsewhere/x.py', '/elsewhere/x.py'],
    ['<frozen runpy>', '<frozen runpy>'],
    ['/app//pkg/../m.py', 'pkg....m'], // '//' collapses, '..' is kept literally
    ['/app/./a/./b.py', 'a.b'],
    ['/app/pkg/mod.pyx', '/app/pkg/mod.pyx'], // only .py files are shortened
    ['/app', '/app'],
    ['fun.py', 'fun.py'], // relative files never match absolute entries
    ['//app/x.py', '//app/x.py'], // POSIX keeps a leading '//' as a distinct root
    ['///app/x.py', 'x'], // ...but three or more slashes collapse to '/'
    ['/app/.py', '.py'], // a bare '.py' name has no suffix for pathlib
    ['/app/a.__init__x/b.py', 'ax.b'],
  ])('%s -> %s', (file, expected) => {
    expect(app(file)).toBe(expected);
  });

  it('takes the first existing directory that is a prefix', () => {
    expect(filenameToModuleName('/app/m.py', ['/missing', '/', '/app'], isDir)).toBe('app.m');
    expect(filenameToModuleName('/app/m.py', ['/app/m.py', '/app'], isDir)).toBe('m'); // file == dir fails
    expect(filenameToModuleName('/app/m.py', ['/ap', '/app/.'], isDir)).toBe('m');
    expect(filenameToModuleName('/app/m.py', ['/nowhere/..', '/app'], () => true)).toBe('m');
    expect(filenameToModuleName('/app/m.py', ['/app'], () => false)).toBe('/app/m.py');
  });

  it('lets relative entries match relative files', () => {
    expect(filenameToModuleName('fun.py', ['/app', '.'], isDir)).toBe('fun');
    expect(filenameToModuleName('./pkg/__init__.py', ['.'], isDir)).toBe('pkg');
  });

  it('shows site-packages inside the stdlib dir with its prefix (first match wins)', () => {
    const path = ['/usr/lib/python3.11', '/usr/lib/python3.11/site-packages'];
    expect(filenameToModuleName('/usr/lib/python3.11/json/decoder.py', path, isDir)).toBe('json.decoder');
    expect(filenameToModuleName('/usr/lib/python3.11/site-packages/pkg/mod.py', path, isDir)).toBe(
      'site-packages.pkg.mod',
    );
  });
});

describe('formatPosition and threadLabel', () => {
  const shorten = (file: string) => filenameToModuleName(file, ['/app'], (p) => p === '/app');

  it('shows module:line, or the raw file for line 0', () => {
    expect(formatPosition('fun.py', 4, shorten)).toBe('fun.py:4');
    expect(formatPosition('/app/pkg/mod.py', 12, shorten)).toBe('pkg.mod:12');
    expect(formatPosition('/app/fun.c', 0, shorten)).toBe('/app/fun.c');
    expect(formatPosition('', 0, shorten)).toBe('');
  });

  it('formats thread ids like memray', () => {
    expect(threadLabel(1, undefined)).toBe('0x1');
    expect(threadLabel(1, 'MainThread')).toBe('0x1 (MainThread)');
    expect(threadLabel(255, '')).toBe('0xff');
    expect(threadLabel(-1, 'ignored')).toBe('merged thread');
    expect(threadLabel(-5, undefined)).toBe('-0x5');
    expect(threadLabel(2n ** 64n - 1n, 'w')).toBe('0xffffffffffffffff (w)');
  });
});

describe('labels', () => {
  const node = (icon: 'folder' | 'file', bytes: number, total: number, fn: string, position: string) =>
    nodeLabel({ icon, bytes, total, fn, position });

  it('formats the rows of the TUI tests T2-T4', () => {
    expect(node('folder', 1024, 1024, 'grandparent', 'fun.py:4')).toBe('📂 1.024kB (100.00 %) grandparent  fun.py:4');
    expect(node('file', 1024, 1024, 'me', 'fun.py:12')).toBe('📄 1.024kB (100.00 %) me  fun.py:12');
    expect(node('folder', 10240, 10240, '<ROOT>', '')).toBe('📂 10.240kB (100.00 %) <ROOT>');
    expect(node('folder', 6144, 10240, 'grandparent2', 'fun2.py:4')).toBe('📂 6.144kB (60.00 %) grandparent2  fun2.py:4');
    expect(node('file', 3072, 10240, 'child2', 'fun2.py:22')).toBe('📄 3.072kB (30.00 %) child2  fun2.py:22');
    expect(node('folder', 11264, 11264, '<ROOT>', '')).toBe('📂 11.264kB (100.00 %) <ROOT>');
    expect(node('file', 10240, 11264, 'me2', 'fun2.py:12')).toBe('📄 10.240kB (90.91 %) me2  fun2.py:12');
    expect(node('file', 1024, 11264, 'me', 'foo.py:12')).toBe('📄 1.024kB (9.09 %) me  foo.py:12');
  });

  it('shows <No allocations> for zero bytes', () => {
    expect(node('folder', 0, 0, '<ROOT>', '')).toBe('<No allocations>');
    expect(nodeLabelSegments({ icon: 'file', bytes: 0, total: 10, fn: 'f', position: 'x.py:1' }).kind).toBe('empty');
  });

  it('exposes styled segments whose join is the plain label', () => {
    const input = { icon: 'file', bytes: 1885, total: 3250, fn: 'main', position: 'simple.py:45' } as const;
    const segments = nodeLabelSegments(input);
    expect(segments).toEqual({
      kind: 'node',
      icon: '📄',
      sizeText: ' 1.885kB (58.00 %) ',
      colorIndex: 57,
      fn: 'main',
      position: 'simple.py:45',
      text: '',
    });
    expect(joinLabel(segments)).toBe(nodeLabel(input));
  });

  it('formats memray 1.20\'s ❓ row of the biggest_allocations snapshot', () => {
    const summary = { bytes: 501304320, total: 511488000, allocations: 990, locations: 990 };
    expect(elidedLabel(summary)).toBe(
      '❓ 501.304MB (98.01 %) 990 allocations from 990 locations below the configured threshold',
    );
    expect(elidedLabelSegments(summary).colorIndex).toBe(98);
    expect(node('file', 999 * 1024, 511488000, 'f', 'x.py:1')).toBe('📄 1.023MB (0.20 %) f  x.py:1');
  });

  it('formats memtree\'s ❓ row without a percentage', () => {
    const summary = { bytes: 501304320, allocations: 990, locations: 990 };
    expect(elidedLabelExcluded(summary)).toBe(
      '❓ 501.304MB 990 allocations from 990 locations below the configured threshold (not included in the total)',
    );
    const segments = elidedLabelExcludedSegments(summary);
    expect(segments.sizeText).toBe(' 501.304MB ');
    expect(segments.colorIndex).toBeNull();
    expect(joinLabel(segments)).toBe(elidedLabelExcluded(summary));
  });
});

// Optional cross-check against the real thing; skipped (with this reason in its name) when
// python3 is missing.
const python = spawnSync('python3', ['--version'], { encoding: 'utf8' });
const hasPython = python.status === 0;
const pythonTitle = hasPython
  ? 'matches python3 format() and size_fmt on thousands of random values'
  : 'matches python3 (SKIPPED: python3 is not on PATH)';

describe('python3 cross-check', () => {
  it.skipIf(!hasPython)(pythonTitle, () => {
    // JSON has no -0, NaN or Infinity; those are covered by the table tests above.
    const finite = awkwardDoubles.filter((x) => Number.isFinite(x) && !Object.is(x, -0));
    const floats = fc.sample(finite, { numRuns: 3000, seed: 20 });
    const sizes = fc.sample(fc.bigInt({ min: 0n, max: 2n ** 64n }), { numRuns: 1000, seed: 21 });
    // Operands must be exact doubles to stand for Python's ints; m * 2^k covers beyond 2^53.
    const exactInt = fc.oneof(
      fc.maxSafeNat().map(BigInt),
      fc.nat(1e9).map(BigInt),
      fc.tuple(fc.maxSafeNat(), fc.nat(12)).map(([m, k]) => BigInt(m) << BigInt(k)),
    );
    const pairs = fc.sample(fc.tuple(exactInt, exactInt.filter((t) => t > 0n)), { numRuns: 1000, seed: 22 });
    const script = String.raw`
import json, sys
def size_fmt(num, suffix='B'):
    for unit in ['', 'k', 'M', 'G', 'T', 'P', 'E', 'Z']:
        if abs(num) < 1000.0:
            return f"{num:5.3f}{unit}{suffix}"
        num /= 1000.0
    return f"{num:.1f}Y{suffix}"
data = json.load(sys.stdin)
json.dump({
    "fixed": [[format(x, '.3f'), format(x, '.2f'), format(x, '.0f')] for x in data["floats"]],
    "sizes": [size_fmt(int(s)) for s in data["sizes"]],
    "percents": [f"{100 * int(v) / int(t):.2f}" for v, t in data["pairs"]],
}, sys.stdout)
`;
    const input = JSON.stringify({
      floats,
      sizes: sizes.map(String),
      pairs: pairs.map(([v, t]) => [String(v), String(t)]),
    });
    const run = spawnSync('python3', ['-c', script], { input, encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { fixed: string[][]; sizes: string[]; percents: string[] };
    expect(floats.map((x) => [formatFixedPython(x, 3), formatFixedPython(x, 2), formatFixedPython(x, 0)])).toEqual(
      out.fixed,
    );
    // Python sees the exact int; the JS size is that int rounded to a double, as memray's own
    // float division does on its first step.
    expect(sizes.map((s) => sizeFmt(Number(s)))).toEqual(out.sizes);
    expect(pairs.map(([v, t]) => formatPercent(Number(v), Number(t)))).toEqual(out.percents);
  });
});
