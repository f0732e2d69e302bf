/**
 * 24-bit ANSI styling for printed trees, used only when the output is a terminal (or
 * FORCE_COLOR asks for it) and NO_COLOR is unset (https://no-color.org).
 */

/** Whether to colour output written to a stream with this `isTTY`. */
export function useColor(isTTY: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  // A dumb terminal shows escape sequences as text.
  return isTTY && env.TERM !== 'dumb';
}

/** '#rrggbb' → [r, g, b]. */
export function rgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1, 7), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** SGR that sets a 24-bit foreground colour ('#rrggbb'). */
export function fgOn(hex: string): string {
  const [r, g, b] = rgb(hex);
  return `\x1b[38;2;${r};${g};${b}m`;
}

/** SGR back to the default foreground. */
export const FG_OFF = '\x1b[39m';

export const ansi = {
  fg: (hex: string, s: string): string => `${fgOn(hex)}${s}${FG_OFF}`,
  bold: (s: string): string => `\x1b[1m${s}\x1b[22m`,
};
