/**
 * Colours of the view (tree-reporter.md 3.12, memray's Textual dark theme; the gradient comes
 * from format/gradient.ts) and their nearest xterm-256 entries for terminals without 24-bit
 * colour. Foregrounds that carry meaning work on light and dark backgrounds alike; the only
 * backgrounds are the cursor and the code pane's marked line, each with an explicit foreground.
 */
import { rgb } from '../print/ansi.js';
import type { Style } from './cells.js';

/** Colours of the view, by role. */
export const PALETTE = {
  guide: '#4f4f4f',
  guideAccent: '#0178d4',
  position: '#4797a8',
  cursorBg: '#0178d4',
  cursorFg: '#ddedf9',
  cursorPosition: '#92c5ec',
  footerKey: '#ffa62b',
  border: '#4f4f4f',
  muted: '#808080',
  warning: '#e0a000',
  codeBand: '#44475a',
  codeBandFg: '#f8f8f2',
  keyword: '#ff79c6',
  string: '#e6c84f',
  comment: '#6272a4',
  number: '#bd93f9',
  builtin: '#3ab0c8',
  definition: '#50c878',
} as const;

/** Cell styles of the view, by role. */
export const STYLES = {
  plain: {} as Style,
  bold: { bold: true } as Style,
  guide: { fg: PALETTE.guide } as Style,
  guideAccent: { fg: PALETTE.guideAccent } as Style,
  position: { fg: PALETTE.position } as Style,
  muted: { fg: PALETTE.muted } as Style,
  warning: { fg: PALETTE.warning, bold: true } as Style,
  banner: { fg: '#000000', bg: PALETTE.warning, bold: true } as Style,
  border: { fg: PALETTE.border } as Style,
  footerKey: { fg: PALETTE.footerKey, bold: true } as Style,
  cursor: { fg: PALETTE.cursorFg, bg: PALETTE.cursorBg, bold: true } as Style,
  cursorPosition: { fg: PALETTE.cursorPosition, bg: PALETTE.cursorBg, bold: true } as Style,
  /** A search match's function name (view-keys.ts). */
  match: { fg: '#000000', bg: PALETTE.footerKey, bold: true } as Style,
} as const;

const CUBE = [0, 95, 135, 175, 215, 255];

function nearestCubeLevel(v: number): number {
  let best = 0;
  for (let i = 1; i < CUBE.length; i++) if (Math.abs(CUBE[i]! - v) < Math.abs(CUBE[best]! - v)) best = i;
  return best;
}

const dist = (a: readonly number[], b: readonly number[]): number => (a[0]! - b[0]!) ** 2 + (a[1]! - b[1]!) ** 2 + (a[2]! - b[2]!) ** 2;

const cache256 = new Map<string, number>();

/** Nearest xterm-256 colour (the 6x6x6 cube or the grey ramp; the 16 themable ones are avoided). */
export function nearest256(hex: string): number {
  let idx = cache256.get(hex);
  if (idx !== undefined) return idx;
  const c = rgb(hex);
  const [r, g, b] = c.map(nearestCubeLevel) as [number, number, number];
  const cube = [CUBE[r]!, CUBE[g]!, CUBE[b]!];
  const greyStep = Math.max(0, Math.min(23, Math.round(((c[0] + c[1] + c[2]) / 3 - 8) / 10)));
  const greyLevel = 8 + 10 * greyStep;
  const grey = [greyLevel, greyLevel, greyLevel];
  idx = dist(c, grey) < dist(c, cube) ? 232 + greyStep : 16 + 36 * r + 6 * g + b;
  cache256.set(hex, idx);
  return idx;
}

/**
 * The ANSI colour (0-7, or 8 = bright black in 16-colour mode) for a '#rrggbb', by hue. Terminal
 * themes choose these eight so that each is readable on their own background, light or dark;
 * the fixed 256-colour entries are not. Greys have no hue: as a foreground they stay the
 * terminal's default (bright black, i.e. dim grey, with 16 colours), as a background blue.
 * undefined means the default colour.
 */
export function nearestAnsi(hex: string, depth: 8 | 16, role: 'fg' | 'bg'): number | undefined {
  const [r, g, b] = rgb(hex).map((v) => v / 255) as [number, number, number];
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const sat = max === 0 ? 0 : (max - min) / max;
  if (sat < 0.3 || max < 0.15) {
    if (role === 'bg') return 4;
    if (max < 0.15 && role === 'fg') return undefined;
    return depth === 16 && max < 0.6 ? 8 : undefined;
  }
  let hue: number;
  if (max === r) hue = (60 * ((g - b) / (max - min)) + 360) % 360;
  else if (max === g) hue = 60 * ((b - r) / (max - min)) + 120;
  else hue = 60 * ((r - g) / (max - min)) + 240;
  // red, yellow (orange included), green, cyan, blue, magenta
  if (hue < 20 || hue >= 330) return 1;
  if (hue < 90) return 3;
  if (hue < 160) return 2;
  if (hue < 200) return 6;
  if (hue < 270) return 4;
  return 5;
}

/** A foreground for text on ANSI background `bg`: white on dark ones, black on yellow, cyan and white. */
export function contrastOn(bg: number): number {
  return bg === 3 || bg === 6 || bg === 7 ? 0 : 7;
}
