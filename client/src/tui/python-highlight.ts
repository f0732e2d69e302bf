/**
 * A small Python tokenizer for the code pane: keywords, builtins, strings (triple-quoted ones
 * across lines), comments, numbers, and the names after `def`/`class` and `@`. memray colours
 * every file as Python too (C sources included); a window that starts inside a docstring is
 * coloured as code, which is the price of not reading the whole file.
 */

/** How a token is coloured. */
export type TokenKind = 'plain' | 'keyword' | 'builtin' | 'string' | 'comment' | 'number' | 'definition';

/** A run of source text of one kind. */
export interface Token {
  readonly text: string;
  readonly kind: TokenKind;
}

const KEYWORDS = new Set(
  ('False None True and as assert async await break case class continue def del elif else except finally for from ' +
    'global if import in is lambda match nonlocal not or pass raise return try while with yield').split(' '),
);

const BUILTINS = new Set(
  ('abs all any bool bytearray bytes callable chr classmethod dict dir enumerate filter float format frozenset getattr ' +
    'hasattr hash id input int isinstance issubclass iter len list map max memoryview min next object open ord pow print ' +
    'property range repr reversed round set setattr slice sorted staticmethod str sum super tuple type vars zip ' +
    'Exception ValueError TypeError KeyError IndexError RuntimeError StopIteration').split(' '),
);

const IDENT = /^[\p{L}_][\p{L}\p{N}_]*/u;
const NUMBER = /^(?:0[xX][\da-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?[jJ]?)/;
const STRING_START = /^(?:[rRbBuUfF]{1,2})?('''|"""|'|")/;

/** Where a string that started on an earlier line ends: the delimiter, or null outside strings. */
type Carry = string | null;

/** Index just after the closing `quote` in `line` from `from`, honouring backslashes; -1 if none. */
function closing(line: string, from: number, quote: string): number {
  for (let i = from; i < line.length; i++) {
    if (line[i] === '\\') {
      i++;
      continue;
    }
    if (line.startsWith(quote, i)) return i + quote.length;
  }
  return -1;
}

function tokenizeLine(line: string, carry: Carry): { tokens: Token[]; carry: Carry } {
  const tokens: Token[] = [];
  const push = (text: string, kind: TokenKind): void => {
    if (text === '') return;
    const last = tokens[tokens.length - 1];
    if (last !== undefined && last.kind === kind) tokens[tokens.length - 1] = { text: last.text + text, kind };
    else tokens.push({ text, kind });
  };
  let i = 0;
  if (carry !== null) {
    const end = closing(line, 0, carry);
    if (end < 0) return { tokens: [{ text: line, kind: 'string' }], carry };
    push(line.slice(0, end), 'string');
    i = end;
  }
  let afterDef = false;
  while (i < line.length) {
    const rest = line.slice(i);
    const ch = line[i]!;
    if (ch === '#') {
      push(rest, 'comment');
      break;
    }
    const str = STRING_START.exec(rest);
    if (str !== null && (str[0].length === str[1]!.length || !IDENT.test(line.slice(i - 1, i)))) {
      const quote = str[1]!;
      const end = closing(line, i + str[0].length, quote);
      if (end < 0) {
        push(rest, 'string');
        // Only triple quotes continue on the next line; an unterminated '…' ends here.
        return { tokens, carry: quote.length === 3 ? quote : null };
      }
      push(line.slice(i, end), 'string');
      i = end;
      continue;
    }
    const prevIsIdent = i > 0 && /[\p{L}\p{N}_]/u.test(line[i - 1]!);
    const num = prevIsIdent ? null : NUMBER.exec(rest);
    if (num !== null && num[0] !== '.' && num[0] !== '') {
      push(num[0], 'number');
      i += num[0].length;
      continue;
    }
    const id = IDENT.exec(rest);
    if (id !== null) {
      const word = id[0];
      const decorated = i > 0 && line[i - 1] === '@';
      push(word, afterDef || decorated ? 'definition' : KEYWORDS.has(word) ? 'keyword' : BUILTINS.has(word) ? 'builtin' : 'plain');
      afterDef = word === 'def' || word === 'class';
      i += word.length;
      continue;
    }
    if (ch !== ' ' && ch !== '\t') afterDef = false;
    push(ch, ch === '@' && IDENT.test(line.slice(i + 1)) ? 'definition' : 'plain');
    i++;
  }
  return { tokens, carry: null };
}

/** Tokens of consecutive source lines (a triple-quoted string may span several). */
export function highlightPython(lines: readonly string[]): Token[][] {
  let carry: Carry = null;
  return lines.map((line) => {
    const r = tokenizeLine(line, carry);
    carry = r.carry;
    return r.tokens;
  });
}
