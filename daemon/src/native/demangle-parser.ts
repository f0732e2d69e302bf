/**
 * The name half of the Itanium demangler: encodings, nested / local / unscoped names,
 * operators, constructors, lambdas, ABI tags and special names (vtables, thunks, guards),
 * following libiberty's cp-demangle.c so substitution numbering and output agree with
 * `__cxa_demangle`.
 */
import { print, type Node } from './demangle-nodes.js';
import { isDigit, isLower, OPERATORS } from './demangle-tables.js';
import { TypeParser } from './demangle-types.js';

/** A name and the `this` qualifiers (`const`, `&`, ...) a nested name carried. */
type Qualified = [Node, string];

function isCtorDtorConv(n: Node): boolean {
  switch (n.k) {
    case 'ctor':
    case 'dtor':
    case 'conv':
      return true;
    case 'nested':
    case 'tagged':
      return isCtorDtorConv(n.n);
    case 'local':
      return isCtorDtorConv(n.entity);
    default:
      return false;
  }
}

/** Template function names mangle their return type (constructors and conversions excepted). */
function hasReturnType(n: Node): boolean {
  if (n.k === 'template') return !isCtorDtorConv(n.n);
  if (n.k === 'local') return hasReturnType(n.entity);
  return false;
}

/** Parses one mangled name (without its `_Z`) into a Node tree. */
export class Parser extends TypeParser {
  /** `<encoding>`: a function (name + parameter types), a data name, or a special name. */
  encoding(): Node {
    const c = this.peek();
    if (c === 'G' || c === 'T') return this.specialName();
    const [name, quals] = this.qualifiedName();
    const next = this.peek();
    if (next === '' || next === 'E') return name;
    const type = this.bareFunctionType(hasReturnType(name));
    return { k: 'encoding', name, type, quals };
  }

  name(): Node {
    return this.qualifiedName()[0];
  }

  private qualifiedName(): Qualified {
    const c = this.peek();
    if (c === 'N') return this.nestedName();
    if (c === 'Z') return this.localName();
    let dc: Node;
    if (c === 'S') {
      let subst = true;
      if (this.peek(1) !== 't') dc = this.substitution(false);
      else {
        this.p += 2;
        dc = { k: 'nested', q: { k: 'name', s: 'std' }, n: this.unqualifiedName() };
        subst = false;
      }
      if (this.peek() === 'I') {
        if (!subst) this.subs.push(dc);
        dc = { k: 'template', n: dc, args: this.templateArgs() };
      }
      return [dc, ''];
    }
    dc = this.unqualifiedName();
    if (this.peek() === 'I') {
      this.subs.push(dc);
      dc = { k: 'template', n: dc, args: this.templateArgs() };
    }
    return [dc, ''];
  }

  private nestedName(): Qualified {
    this.eat('N');
    const quals = this.cvQualifiers();
    let ref = '';
    if (this.peek() === 'R' || this.peek() === 'O') ref = this.s[this.p++] === 'R' ? ' &' : ' &&';
    let ret: Node | null = null;
    for (;;) {
      const c = this.peek();
      if (c === 'E') break;
      let dc: Node | null = null;
      if (c === 'D' && 'Tt'.includes(this.peek(1) || 'x')) this.fail('decltype is not supported');
      if (isDigit(c) || isLower(c) || c === 'C' || c === 'D' || c === 'U' || c === 'L') dc = this.unqualifiedName();
      else if (c === 'S') dc = this.substitution(true);
      else if (c === 'I') {
        if (ret === null) this.fail('template arguments without a name');
        ret = { k: 'template', n: ret, args: this.templateArgs() };
      } else if (c === 'T') dc = this.templateParam();
      else if (c === 'M') {
        this.p++;
        continue;
      } else this.fail('bad nested name');
      if (dc !== null) ret = ret === null ? dc : { k: 'nested', q: ret, n: dc };
      if (c !== 'S' && this.peek() !== 'E') this.subs.push(ret!);
    }
    this.eat('E');
    if (ret === null) this.fail('empty nested name');
    const q = [...quals]
      .reverse()
      .map((x) => ` ${x}`)
      .join('');
    return [ret, q + ref];
  }

  private localName(): Qualified {
    this.eat('Z');
    let enc = this.encoding();
    this.eat('E');
    // The enclosing function's return type is not printed.
    if (enc.k === 'encoding') enc = { ...enc, type: { ...enc.type, ret: null } };
    if (this.peek() === 's') {
      this.p++;
      this.discriminator();
      return [{ k: 'local', enc, entity: { k: 'name', s: 'string literal' } }, ''];
    }
    let num = -1;
    if (this.peek() === 'd') {
      this.p++;
      num = this.compactNumber();
    }
    let [entity, quals] = this.qualifiedName();
    if (entity.k !== 'lambda' && entity.k !== 'unnamed') this.discriminator();
    if (num >= 0) entity = { k: 'nested', q: { k: 'name', s: `{default arg#${num + 1}}` }, n: entity };
    return [{ k: 'local', enc, entity }, quals];
  }

