/**
 * Regular expressions of views and searches (docs/views.md, "Regular expressions"). They are
 * JavaScript expressions without flags, searched (not fully matched) in a frame's function and
 * file name, which for the common subset means what Python's `re.search` means; Python's named
 * groups `(?P<name>...)` and back-references `(?P=name)` are translated. A bad expression is a
 * PatternError with the 0-based position where it goes wrong and Python `re`'s wording.
 */

export class PatternError extends Error {
  constructor(
    /** The parameter or option that held the expression. */
    readonly field: string,
    readonly pattern: string,
    readonly position: number,
    readonly reason: string,
  ) {
    super(`bad regular expression ${JSON.stringify(pattern)}: ${reason} at position ${position}`);
  }
}

/** Python-only syntax rewritten to JavaScript's. */
function translate(source: string): string {
  return source.replace(/(\\.)|\(\?P<([A-Za-z_]\w*)>|\(\?P=([A-Za-z_]\w*)\)/g, (m, esc: string | undefined, name?: string, ref?: string) => {
    if (esc !== undefined) return m;
    return name !== undefined ? `(?<${name}>` : `\\k<${ref}>`;
  });
}

/** Where and why `source` is malformed, found by a scan of its structure; undefined if the scan finds nothing. */
function locate(source: string): { position: number; reason: string } | undefined {
  const open: number[] = [];
  // Whether the previous item can take a quantifier.
  let repeatable = false;
  let quantified = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      if (i + 1 >= source.length) return { position: i, reason: 'bad escape (end of pattern)' };
      i++;
      repeatable = true;
      quantified = false;
    } else if (c === '[') {
      let j = i + 1;
      if (source[j] === '^') j++;
      if (source[j] === ']') j++; // a leading ] is a literal in Python
      for (; j < source.length && source[j] !== ']'; j++) if (source[j] === '\\') j++;
      if (j >= source.length) return { position: i, reason: 'unterminated character set' };
      i = j;
      repeatable = true;
      quantified = false;
    } else if (c === '(') {
      open.push(i);
      if (source[i + 1] === '?') i++;
      repeatable = false;
      quantified = false;
    } else if (c === ')') {
      if (open.length === 0) return { position: i, reason: 'unbalanced parenthesis' };
      open.pop();
      repeatable = true;
      quantified = false;
    } else if (c === '|') {
      repeatable = false;
      quantified = false;
    } else if (c === '*' || c === '+' || c === '?' || (c === '{' && /^\{\d+(,\d*)?\}/.test(source.slice(i)))) {
      if (c === '?' && quantified) {
        quantified = false; // lazy quantifier
        repeatable = false;
        continue;
      }
      if (quantified) return { position: i, reason: 'multiple repeat' };
      if (!repeatable) return { position: i, reason: 'nothing to repeat' };
      if (c === '{') i = source.indexOf('}', i);
      quantified = true;
    } else {
      repeatable = true;
      quantified = false;
    }
  }
  if (open.length > 0) return { position: open[open.length - 1]!, reason: 'missing ), unterminated subpattern' };
  return undefined;
}

/** Compiles a view or search expression; throws PatternError naming `field` and the position. */
export function compilePattern(field: string, source: string): RegExp {
  const where = locate(source);
  if (where !== undefined) throw new PatternError(field, source, where.position, where.reason);
  try {
    return new RegExp(translate(source));
  } catch (err) {
    // Structure is sound but JavaScript still refuses (an unknown group kind, a bad name...).
    const why = err instanceof Error ? err.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '') : String(err);
    throw new PatternError(field, source, 0, why.toLowerCase());
  }
}
