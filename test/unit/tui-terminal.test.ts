/**
 * Terminal handling without a terminal: our terminfo reader against ncurses' own `tput` on
 * the shipped ncurses 6 entries, the colour depth rules, and the 8/16-colour palette.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeCell } from '../../client/src/tui/blessed-canvas.js';
import type { Style } from '../../client/src/tui/cells.js';
import { PALETTE, STYLES } from '../../client/src/tui/palette.js';
import { checkTerminal, colorModeOf } from '../../client/src/tui/terminal.js';
import { parseTerminfo, TerminfoError } from '../../client/src/tui/terminfo.js';
import { xtermFallbackEntry } from '../../client/src/tui/xterm-fallback.js';
import { gradientColor } from '../../client/src/format/gradient.js';
import { FIXTURES, tempDir } from '../helpers/paths.js';

const TERMINFO = path.join(FIXTURES, 'terminfo');
const TERMS = ['xterm', 'xterm-256color', 'screen', 'screen-256color', 'tmux-256color', 'linux', 'vt100', 'rxvt-unicode-256color', 'dumb'];
const require = createRequire(import.meta.url);
const Tput = require('neo-blessed/lib/tput') as { bools: string[]; numbers: string[]; strings: string[]; alias: Record<string, { terminfo: string }> };

function tput(term: string, args: string[]): { out: Buffer; status: number } {
  try {
    return { out: execFileSync('tput', ['-T', term, ...args], { env: { ...process.env, TERMINFO }, stdio: ['ignore', 'pipe', 'ignore'] }), status: 0 };
  } catch (err) {
    const e = err as { status?: number; stdout?: Buffer };
    return { out: e.stdout ?? Buffer.alloc(0), status: e.status ?? -1 };
  }
}

const hasTput = ((): boolean => {
  try {
    execFileSync('tput', ['-T', 'xterm', 'cols'], { stdio: 'ignore', env: { ...process.env, TERMINFO } });
    return true;
  } catch {
    return false;
  }
})();

describe('terminfo reader', () => {
  it('the fixtures are ncurses 6 extended-number entries (magic 01036): the format neo-blessed misreads', () => {
    const magic = fs.readFileSync(path.join(TERMINFO, 'x/xterm-256color')).readUInt16LE(0);
    expect(magic).toBe(0o1036);
  });

  for (const term of TERMS) {
    it.skipIf(!hasTput)(`${term}: every boolean, number and parameterless string equals ncurses' tput`, () => {
      const info = parseTerminfo(fs.readFileSync(path.join(TERMINFO, term[0]!, term)));
      expect(info.names[0]).toBe(term);
      let checked = 0;
      Tput.bools.forEach((name, i) => {
        const cap = Tput.alias[name]?.terminfo;
        if (cap === undefined || i >= 37) return; // the rest are obsolete termcap-only flags
        expect(info.bools[i] ?? false, name).toBe(tput(term, [cap]).status === 0);
        checked++;
      });
      Tput.numbers.forEach((name, i) => {
        const cap = Tput.alias[name]?.terminfo;
        // tput answers cols and lines with the real terminal's size
        if (cap === undefined || i >= 33 || cap === 'cols' || cap === 'lines') return;
        expect(info.numbers[i] ?? -1, name).toBe(Number(tput(term, [cap]).out.toString() || -1));
        checked++;
      });
      for (const [name, cap] of [['cursor_address', 'cup'], ['enter_ca_mode', 'smcup'], ['exit_ca_mode', 'rmcup'], ['cursor_invisible', 'civis'], ['cursor_normal', 'cnorm'], ['exit_attribute_mode', 'sgr0'], ['clr_eol', 'el'], ['enter_reverse_mode', 'rev'], ['keypad_xmit', 'smkx']] as const) {
        const i = Tput.strings.indexOf(name);
        const want = tput(term, [cap]);
        const got = info.strings[i];
        if (want.status !== 0) expect(got, name).toBeUndefined();
        else if (cap !== 'cup' && !/\$</.test(got ?? '')) expect(got, name).toBe(want.out.toString('latin1'));
        else expect(got, name).toBeDefined();
        checked++;
      }
      expect(checked).toBeGreaterThan(60);
    });
  }

  it('reads extended capabilities (tmux-256color: Tc-less, with U8 and Smulx; xterm: AX, XT)', () => {
    const tmux = parseTerminfo(fs.readFileSync(path.join(TERMINFO, 't/tmux-256color')));
    expect(tmux.numbers[13]).toBe(256);
    expect(tmux.extNumbers.get('U8')).toBe(1);
    expect(tmux.extStrings.get('Smulx')).toBe('\x1b[4:%p1%dm');
    const xterm = parseTerminfo(xtermFallbackEntry());
    expect(xterm.names[0]).toBe('xterm-256color');
    expect(xterm.extBools.get('AX')).toBe(true);
  });

  it('rejects what is not an entry, and a truncated one, with a TerminfoError', () => {
    expect(() => parseTerminfo(Buffer.from('not terminfo at all'))).toThrow(TerminfoError);
    const whole = fs.readFileSync(path.join(TERMINFO, 'x/xterm'));
    expect(() => parseTerminfo(whole.subarray(0, 300))).toThrow(TerminfoError);
  });
});

describe('checkTerminal and colour depth', () => {
  const env = (e: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({ HOME: '/nonexistent', TERMINFO, TERMINFO_DIRS: '', COLORTERM: '', NO_COLOR: '', ...e });

  it('dumb, unknown, an unset TERM and an entry without cursor addressing print instead', () => {
    for (const TERM of ['dumb', 'unknown', '']) expect(checkTerminal(env({ TERM })).ok).toBe(false);
    const dir = tempDir('memtree-terminfo-');
    try {
      fs.mkdirSync(path.join(dir, 'p'));
      fs.copyFileSync(path.join(TERMINFO, 'd/dumb'), path.join(dir, 'p/printer'));
      const c = checkTerminal(env({ TERM: 'printer', TERMINFO: dir }));
      expect(c).toEqual({ ok: false, reason: 'the terminal (TERM=printer) cannot move the cursor' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a TERM no directory describes gets the built-in xterm-256color', () => {
    const c = checkTerminal(env({ TERM: 'no-such-terminal-256color' }));
    expect(c.ok && c.profile.file).toBeUndefined();
    expect(c.ok && c.profile.colorMode).toBe('256');
    const plain = checkTerminal(env({ TERM: 'no-such-terminal' }));
    expect(plain.ok && plain.profile.colorMode).toBe('16');
  });

  it('depth: terminfo colours, then COLORTERM and RGB/Tc; NO_COLOR and colourless entries mean none', () => {
    const mode = (TERM: string, e: NodeJS.ProcessEnv = {}): string | undefined => {
      const c = checkTerminal(env({ TERM, ...e }));
      return c.ok ? c.profile.colorMode : undefined;
    };
    expect(mode('xterm')).toBe('8');
    expect(mode('xterm-256color')).toBe('256');
    expect(mode('tmux-256color')).toBe('256');
    expect(mode('screen-256color', { COLORTERM: 'truecolor' })).toBe('truecolor');
    expect(mode('vt100', { COLORTERM: 'truecolor' })).toBe('none');
    expect(mode('xterm-256color', { NO_COLOR: '1' })).toBe('none');
    const info = parseTerminfo(xtermFallbackEntry());
    const rgb = { ...info, extBools: new Map([['RGB', true]]) };
    expect(colorModeOf('x', rgb, false, {})).toBe('truecolor');
  });
});

describe('the palette with 8 and 16 colours', () => {
  const fgOf = (attr: number): number => (attr >> 9) & 0x1ff;
  const bgOf = (attr: number): number => attr & 0x1ff;
  const DEFAULT = 0x1ff;
  const styles: Style[] = [
    ...Object.values(STYLES),
    ...Array.from({ length: 101 }, (_, i) => ({ fg: gradientColor(i) })),
    ...Object.values(PALETTE).map((c) => ({ fg: c, bg: PALETTE.codeBand, bold: true })),
    { bg: PALETTE.codeBand },
  ];

  for (const mode of ['8', '16'] as const) {
    it(`${mode} colours: ANSI colours only, never black or white text on the default background, never a foreground equal to its background`, () => {
      for (const style of styles) {
        const [attr] = encodeCell({ ch: 'x', style }, mode);
        const fg = fgOf(attr);
        const bg = bgOf(attr);
        if (bg === DEFAULT) {
          expect([0, 7, 15], JSON.stringify(style)).not.toContain(fg);
        } else {
          expect(fg, JSON.stringify(style)).not.toBe(DEFAULT);
          expect(fg, JSON.stringify(style)).not.toBe(bg);
        }
        expect(fg === DEFAULT || fg < Number(mode)).toBe(true);
        expect(bg === DEFAULT || bg < 8).toBe(true);
      }
    });
  }

  it('the cursor is white on blue; sizes go green → yellow → red; guides stay the default colour (dim grey with 16)', () => {
    const [cursor] = encodeCell({ ch: 'x', style: STYLES.cursor }, '8');
    expect([fgOf(cursor), bgOf(cursor)]).toEqual([7, 4]);
    expect(fgOf(encodeCell({ ch: 'x', style: { fg: gradientColor(0) } }, '8')[0])).toBe(2);
    expect(fgOf(encodeCell({ ch: 'x', style: { fg: gradientColor(50) } }, '8')[0])).toBe(3);
    expect(fgOf(encodeCell({ ch: 'x', style: { fg: gradientColor(100) } }, '8')[0])).toBe(1);
    expect(fgOf(encodeCell({ ch: 'x', style: STYLES.guide }, '8')[0])).toBe(DEFAULT);
    expect(fgOf(encodeCell({ ch: 'x', style: STYLES.guide }, '16')[0])).toBe(8);
  });

  it('without colours a background becomes reverse video and nothing else is coloured', () => {
    const [cursor] = encodeCell({ ch: 'x', style: STYLES.cursor }, 'none');
    expect((cursor >> 18) & 8).toBe(8);
    expect([fgOf(cursor), bgOf(cursor)]).toEqual([DEFAULT, DEFAULT]);
    const [size] = encodeCell({ ch: 'x', style: { fg: gradientColor(100) } }, 'none');
    expect([fgOf(size), (size >> 18) & 8]).toEqual([DEFAULT, 0]);
  });
});