  /** `_ <digit>` or `__ <number> _`: which of several same-named locals (not printed). */
  private discriminator(): void {
    if (this.peek() !== '_') return;
    this.p++;
    let two = false;
    if (this.peek() === '_') {
      two = true;
      this.p++;
    }
    const n = this.number();
    if (two && n >= 10) this.eat('_');
  }

  private unqualifiedName(): Node {
    const c = this.peek();
    let ret: Node;
    if (isDigit(c)) ret = this.sourceName();
    else if (isLower(c)) ret = this.operatorName();
    else if (c === 'C' || c === 'D') ret = this.ctorDtorName();
    else if (c === 'L') {
      this.p++;
      ret = this.sourceName();
      this.discriminator();
    } else if (c === 'U') ret = this.unnamedOrLambda();
    else this.fail('bad unqualified name');
    while (this.peek() === 'B') {
      this.p++;
      const hold = this.lastName;
      const tag = this.sourceName().s;
      this.lastName = hold;
      ret = { k: 'tagged', n: ret, tag };
    }
    return ret;
  }

  private operatorName(): Node {
    const code = this.s.slice(this.p, this.p + 2);
    this.p += 2;
    if (code === 'cv') return { k: 'conv', t: this.type() };
    if (code === 'li') return { k: 'name', s: `operator"" ${this.sourceName().s}` };
    const op = OPERATORS[code] ?? this.fail('unknown operator');
    return { k: 'name', s: `operator${isLower(op[0]!) ? ' ' : ''}${op}` };
  }

  private ctorDtorName(): Node {
    const last = this.lastName ?? this.fail('constructor without a class name');
    const kind = this.s[this.p++];
    const c = this.s[this.p++] ?? '';
    if (kind === 'C') {
      if (c === 'I' && '12'.includes(this.peek() || 'x')) {
        this.p++;
        this.type();
      } else if (!'12345'.includes(c || 'x')) this.fail('bad constructor');
      return { k: 'ctor', n: last };
    }
    if (!'01245'.includes(c || 'x')) this.fail('bad destructor');
    return { k: 'dtor', n: last };
  }

  private unnamedOrLambda(): Node {
    const c = this.peek(1);
    this.p += 2;
    if (c === 't') {
      // Unlike lambdas, an unnamed type is a substitution candidate by itself.
      const n: Node = { k: 'unnamed', num: this.compactNumber() };
      this.subs.push(n);
      return n;
    }
    if (c !== 'l') this.fail('bad unnamed name');
    if (this.peek() === 'T') this.fail('template lambdas are not supported');
    const params = this.parmlist();
    this.eat('E');
    return { k: 'lambda', params, num: this.compactNumber() };
  }

  private callOffset(): void {
    const c = this.s[this.p++];
    this.number();
    this.eat('_');
    if (c === 'v') {
      this.number();
      this.eat('_');
    } else if (c !== 'h') this.fail('bad call offset');
  }

  private specialName(): Node {
    const group = this.s[this.p++];
    const c = this.s[this.p++] ?? '';
    const special = (prefix: string, n: Node): Node => ({ k: 'special', prefix, n });
    if (group === 'T') {
      const typePrefix: Record<string, string> = { V: 'vtable for ', T: 'VTT for ', I: 'typeinfo for ', S: 'typeinfo name for ', F: 'typeinfo fn for ' };
      if (typePrefix[c] !== undefined) return special(typePrefix[c], this.type());
      if (c === 'h' || c === 'v') {
        this.p--;
        this.callOffset();
        return special(c === 'h' ? 'non-virtual thunk to ' : 'virtual thunk to ', this.encoding());
      }
      if (c === 'c') {
        this.callOffset();
        this.callOffset();
        return special('covariant return thunk to ', this.encoding());
      }
      if (c === 'C') {
        const derived = this.type();
        this.number();
        this.eat('_');
        const base = this.type();
        return special('construction vtable for ', { k: 'literal', s: `${print(base)}-in-${print(derived)}` });
      }
      if (c === 'H') return special('TLS init function for ', this.name());
      if (c === 'W') return special('TLS wrapper function for ', this.name());
    } else if (group === 'G') {
      if (c === 'V') return special('guard variable for ', this.name());
      if (c === 'A') return special('hidden alias for ', this.encoding());
      if (c === 'T' && (this.peek() === 'n' || this.peek() === 't')) {
        const prefix = this.s[this.p++] === 'n' ? 'non-transaction clone for ' : 'transaction clone for ';
        return special(prefix, this.encoding());
      }
    }
    this.fail('unsupported special name');
  }
}
