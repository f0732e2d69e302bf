/**
 * Builds CPython line tables for synthetic code objects (capture-format.md 7.3): `co_lnotab`
 * for <= 3.9, the 3.10 `co_linetable` and the 3.11+ location table. A synthetic code object
 * is a run of instructions, one 2-byte code unit each; instruction i sits on `lines[i]`, and
 * `offsets[i]` is the FRAME_PUSH instruction offset (bytes or code units, depending on the
 * version) that memray resolves to exactly that line.
 */

export interface BuiltLineTable {
  /** The raw table bytes for the CODE_OBJECT record. */
  readonly table: Uint8Array;
  /** FRAME_PUSH offset of each instruction. */
  readonly offsets: readonly number[];
}

export interface LineTableOptions {
  /**
   * Seed for varying the encoding (3.11+: short, one-line, no-column, long and "no location"
   * forms and multi-unit entries; 3.10: merged ranges and -128 "no line" deltas; <= 3.9:
   * omitted entries for unchanged lines). Without a seed the plainest encoding is used.
   */
  readonly seed?: number;
}

/** The FRAME_PUSH offset of instruction `i` (a 2-byte code unit): bytes except on 3.10. */
function instructionOffset(pythonVersion: number, i: number): number {
  return pythonVersion >= 0x030a0000 && pythonVersion < 0x030b0000 ? i : 2 * i;
}

/** Builds the table for a code object with `co_firstlineno` = firstLine whose instruction i is on lines[i]. */
export function buildLineTable(
  pythonVersion: number,
  firstLine: number,
  lines: readonly number[],
  opts: LineTableOptions = {},
): BuiltLineTable {
  const rnd = opts.seed === undefined ? undefined : mulberry32(opts.seed);
  let table: number[];
  if (pythonVersion >= 0x030b0000) table = locationTable(firstLine, lines, rnd);
  else if (pythonVersion >= 0x030a0000) table = linetable310(firstLine, lines, rnd);
  else table = lnotab(firstLine, lines, rnd);
  return { table: Uint8Array.from(table), offsets: lines.map((_, i) => instructionOffset(pythonVersion, i)) };
}

/** A small deterministic PRNG (mulberry32) returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Splits a line delta into signed-byte chunks in [-127, 127] (the last carries the rest). */
function chunks(delta: number): number[] {
  const out: number[] = [];
  while (delta > 127 || delta < -127) {
    const c = delta > 0 ? 127 : -127;
    out.push(c);
    delta -= c;
  }
  out.push(delta);
  return out;
}

/**
 * <= 3.9 co_lnotab: (byte increment, signed line increment) pairs; the line at an offset is
 * firstLine plus the increments of every pair whose running address is <= the offset. Byte
 * increments stay <= 127 so memray's signed-char reading (7.3) and CPython's agree.
 */
function lnotab(firstLine: number, lines: readonly number[], rnd?: () => number): number[] {
  const out: number[] = [];
  let pendingBytes = 0;
  let line = firstLine;
  for (let i = 0; i < lines.length; i++) {
    const delta = lines[i]! - line;
    // CPython writes no pair for an instruction that stays on the same line.
    if (delta === 0 && i > 0 && rnd !== undefined && rnd() < 0.7) {
      pendingBytes += 2;
      continue;
    }
    let bytes = i === 0 ? 0 : pendingBytes + 2;
    pendingBytes = 0;
    while (bytes > 127) {
      out.push(127, 0);
      bytes -= 127;
    }
    const parts = chunks(delta);
    out.push(bytes, (parts[0]! + 256) % 256);
    for (const p of parts.slice(1)) out.push(0, (p + 256) % 256);
    line = lines[i]!;
  }
  return out;
}

/**
 * 3.10 co_linetable: (byte-range length, signed line delta) pairs, -128 meaning "no line". A
 * delta is applied when its range starts; zero-length pairs carry large deltas.
 */
function linetable310(firstLine: number, lines: readonly number[], rnd?: () => number): number[] {
  const out: number[] = [];
  let line = firstLine;
  for (let i = 0; i < lines.length; ) {
    // A run of instructions on the same line may share one range (up to 254 bytes).
    let run = 1;
    if (rnd !== undefined) while (i + run < lines.length && lines[i + run] === lines[i] && run < 127 && rnd() < 0.6) run++;
    const delta = lines[i]! - line;
    const parts = chunks(delta);
    for (const p of parts.slice(0, -1)) out.push(0, (p + 256) % 256);
    const last = parts[parts.length - 1]!;
    // memray keeps the running line for "no line" entries, so -128 can stand for a zero delta.
    const d = last === 0 && rnd !== undefined && rnd() < 0.3 ? -128 : last;
    out.push(2 * run, (d + 256) % 256);
    line = lines[i]!;
    i += run;
  }
  return out;
}

/** Appends a 6-bit-group varint (continuation bit 0x40) as in the 3.11 location table. */
function pushUv6(out: number[], v: number): void {
  while (v >= 64) {
    out.push((v & 63) | 64);
    v = Math.floor(v / 64);
  }
  out.push(v);
}

/** Sign-magnitude 6-bit-group varint (low bit = sign). */
function pushSv6(out: number[], v: number): void {
  pushUv6(out, v < 0 ? (-v * 2) | 1 : v * 2);
}

/**
 * 3.11+ location table: entries of 1-8 code units, each starting with 1kkkkLLL (kind, length
 * - 1). Kind 13 (no columns, signed line delta) is the plain form; with a seed the other
 * forms appear where they can express the delta.
 */
function locationTable(firstLine: number, lines: readonly number[], rnd?: () => number): number[] {
  const out: number[] = [];
  let line = firstLine;
  for (let i = 0; i < lines.length; ) {
    let run = 1;
    if (rnd !== undefined) while (i + run < lines.length && lines[i + run] === lines[i] && run < 8 && rnd() < 0.5) run++;
    const delta = lines[i]! - line;
    const head = (kind: number): void => {
      out.push(0x80 | (kind << 3) | (run - 1));
    };
    const pick = rnd === undefined ? 1 : rnd();
    if (rnd === undefined || pick < 0.3) {
      head(13);
      pushSv6(out, delta);
    } else if (pick < 0.5) {
      head(14); // long form: line delta, end-line delta, column + 1, end column + 1
      pushSv6(out, delta);
      pushUv6(out, Math.floor(rnd() * 3));
      pushUv6(out, Math.floor(rnd() * 200));
      pushUv6(out, Math.floor(rnd() * 200));
    } else if (delta >= 0 && delta <= 2) {
      if (delta === 0 && pick < 0.65) {
        head(Math.floor(rnd() * 10)); // short forms 0-9: same line, one column byte
        out.push(Math.floor(rnd() * 128));
      } else if (delta === 0 && pick < 0.75) {
        head(15); // no location: memray keeps the running line
      } else {
        head(10 + delta); // one-line forms: column, end column
        out.push(Math.floor(rnd() * 128), Math.floor(rnd() * 128));
      }
    } else {
      head(13);
      pushSv6(out, delta);
    }
    line = lines[i]!;
    i += run;
  }
  return out;
}
