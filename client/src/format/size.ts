// Number formatting that matches memray 1.20's output byte for byte (tree-reporter.md §3.4,
// capture-format.md §13.3). The subtle part is rounding: Python's `format(x, '.Nf')` rounds
// the exact binary value of the double half to even, while JavaScript's toFixed rounds exact
// ties away from zero (1062500 B is exactly 1.0625 MB: Python "1.062MB", toFixed "1.063MB").

/** Largest `digits` accepted by formatFixedPython (the range in which the tie test is exact). */
export const MAX_FIXED_DIGITS = 20;

/** Python's `format(x, '.<digits>f')`: exact value rounded half to even, "nan"/"inf"/"-inf". */
export function formatFixedPython(x: number, digits: number): string {
  if (!Number.isInteger(digits) || digits < 0 || digits > MAX_FIXED_DIGITS) {
    throw new RangeError(`digits must be an integer in 0..${MAX_FIXED_DIGITS}, got ${digits}`);
  }
  if (Number.isNaN(x)) return 'nan';
  // Python keeps the sign of negative values that round to zero ("-0.000") and of -0.0.
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  const a = Math.abs(x);
  if (a === Infinity) return `${sign}inf`;
  if (Number.isInteger(a)) {
    // Integral doubles print exactly; BigInt also avoids toFixed's exponent form at >= 1e21.
    const int = a < 2 ** 53 ? String(a) : BigInt(a).toString();
    return sign + (digits > 0 ? `${int}.${'0'.repeat(digits)}` : int);
  }
  return sign + roundHalfEven(a, digits);
}

/** Formats a finite, positive, non-integral double with `digits` decimals, ties to even. */
function roundHalfEven(a: number, digits: number): string {
  // A tie at `digits` decimals means a = (2k+1) / (2 * 10^digits); since a is m * 2^e with m
  // odd, that needs e >= -(digits+1), i.e. a * 2^(digits+1) must be an integer (the product
  // is exact: scaling by a power of two). Otherwise toFixed, which picks the nearest
  // candidate exactly, already gives Python's answer.
  if (!Number.isInteger(a * 2 ** (digits + 1))) return a.toFixed(digits);
  // Here a has at most digits+1 fractional bits, hence at most digits+1 fractional decimal
  // digits, so toFixed(digits + 1) is the exact expansion and its last digit is 0 or 5.
  const exact = a.toFixed(digits + 1);
  if (!exact.endsWith('5')) return a.toFixed(digits);
  // Exact tie: drop the 5 (and the "." too when digits is 0), then round to even.
  const truncated = exact.slice(0, digits === 0 ? -2 : -1);
  const lastDigit = truncated.charCodeAt(truncated.length - 1) - 48;
  return lastDigit % 2 === 0 ? truncated : incrementDecimal(truncated);
}

/** Adds one unit in the last place to a non-negative decimal string like "1.062" or "99". */
function incrementDecimal(text: string): string {
  const chars = text.split('');
  for (let i = chars.length - 1; i >= 0; i--) {
    const c = chars[i];
    if (c === '.') continue;
    if (c !== '9') {
      chars[i] = String.fromCharCode(c.charCodeAt(0) + 1);
      return chars.join('');
    }
    chars[i] = '0';
  }
  return `1${chars.join('')}`;
}

const SIZE_UNITS = ['', 'k', 'M', 'G', 'T', 'P', 'E', 'Z'] as const;

/** memray's size_fmt: SI units, 3 decimals, unit chosen before rounding ("1000.000MB"). */
export function sizeFmt(n: number): string {
  // memray sizes are Python ints, which have no negative zero; "+ 0" maps -0 to 0.
  let num = n + 0;
  for (const unit of SIZE_UNITS) {
    // NaN fails this test on every step and ends as "nanYB", exactly like Python.
    if (Math.abs(num) < 1000) return `${formatFixedPython(num, 3)}${unit}B`;
    // Successive float division, not n / 1000^k: the two can differ in the last bit.
    num /= 1000;
  }
  return `${formatFixedPython(num, 1)}YB`;
}

/**
 * The float Python computes for `100 * value / total` with int operands: the product is an
 * exact int and int / int is correctly rounded. In doubles that holds while 100 * value is a
 * safe integer; beyond that (sizes over ~90 TB) an exact BigInt quotient is used.
 */
export function percentOf(value: number, total: number): number {
  const scaled = 100 * value;
  if (Number.isSafeInteger(scaled) || !Number.isInteger(value) || !Number.isInteger(total) || total === 0) {
    // total === 0 has no Python answer (ZeroDivisionError); NaN/±Infinity print as such.
    return scaled / total;
  }
  return bigRatio(BigInt(value) * 100n, BigInt(total));
}

/** Correctly rounded n / d for BigInts whose quotient is in the normal double range. */
function bigRatio(n: bigint, d: bigint): number {
  const negative = n < 0n !== d < 0n;
  const num = n < 0n ? -n : n;
  const den = d < 0n ? -d : d;
  // Scale so the integer quotient has at least 66 significant bits; appending a sticky bit
  // for a non-zero remainder then lets Number() (round half to even) round exactly once.
  const shift = Math.max(0, 66 - (bitLength(num) - bitLength(den)));
  const scaled = num << BigInt(shift);
  const q = scaled / den;
  const sticky = scaled % den === 0n ? 0n : 1n;
  const magnitude = Number((q << 1n) | sticky) / 2 ** (shift + 1);
  return negative ? -magnitude : magnitude;
}

/** Number of binary digits of a non-negative BigInt (0 for 0n). */
function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** The "%.2f" text memray prints for `100 * value / total`, e.g. 1885/3250 -> "58.00". */
export function formatPercent(value: number, total: number): string {
  return formatFixedPython(percentOf(value, total), 2);
}
