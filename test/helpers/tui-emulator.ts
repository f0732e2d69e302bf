/**
 * A minimal terminal emulator for the escape sequences neo-blessed sends (cursor moves,
 * erase, the line-drawing charset, SGR ignored), with wide graphemes taking two columns as
 * in real terminals. Replaying what reached the "terminal" and comparing it with
 * screen.lines shows whether the terminal and neo-blessed agree on where every cell is.
 */
import { graphemes } from '../../client/src/tui/wcwidth.js';

const ACS: Record<string, string> = { x: '│', q: '─', t: '├', m: '└', j: '┘', k: '┐', l: '┌', u: '┤', w: '┬', v: '┴', n: '┼' };

/** The screen after replaying `data` on a `cols` x `rows` terminal, rows with trailing spaces removed. */
export function emulate(data: string, cols: number, rows: number): string[] {
  let screen = Array.from({ length: rows }, () => Array<string>(cols).fill(' '));
  let x = 0;
  let y = 0;
  let saved = [0, 0];
  let acs = false;
  let i = 0;
  const put = (g: string, w: number): void => {
    if (y >= 0 && y < rows && x >= 0 && x < cols) {
      screen[y]![x] = g;
      if (w === 2 && x + 1 < cols) screen[y]![x + 1] = '';
    }
    x += w;
  };
  while (i < data.length) {
    const rest = data.slice(i);
    if (rest[0] === '\x1b') {
      const csi = /^\x1b\[([?\d;]*)([A-Za-z@])/.exec(rest);
      if (csi !== null) {
        const n = csi[1]!.replace('?', '').split(';').map((a) => (a === '' ? 0 : Number(a)));
        const one = n[0] || 1;
        switch (csi[2]) {
          case 'H':
            y = (n[0] || 1) - 1;
            x = (n[1] || 1) - 1;
            break;
          case 'C':
            x = Math.min(cols - 1, x + one);
            break;
          case 'D':
            x = Math.max(0, Math.min(x, cols - 1) - one);
            break;
          case 'K':
            for (let xx = x; xx < cols; xx++) screen[y]![xx] = ' ';
            break;
          case 'J':
            if (n[0] === 2) screen = Array.from({ length: rows }, () => Array<string>(cols).fill(' '));
            break;
        }
        i += csi[0].length;
        continue;
      }
      const osc = /^\x1b\][^\x07]*\x07/.exec(rest);
      if (osc !== null) {
        i += osc[0].length;
        continue;
      }
      if (rest.startsWith('\x1b(0')) acs = true;
      else if (rest.startsWith('\x1b(B')) acs = false;
      else if (rest.startsWith('\x1b7')) saved = [x, y];
      else if (rest.startsWith('\x1b8')) [x, y] = saved as [number, number];
      i += rest.startsWith('\x1b(') ? 3 : 2;
      continue;
    }
    const c = rest[0]!;
    if (c === '\x0e' || c === '\x0f') acs = c === '\x0e';
    else if (c === '\r') x = 0;
    else if (c === '\n') y++;
    if (c < ' ') {
      i++;
      continue;
    }
    // One grapheme (an emoji is two UTF-16 units, maybe more with modifiers).
    const { g, w } = graphemes(rest.slice(0, 16).split('\x1b')[0]!)[0]!;
    put(acs ? (ACS[g] ?? g) : g, w);
    i += g.length;
  }
  return screen.map((r) => r.join('').trimEnd());
}
