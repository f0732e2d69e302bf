/**
 * The type half of the Itanium demangler: types, template arguments and literals, adding
 * substitution candidates exactly where libiberty's `d_type` does so that `S_`, `S0_`, ...
 * refer to the same things. The lexing base is demangle-lexer.ts; names live in
 * demangle-parser.ts.
 */
import { Lexer } from './demangle-lexer.js';
import type { Node } from './demangle-nodes.js';
import { BUILTINS, D_BUILTINS, isDigit, isUpper, QUALS } from './demangle-tables.js';

/** The grammar of types (the lexing and parser state live in Lexer). */
export abstract class TypeParser extends Lexer {
  abstract name(): Node;
  abstract encoding(): Node;

  /** `I <arg>* E` (or `J ... E` for a pack); keeps the last name seen before it. */
  templateArgs(): Node[] {
    if (this.peek() !== 'I' && this.peek() !== 'J') this.fail('expected template arguments');
    this.p++;
    const hold = this.lastName;
    const args: Node[] = [];
    while (this.peek() !== 'E') args.push(this.templateArg());
    this.p++;
    this.lastName = hold;
    return args;
  }

  private templateArg(): Node {
    const c = this.peek();
    if (c === 'X') {
      this.p++;
      const e = this.expression();
      this.eat('E');
      return e;
    }
    if (c === 'L') return this.literal();
    if (c === 'I' || c === 'J') return { k: 'pack', args: this.templateArgs() };
    return this.type();
  }

  /**
   * The expressions SFINAE-style names use as template arguments: literals, template
   * parameters and unresolved qualified names (`sr ...`, e.g. `std::is_signed<int>::value`).
   * Anything else (calls, operators, decltype) is not supported.
   */
  private expression(): Node {
    const c = this.peek();
    if (c === 'L') return this.literal();
    if (c === 'T') return this.templateParam();
    if (c !== 's' || this.peek(1) !== 'r') this.fail('unsupported expression');
    this.p += 2;
    let q: Node | null = null;
    if (this.peek() === 'N') {
      this.p++;
      q = this.type();
      while (this.peek() !== 'E') q = { k: 'nested', q, n: this.simpleId() };
      this.p++;
    } else if (isDigit(this.peek())) {
      while (this.peek() !== 'E') q = q === null ? this.simpleId() : { k: 'nested', q, n: this.simpleId() };
      this.p++;
    } else {
      q = this.type();
    }
    if (!isDigit(this.peek())) this.fail('unsupported unresolved name');
    return { k: 'nested', q: q!, n: this.simpleId() };
  }

  /** `<source-name> [<template-args>]` inside an unresolved name. */
  private simpleId(): Node {
    const n = this.sourceName();
    return this.peek() === 'I' ? { k: 'template', n, args: this.templateArgs() } : n;
  }

  /** `L <type> <value> E` or `L Z <encoding> E`. */
  private literal(): Node {
    this.eat('L');
    if (this.peek() === 'Z' || (this.peek() === '_' && this.peek(1) === 'Z')) {
      this.p += this.peek() === 'Z' ? 1 : 2;
      const enc = this.encoding();
      this.eat('E');
      return enc;
    }
    const t = this.type();
    const neg = this.peek() === 'n';
    if (neg) this.p++;
    const start = this.p;
    while (this.p < this.s.length && this.peek() !== 'E') this.p++;
    const value = (neg ? '-' : '') + this.s.slice(start, this.p);
    this.eat('E');
    const lit = t.k === 'name' ? t.lit : undefined;
    if (lit === 'bool' && (value === '0' || value === '1')) return { k: 'literal', s: value === '1' ? 'true' : 'false' };
    if (lit === 'float' || lit === 'void') this.fail('unsupported literal');
    if (lit !== undefined && lit !== 'default' && lit !== 'bool') return { k: 'literal', s: value + lit };
    return { k: 'cast', t, s: value };
  }

  /** Parameter types up to `E`, `.` or the end; a lone `void` means none. */
  parmlist(): Node[] {
    const out: Node[] = [];
    for (;;) {
      const c = this.peek();
      if (c === '' || c === 'E' || c === '.') break;
      // `RE` / `OE`: a function type's ref-qualifier, not a reference parameter.
      if ((c === 'R' || c === 'O') && this.peek(1) === 'E') break;
      if (c === 'Q') this.fail('requires-clauses are not supported');
      out.push(this.type());
    }
    if (out.length === 0) this.fail('empty parameter list');
    if (out.length === 1 && out[0]!.k === 'name' && out[0]!.lit === 'void') return [];
    return out;
  }

