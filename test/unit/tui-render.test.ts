// Pure pieces of the view: cell widths, the cell grid, the Python colouring, wrapping, colour
// encoding for neo-blessed, the footer and the progress view.
import { describe, expect, it } from 'vitest';
import { encodeCell } from '../../client/src/tui/blessed-canvas.js';
import { Grid } from '../../client/src/tui/cells.js';
import { displayLine, wrap } from '../../client/src/tui/draw-detail.js';
import { drawFooter } from '../../client/src/tui/draw-tree.js';
import { layout } from '../../client/src/tui/layout.js';
import { nearest256 } from '../../client/src/tui/palette.js';
import { formatDuration } from '../../client/src/format/duration.js';
import { sanitize } from '../../client/src/format/label.js';
import { initialProgress, progressLines, reduceProgress } from '../../client/src/tui/progress-model.js';
import { highlightPython } from '../../client/src/tui/python-highlight.js';
import { footer } from '../../client/src/tui/tree-panel.js';
import { codePointWidth, stringWidth, truncateToWidth } from '../../client/src/tui/wcwidth.js';
import { DEFAULT_VIEW } from '../helpers/tui-tree.js';

describe('wcwidth', () => {
  it.each([
    ['📂', 2],
    ['📄', 2],
    ['❓', 2],
    ['🧭', 2],
    ['💾', 2],
    ['📦', 2],
    ['🧵', 2],
    ['▼', 1],
    ['▶', 1],
    ['├', 1],
    ['é', 1],
    ['e\u0301', 1],
    ['漢', 2],
    ['ｱ', 1],
    ['\u200b', 0],
    ['❤️', 2], // text-default heart made emoji by VS16
    ['👩‍💻', 2], // a ZWJ sequence is one grapheme
  ])('%s is %i cells', (s, w) => {
    expect(stringWidth(s)).toBe(w);
  });

  it('controls are zero wide and sanitized away', () => {
    expect(codePointWidth(0x1b)).toBe(0);
    expect(sanitize('a\x1b[2Jb\tc\u0085')).toBe('a\uFFFD[2Jb\uFFFDc\uFFFD');
  });

  it('truncation never splits a wide grapheme', () => {
    expect(truncateToWidth('ab📂cd', 3)).toBe('ab');
    expect(truncateToWidth('ab📂cd', 4)).toBe('ab📂');
    expect(truncateToWidth('abc', 0)).toBe('');
  });
});

describe('Grid', () => {
  it('a wide grapheme takes its cell and an empty continuation cell', () => {
    const g = new Grid(6, 1);
    expect(g.text(0, 0, '📂ab')).toBe(4);
    expect(g.cells[0]!.map((c) => c.ch)).toEqual(['📂', '', 'a', 'b', ' ', ' ']);
    expect(g.rowText(0)).toBe('📂ab  ');
  });

  it('text is cut at maxWidth and at the edge, a straddling emoji left out', () => {
    const g = new Grid(5, 1);
    g.text(0, 0, 'abc📂', {}, 4);
    expect(g.rowText(0)).toBe('abc  ');
    g.text(3, 0, 'xyz');
    expect(g.rowText(0)).toBe('abcxy');
  });

  it('overwriting half of a wide grapheme blanks the other half', () => {
    const g = new Grid(4, 1);
    g.text(0, 0, '📂📄');
    g.text(1, 0, 'x');
    expect(g.cells[0]!.map((c) => c.ch)).toEqual([' ', 'x', '📄', '']);
  });
});

describe('highlightPython', () => {
  const kinds = (line: string): string[] => highlightPython([line])[0]!.filter((t) => t.text.trim() !== '').map((t) => `${t.kind}:${t.text.trim()}`);

  it('keywords, definitions, builtins, numbers, strings and comments', () => {
    expect(kinds('def main(x=0x1F):  # go')).toEqual(['keyword:def', 'definition:main', 'plain:(x=', 'number:0x1F', 'plain:):', 'comment:# go']);
    expect(kinds('return len(b"ab\\"c") + 1.5e3')).toEqual(['keyword:return', 'builtin:len', 'plain:(', 'string:b"ab\\"c"', 'plain:) +', 'number:1.5e3']);
    expect(kinds('@cache')).toEqual(['definition:@cache']);
    expect(kinds('x1 = a @ b')).toEqual(['plain:x1 = a @ b']);
  });

  it('triple-quoted strings continue over lines', () => {
    const t = highlightPython(['s = """one', 'two # not a comment', 'three""" + x']);
    expect(t[1]).toEqual([{ text: 'two # not a comment', kind: 'string' }]);
    expect(t[2]![0]).toEqual({ text: 'three"""', kind: 'string' });
  });

  it('tabs are expanded to 8 columns before drawing', () => {
    expect(displayLine('\tif x:\t#')).toBe('        if x:   #');
  });
});

