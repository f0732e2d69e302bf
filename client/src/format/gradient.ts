// The green → orange → red colour of a node's size segment (tree-reporter.md §3.6,
// Appendix A). memray asks Textual's Gradient for `get_color(index / 100)` with an integer
// index, so 101 colours are all that can ever appear; we compute them once at load time
// with the same quantised algorithm and expose them as a lookup table.

import { percentOf } from './size.js';

type Rgb = readonly [number, number, number];

/** memray's gradient stops: position → colour (green, orange, darkorange, indianred). */
const STOPS: ReadonlyArray<readonly [number, Rgb]> = [
  [0, [97, 193, 44]],
  [0.4, [236, 152, 16]],
  [0.6, [255, 140, 0]],
  [1, [205, 92, 92]],
];

/** Textual's default `quality`: the number of precomputed samples. */
const QUALITY = 50;

/** Textual's Color.blend: per-channel linear blend truncated toward zero, ends returned as is. */
function blend(from: Rgb, to: Rgb, factor: number): Rgb {
  if (factor <= 0) return from;
  if (factor >= 1) return to;
  return [
    Math.trunc(from[0] + (to[0] - from[0]) * factor),
    Math.trunc(from[1] + (to[1] - from[1]) * factor),
    Math.trunc(from[2] + (to[2] - from[2]) * factor),
  ];
}

/** The QUALITY samples at k / (QUALITY - 1), each blended between its surrounding stops. */
function quantisedSamples(): Rgb[] {
  const samples: Rgb[] = [];
  let segment = 0;
  for (let k = 0; k < QUALITY; k++) {
    const step = k / (QUALITY - 1);
    while (step > STOPS[segment + 1]![0]) segment++;
    const [stop1, color1] = STOPS[segment]!;
    const [stop2, color2] = STOPS[segment + 1]!;
    samples.push(blend(color1, color2, (step - stop1) / (stop2 - stop1)));
  }
  return samples;
}

/** Textual's Gradient.get_color: blend between the two samples around position × 49. */
function sampleAt(samples: readonly Rgb[], position: number): Rgb {
  if (position <= 0) return samples[0]!;
  if (position >= 1) return samples[samples.length - 1]!;
  const scaled = position * (QUALITY - 1);
  const index = Math.trunc(scaled);
  return blend(samples[index]!, samples[index + 1]!, scaled % 1);
}

/** Formats a colour as lowercase '#rrggbb'. */
function toHex([r, g, b]: Rgb): string {
  return `#${((r << 16) | (g << 8) | b).toString(16).padStart(6, '0')}`;
}

/** Colour for every integer percentage 0..100, e.g. GRADIENT_TABLE[57] === '#fb8d02'. */
export const GRADIENT_TABLE: readonly string[] = (() => {
  const samples = quantisedSamples();
  return Object.freeze(Array.from({ length: 101 }, (_, i) => toHex(sampleAt(samples, i / 100))));
})();

/** Clamps a truncated percentage into the table; NaN (0/0) maps to the first colour. */
function clampIndex(x: number): number {
  if (Number.isNaN(x)) return 0;
  return Math.min(100, Math.max(0, Math.trunc(x)));
}

/** Colour index of a tree node: trunc((value / total) × 100), divide first (1885/3250 → 57). */
export function gradientIndex(value: number, total: number): number {
  return clampIndex((value / total) * 100);
}

/** Colour index of the ❓ node: trunc(100 × value / total), multiply first, as memray does there. */
export function elidedGradientIndex(value: number, total: number): number {
  return clampIndex(percentOf(value, total));
}

/** The '#rrggbb' colour for a gradient index (out-of-range indexes are clamped). */
export function gradientColor(index: number): string {
  return GRADIENT_TABLE[clampIndex(index)]!;
}
