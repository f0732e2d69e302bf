/**
 * The lexing base of the Itanium demangler: position, substitution table and last source
 * name, with the terminals of the grammar (numbers, qualifiers, substitutions, template
 * parameters, source names). Types build on it in demangle-types.ts, names in demangle-parser.ts.
 */
import { DemangleError, type Node } from './demangle-nodes.js';
import { isDigit, isUpper, QUALS, STD_SUBS } from './demangle-tables.js';

/** Parser state (position, substitutions, last name) and the lexical rules below types. */
export abstract class Lexer {
  p = 0;
  protected readonly subs: Node[] = [];
  /** The last source name, for constructors and destructors. */
  protected lastName: Node | null = null;

  constructor(readonly s: string) {}

  peek(o = 0): string {
    return this.s[this.p + o] ?? '';
  }

  eat(c: string): void {
    if (this.s[this.p] !== c) this.fail(`expected ${c}`);
    this.p++;
  }

  fail(what: string): never {
    throw new DemangleError(`${what} at ${this.p}`);
  }

  /** `[n] <digits>` as a string (libiberty's d_number, which accepts no digits as 0). */
  numberText(): string {
    let sign = '';
    if (this.peek() === 'n') {
      sign = '-';
      this.p++;
    }
    const start = this.p;
    while (isDigit(this.peek())) this.p++;
    return sign + (this.p > start ? String(Number(this.s.slice(start, this.p))) : '0');
  }

  number(): number {
    return Number(this.numberText());
  }

  /** `_` → 0, `<number> _` → number + 1 (lambda and unnamed-type numbers). */
  compactNumber(): number {
    if (this.peek() === '_') {
      this.p++;
      return 0;
    }
    if (this.peek() === 'n' || !isDigit(this.peek())) this.fail('bad number');
    const n = this.number() + 1;
    this.eat('_');
    return n;
  }

  /** `r`, `V`, `K` in mangled order. */
  cvQualifiers(): string[] {
    const out: string[] = [];
    while (QUALS[this.peek()] !== undefined) out.push(QUALS[this.s[this.p++]!]!);
    return out;
  }

  /** A `S_` / `S<seq-id>_` back-reference or a standard abbreviation (`inPrefix`: inside a nested name). */
  substitution(inPrefix: boolean): Node {
    this.eat('S');
    const c = this.peek();
    if (c === '_' || isDigit(c) || isUpper(c)) {
      let id = 0;
      if (c !== '_') {
        while (this.peek() !== '_') {
          const d = this.s[this.p++] ?? this.fail('unterminated substitution');
          if (!isDigit(d) && !isUpper(d)) this.fail('bad substitution');
          id = id * 36 + (isDigit(d) ? d.charCodeAt(0) - 48 : d.charCodeAt(0) - 55);
        }
        id++;
      }
      this.eat('_');
      return this.subs[id] ?? this.fail('substitution out of range');
    }
    const std = STD_SUBS[c] ?? this.fail('unknown standard substitution');
    this.p++;
    // Before a constructor or destructor the abbreviation is spelled out in full.
    const next = this.peek();
    const full = inPrefix && (next === 'C' || next === 'D');
    if (std[2] !== null) this.lastName = { k: 'name', s: std[2] };
    return { k: 'name', s: full ? std[1] : std[0], std: true };
  }

  templateParam(): Node {
    this.eat('T');
    const idx = this.peek() === '_' ? 0 : this.number() + 1;
    this.eat('_');
    return { k: 'tparam', idx };
  }

  /** `<length> <identifier>`; `_GLOBAL__N...` is the anonymous namespace. Sets the last name. */
  sourceName(): Node & { k: 'name' } {
    if (!isDigit(this.peek())) this.fail('expected a source name');
    const len = this.number();
    if (len <= 0 || this.p + len > this.s.length) this.fail('bad source name length');
    const id = this.s.slice(this.p, this.p + len);
    this.p += len;
    const anon = id.startsWith('_GLOBAL_') && '._$'.includes(id[8] ?? 'x') && id[9] === 'N';
    const n: Node & { k: 'name' } = { k: 'name', s: anon ? '(anonymous namespace)' : id };
    this.lastName = n;
    return n;
  }
}