describe('wrap', () => {
  it('wraps at spaces and cuts words longer than the line', () => {
    expect(wrap('🧭 Function: a_rather_long_name here', 12)).toEqual(['🧭 Function:', 'a_rather_lon', 'g_name here']);
    expect(wrap('', 5)).toEqual([]);
  });
});

describe('colours', () => {
  it('nearest256 picks the cube or the grey ramp', () => {
    expect(nearest256('#ff0000')).toBe(196);
    expect(nearest256('#000000')).toBe(16);
    expect(nearest256('#808080')).toBe(244);
    expect(nearest256('#0178d4')).toBe(32);
  });

  it('truecolor wraps the character in its own SGR and leaves the attribute at default', () => {
    const [attr, ch] = encodeCell({ ch: 'x', style: { fg: '#cd5c59', bold: true } }, 'truecolor');
    expect(ch).toBe('\x1b[38;2;205;92;89mx\x1b[39m');
    expect((attr >> 9) & 0x1ff).toBe(0x1ff);
    expect(attr >> 18).toBe(1);
    const [attr256, ch256] = encodeCell({ ch: 'x', style: { fg: '#cd5c59' } }, '256');
    expect(ch256).toBe('x');
    expect((attr256 >> 9) & 0x1ff).toBe(nearest256('#cd5c59'));
    // A wide grapheme steps back after itself, its continuation cell forward (blessed-canvas.ts).
    expect(encodeCell({ ch: '📂', style: {} }, '256', true)[1]).toBe('📂\x1b[D');
    expect(encodeCell({ ch: '', style: { fg: '#cd5c59' } }, 'truecolor')[1]).toBe('\x1b[C');
  });
});

describe('layout and footer', () => {
  it('the detail column is 40 % of the width, at most 100 columns', () => {
    expect(layout(120, 60).detail.width).toBe(48);
    expect(layout(200, 40).detail.width).toBe(80);
    expect(layout(350, 100).detail.width).toBe(100);
    expect(layout(160, 48).code.height).toBe(22);
  });

  it('the footer is memray’s when it fits and loses padding, then words, when it does not', () => {
    const items = footer({ view: DEFAULT_VIEW });
    const at = (w: number): string => {
      const g = new Grid(w, 1);
      drawFooter(g, 0, items, '');
      return g.rowText(0).trimEnd();
    };
    expect(at(120)).toBe(' q Quit the app  i Hide import system  u Show uninteresting  e Expand linear group');
    expect(at(81)).toBe('q Quit the app  i Hide import system  u Show uninteresting  e Expand linear group');
    expect(at(80)).toBe('q Quit  i Hide import system  u Show uninteresting  e Expand linear group');
  });
});

describe('progress view', () => {
  it('shows phase, bar, records and time left; cancelling is final', () => {
    let s = initialProgress('big.bin');
    expect(progressLines(s, 60)).toEqual(['Indexing big.bin', '', 'Starting…', '', 'q Cancel']);
    s = reduceProgress(s, { type: 'progress', progress: { captureId: 'c', path: 'p', phase: 'writing', bytes: 1, totalBytes: 1, records: 12, percent: 100 } });
    expect(progressLines(s, 30).slice(2)).toEqual(['Writing the index…', `${'█'.repeat(22)} 100 %`, '12 records', '', 'q Cancel']);
    s = reduceProgress(s, { type: 'cancel' });
    expect(reduceProgress(s, { type: 'progress', progress: s.progress! })).toBe(s);
    expect(progressLines(s, 30).at(-1)).toBe('Cancelling…');
    expect([formatDuration(400), formatDuration(59_600), formatDuration(125_000), formatDuration(3_725_000)]).toEqual(['0 s', '1 min 00 s', '2 min 05 s', '1 h 02 min']);
  });
});