  bareFunctionType(hasReturn: boolean): Node & { k: 'func' } {
    if (this.peek() === 'J') {
      this.p++;
      hasReturn = true;
    }
    const ret = hasReturn ? this.type() : null;
    return { k: 'func', ret, params: this.parmlist(), suffix: '' };
  }

  private functionType(): Node & { k: 'func' } {
    this.eat('F');
    if (this.peek() === 'Y') this.p++;
    const f = this.bareFunctionType(true);
    let suffix = '';
    if (this.peek() === 'R' || this.peek() === 'O') suffix = this.s[this.p++] === 'R' ? ' &' : ' &&';
    this.eat('E');
    return { ...f, suffix };
  }

  type(): Node {
    const c = this.peek();
    if (QUALS[c] !== undefined) {
      const quals = this.cvQualifiers();
      if (this.peek() === 'D' && this.peek(1) !== '' && 'xoOw'.includes(this.peek(1))) this.fail('exception specifications are not supported');
      let t: Node;
      if (this.peek() === 'F') {
        // Qualifiers of a function type apply to `this`; they print after the parameters.
        const f = this.functionType();
        t = { ...f, suffix: [...quals].reverse().map((q) => ` ${q}`).join('') + f.suffix };
      } else {
        t = this.type();
        for (let i = quals.length - 1; i >= 0; i--) t = { k: 'qual', t, q: quals[i]! };
      }
      this.subs.push(t);
      return t;
    }
    const b = BUILTINS[c];
    if (b !== undefined) {
      this.p++;
      return { k: 'name', s: b.name, lit: c === 'v' ? 'void' : b.literal };
    }
    let t: Node;
    switch (c) {
      case 'u':
        this.p++;
        t = this.sourceName();
        break;
      case 'F':
        t = this.functionType();
        break;
      case 'N':
      case 'Z':
        t = this.name();
        break;
      case 'A':
        t = this.arrayType();
        break;
      case 'M': {
        this.p++;
        const cls = this.type();
        t = { k: 'ptrmem', cls, t: this.type() };
        break;
      }
      case 'T':
        t = this.templateParam();
        if (this.peek() === 'I') {
          this.subs.push(t);
          t = { k: 'template', n: t, args: this.templateArgs() };
        }
        break;
      case 'P':
      case 'R':
      case 'O':
        this.p++;
        t = { k: c === 'P' ? 'ptr' : c === 'R' ? 'lref' : 'rref', t: this.type() };
        break;
      case 'C':
      case 'G':
        this.p++;
        t = { k: 'suffixed', t: this.type(), s: c === 'C' ? '_Complex' : '_Imaginary' };
        break;
      case 'S': {
        const n = this.peek(1);
        if (isDigit(n) || n === '_' || isUpper(n)) {
          t = this.substitution(false);
          if (this.peek() !== 'I') return t;
          t = { k: 'template', n: t, args: this.templateArgs() };
        } else {
          t = this.name();
          if (t.k === 'name' && t.std === true) return t;
        }
        break;
      }
      case 'D':
        return this.dType();
      default:
        if (!isDigit(c)) this.fail('unknown type');
        t = this.name();
    }
    this.subs.push(t);
    return t;
  }

  /** Types starting with `D`. */
  private dType(): Node {
    const c = this.peek(1);
    const b = D_BUILTINS[c];
    if (b !== undefined) {
      this.p += 2;
      return { k: 'name', s: b, lit: 'default' };
    }
    let t: Node;
    if (c === 'p') {
      this.p += 2;
      t = { k: 'packexp', t: this.type() };
    } else if (c === 'v' && isDigit(this.peek(2))) {
      this.p += 2;
      const dim = this.numberText();
      this.eat('_');
      t = { k: 'vector', dim, t: this.type() };
    } else {
      this.fail('unsupported D type');
    }
    this.subs.push(t);
    return t;
  }

  private arrayType(): Node {
    this.eat('A');
    let dim = '';
    if (isDigit(this.peek())) dim = this.numberText();
    else if (this.peek() !== '_') this.fail('array bounds expressions are not supported');
    this.eat('_');
    return { k: 'array', dim, t: this.type() };
  }
}
