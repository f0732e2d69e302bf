// Terminal cell widths. neo-blessed's own table counts emoji such as 📂 📄 ❓ as one cell
// while terminals draw them in two, which shifts every later cell of the row; so the view
// lays text out itself, one grapheme per cell, with the widths below.

/** Zero-width code points: combining marks, format characters, variation selectors. */
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}\u200B\uFE00-\uFE0F]$/u;
/** Emoji drawn two cells wide by default (📂 U+1F4C2, 📄, ❓ U+2753, 🧭, 💾, 📦, 🧵, ...). */
const EMOJI_WIDE = /^\p{Emoji_Presentation}$/u;

/** East Asian Wide and Fullwidth ranges (Unicode 15, EastAsianWidth.txt, W and F), sorted. */
const WIDE_RANGES: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f], [0x231a, 0x231b], [0x2329, 0x232a], [0x23e9, 0x23ec], [0x23f0, 0x23f0],
  [0x23f3, 0x23f3], [0x25fd, 0x25fe], [0x2614, 0x2615], [0x2648, 0x2653], [0x267f, 0x267f],
  [0x2693, 0x2693], [0x26a1, 0x26a1], [0x26aa, 0x26ab], [0x26bd, 0x26be], [0x26c4, 0x26c5],
  [0x26ce, 0x26ce], [0x26d4, 0x26d4], [0x26ea, 0x26ea], [0x26f2, 0x26f3], [0x26f5, 0x26f5],
  [0x26fa, 0x26fa], [0x26fd, 0x26fd], [0x2705, 0x2705], [0x270a, 0x270b], [0x2728, 0x2728],
  [0x274c, 0x274c], [0x274e, 0x274e], [0x2753, 0x2755], [0x2757, 0x2757], [0x2795, 0x2797],
  [0x27b0, 0x27b0], [0x27bf, 0x27bf], [0x2b1b, 0x2b1c], [0x2b50, 0x2b50], [0x2b55, 0x2b55],
  [0x2e80, 0x303e], [0x3041, 0x33ff], [0x3400, 0x4dbf], [0x4e00, 0x9fff], [0xa000, 0xa4cf],
  [0xa960, 0xa97f], [0xac00, 0xd7a3], [0xf900, 0xfaff], [0xfe10, 0xfe19], [0xfe30, 0xfe6f],
  [0xff00, 0xff60], [0xffe0, 0xffe6], [0x16fe0, 0x16fe4], [0x17000, 0x18cd5], [0x1b000, 0x1b2fb],
  [0x1f004, 0x1f004], [0x1f0cf, 0x1f0cf], [0x1f18e, 0x1f18e], [0x1f191, 0x1f19a],
  [0x1f200, 0x1f202], [0x1f210, 0x1f23b], [0x1f240, 0x1f248], [0x1f250, 0x1f251],
  [0x1f260, 0x1f265], [0x1f300, 0x1f64f], [0x1f680, 0x1f6ff], [0x1f7e0, 0x1f7eb],
  [0x1f90c, 0x1f9ff], [0x1fa70, 0x1faff], [0x20000, 0x2fffd], [0x30000, 0x3fffd],
];

function inWideRange(cp: number): boolean {
  let lo = 0;
  let hi = WIDE_RANGES.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [a, b] = WIDE_RANGES[mid]!;
    if (cp < a) hi = mid - 1;
    else if (cp > b) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Cells one code point takes: 0 (combining, format, controls), 1 or 2. */
export function codePointWidth(cp: number): 0 | 1 | 2 {
  if (cp < 0x7f) return cp < 0x20 ? 0 : 1;
  if (cp < 0xa0) return 0;
  if (cp < 0x300) return 1;
  const ch = String.fromCodePoint(cp);
  if (ZERO_WIDTH.test(ch)) return 0;
  if (inWideRange(cp) || EMOJI_WIDE.test(ch)) return 2;
  return 1;
}

const ASCII_PRINTABLE = /^[\x20-\x7e]*$/;

/** Whether `text` is printable ASCII only: one cell per character, the common fast path. */
export function isPrintableAscii(text: string): boolean {
  return ASCII_PRINTABLE.test(text);
}

/** Cells a grapheme takes: its widest code point, or 2 for an emoji with VS16 (U+FE0F). */
function graphemeWidth(g: string): number {
  let w = 0;
  for (const ch of g) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0xfe0f && w === 1) return 2;
    w = Math.max(w, codePointWidth(cp));
  }
  return w;
}

const ZWJ = 0x200d;
const isRegional = (cp: number): boolean => cp >= 0x1f1e6 && cp <= 0x1f1ff;
const isSkinTone = (cp: number): boolean => cp >= 0x1f3fb && cp <= 0x1f3ff;

/**
 * Splits text into graphemes with their widths (the layout unit of a terminal row). A small
 * clusterer of our own rather than Intl.Segmenter, whose construction alone costs ~15 ms of
 * start-up: combining marks, variation selectors, skin tones and ZWJ sequences join the
 * previous character, regional indicators pair into flags.
 */
export function graphemes(text: string): { g: string; w: number }[] {
  if (ASCII_PRINTABLE.test(text)) return Array.from(text, (g) => ({ g, w: 1 }));
  const out: { g: string; w: number }[] = [];
  let cur = '';
  let last = -1;
  let joinNext = false;
  let regionalOpen = false;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    const attach =
      cur !== '' && (joinNext || codePointWidth(cp) === 0 || isSkinTone(cp) || (regionalOpen && isRegional(cp) && isRegional(last)));
    if (attach) {
      cur += ch;
      regionalOpen = false;
    } else {
      if (cur !== '') out.push({ g: cur, w: graphemeWidth(cur) });
      cur = ch;
      regionalOpen = isRegional(cp);
    }
    joinNext = cp === ZWJ;
    last = cp;
  }
  if (cur !== '') out.push({ g: cur, w: graphemeWidth(cur) });
  return out;
}

/** Cells `text` takes on a terminal. */
export function stringWidth(text: string): number {
  if (ASCII_PRINTABLE.test(text)) return text.length;
  let w = 0;
  for (const { w: gw } of graphemes(text)) w += gw;
  return w;
}

/** The longest prefix of `text` fitting in `width` cells (a wide grapheme never straddles the end). */
export function truncateToWidth(text: string, width: number): string {
  if (width <= 0) return '';
  if (ASCII_PRINTABLE.test(text)) return text.length <= width ? text : text.slice(0, width);
  let used = 0;
  let out = '';
  for (const { g, w } of graphemes(text)) {
    if (used + w > width) break;
    used += w;
    out += g;
  }
  return out;
}
