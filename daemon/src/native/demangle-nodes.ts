/**
 * The demangler's tree and its printing in libiberty's (`__cxa_demangle`'s) style: `int const*`,
 * `void (*)(int)`, `int (&) [3]`, `std::vector<int, std::allocator<int> >`, `operator< <int>`.
 * Types print through C declarator composition: `decl(type, inner)` wraps the declarator
 * `inner` (what sits between the base type and the end, e.g. `*`) around the type.
 */

/** Input the demangler does not support (or that is malformed): the caller keeps the mangled name. */
export class DemangleError extends Error {}

/** A node of a demangled name: names, types, template arguments, encodings. */
export type Node =
  /** `std`: a standard abbreviation (Sa, Ss, ...); `lit`: how a literal of this builtin type prints. */
  | { readonly k: 'name'; readonly s: string; readonly std?: boolean; readonly lit?: string }
  | { readonly k: 'nested'; readonly q: Node; readonly n: Node }
  | { readonly k: 'template'; readonly n: Node; readonly args: readonly Node[] }
  | { readonly k: 'ctor' | 'dtor'; readonly n: Node }
  | { readonly k: 'conv'; readonly t: Node }
  | { readonly k: 'tagged'; readonly n: Node; readonly tag: string }
  | { readonly k: 'local'; readonly enc: Node; readonly entity: Node }
  | { readonly k: 'lambda'; readonly params: readonly Node[]; readonly num: number }
  | { readonly k: 'unnamed'; readonly num: number }
  | { readonly k: 'qual'; readonly t: Node; readonly q: string }
  | { readonly k: 'ptr' | 'lref' | 'rref'; readonly t: Node }
  | { readonly k: 'func'; readonly ret: Node | null; readonly params: readonly Node[]; readonly suffix: string }
  | { readonly k: 'array'; readonly dim: string; readonly t: Node }
  | { readonly k: 'ptrmem'; readonly cls: Node; readonly t: Node }
  | { readonly k: 'vector'; readonly dim: string; readonly t: Node }
  | { readonly k: 'suffixed'; readonly t: Node; readonly s: string }
  | { readonly k: 'literal'; readonly s: string }
  /** A literal of a non-builtin type: `(Type)value`. */
  | { readonly k: 'cast'; readonly t: Node; readonly s: string }
  | { readonly k: 'pack'; readonly args: readonly Node[] }
  | { readonly k: 'packexp'; readonly t: Node }
  /** `T_` (idx 0), `T0_` (1), ...: resolved while printing, against the enclosing function template. */
  | { readonly k: 'tparam'; readonly idx: number }
  /** A function encoding: name, its function type (return type only for templates), `this` qualifiers. */
  | { readonly k: 'encoding'; readonly name: Node; readonly type: Node & { k: 'func' }; readonly quals: string }
  | { readonly k: 'special'; readonly prefix: string; readonly n: Node };

/** The template arguments in scope while printing (innermost function template first). */
interface Scope {
  readonly args: readonly Node[];
  readonly next: Scope | null;
}

/**
 * Printing state: the template scopes `T_` resolves against (as libiberty resolves them, at
 * print time, so a `T_` reached through a substitution means the outer template's argument)
 * and, inside a pack expansion, which pack element is being printed.
 */
interface Ctx {
  readonly packIndex: number;
  readonly templates: Scope | null;
}

const TOP: Ctx = { packIndex: -1, templates: null };

/** The template arguments a function name brings into scope for `T_`. */
function templateArgsOf(n: Node): readonly Node[] | null {
  if (n.k === 'template') return n.args;
  if (n.k === 'local') return templateArgsOf(n.entity);
  return null;
}

/** What a template parameter stands for, and the scope to print it in (the enclosing one). */
function bound(n: Node & { k: 'tparam' }, ctx: Ctx): { arg: Node; ctx: Ctx } {
  const scope = ctx.templates ?? fail('template parameter outside a template');
  let arg = scope.args[n.idx] ?? fail('template parameter out of range');
  if (arg.k === 'pack' && ctx.packIndex >= 0) arg = arg.args[ctx.packIndex] ?? fail('pack index out of range');
  return { arg, ctx: { packIndex: ctx.packIndex, templates: scope.next } };
}

function fail(what: string): never {
  throw new DemangleError(what);
}

/** Prints a name, a type or an encoding. */
export function print(n: Node, ctx: Ctx = TOP): string {
  switch (n.k) {
    case 'name':
    case 'literal':
      return n.s;
    case 'nested':
      return `${print(n.q, ctx)}::${print(n.n, ctx)}`;
    case 'template': {
      const head = print(n.n, ctx);
      const out: ListOut = { s: '', last: head.endsWith('<') ? ' ' : '<' };
      emitList(n.args, ctx, out);
      return `${head}${head.endsWith('<') ? ' <' : '<'}${out.s}${out.last === '>' ? ' >' : '>'}`;
    }
    case 'ctor':
      return print(n.n, ctx);
    case 'dtor':
      return `~${print(n.n, ctx)}`;
    case 'conv':
      return `operator ${print(n.t, ctx)}`;
    case 'tagged':
      return `${print(n.n, ctx)}[abi:${n.tag}]`;
    case 'local':
      return `${print(n.enc, ctx)}::${print(n.entity, ctx)}`;
    case 'lambda':
      return `{lambda(${printList(n.params, ctx)})#${n.num + 1}}`;
    case 'unnamed':
      return `{unnamed type#${n.num + 1}}`;
    case 'pack':
      return printList(n.args, ctx);
    case 'tparam': {
      const b = bound(n, ctx);
      return print(b.arg, b.ctx);
    }
    case 'cast':
      return `(${print(n.t, ctx)})${n.s}`;
    case 'encoding':
      return printEncoding(n, ctx);
    case 'special':
      return `${n.prefix}${print(n.n, ctx)}`;
    default:
      return decl(n, '', ctx);
  }
}

/** Output being built, with the character libiberty believes it printed last. */
interface ListOut {
  s: string;
  last: string;
}

/** Prints a list (function parameters, template arguments), expanding pack expansions. */
function printList(items: readonly Node[], ctx: Ctx = TOP): string {
  const out: ListOut = { s: '', last: '' };
  emitList(items, ctx, out);
  return out.s;
}

/**
 * Appends `items` separated by ", ". Like libiberty, an element that prints nothing (an empty
 * pack) takes its ", " back but leaves the last character at ' ', which is why
 * `A<B<int>>` is printed without a space before the final `>` when an empty pack ends the list.
 */
function emitList(items: readonly Node[], ctx: Ctx, out: ListOut): void {
  for (let i = 0; i < items.length; i++) {
    let mark = -1;
    if (i > 0) {
      out.s += ', ';
      out.last = ' ';
      mark = out.s.length;
    }
    emitItem(items[i]!, ctx, out);
    if (mark >= 0 && out.s.length === mark) out.s = out.s.slice(0, mark - 2);
  }
}

function emitItem(it: Node, ctx: Ctx, out: ListOut): void {
  if (it.k === 'pack') return emitList(it.args, ctx, out);
  if (it.k === 'tparam' && ctx.packIndex < 0) {
    const b = bound(it, ctx);
    if (b.arg.k === 'pack') return emitList(b.arg.args, b.ctx, out);
  }
  if (it.k === 'packexp') {
    const len = packLength(it.t, ctx);
    if (len < 0) return append(out, `${print(it.t, ctx)}...`);
    for (let i = 0; i < len; i++) {
      if (i > 0) append(out, ', ');
      append(out, print(it.t, { packIndex: i, templates: ctx.templates }));
    }
    return;
  }
  append(out, print(it, ctx));
}

function append(out: ListOut, s: string): void {
  if (s === '') return;
  out.s += s;
  out.last = s[s.length - 1]!;
}

/** Length of the first pack a template parameter inside `n` is bound to, or -1. */
function packLength(n: Node, ctx: Ctx): number {
  switch (n.k) {
    case 'tparam': {
      const scope = ctx.templates;
      const arg = scope?.args[n.idx];
      if (arg === undefined) return -1;
      return arg.k === 'pack' ? arg.args.length : -1;
    }
    case 'qual':
    case 'ptr':
    case 'lref':
    case 'rref':
    case 'array':
    case 'vector':
    case 'suffixed':
      return packLength(n.t, ctx);
    case 'template':
      for (const a of n.args) {
        const l = packLength(a, ctx);
        if (l >= 0) return l;
      }
      return -1;
    default:
      return -1;
  }
}

/** True when `t` (through pointers, references and qualifiers) is a function or array type. */
function hasOwnDeclarator(t: Node, ctx: Ctx): boolean {
  for (;;) {
    if (t.k === 'tparam') {
      const b = bound(t, ctx);
      t = b.arg;
      ctx = b.ctx;
    } else if (t.k === 'ptr' || t.k === 'lref' || t.k === 'rref' || t.k === 'qual') t = t.t;
    else return t.k === 'func' || t.k === 'array' || t.k === 'ptrmem';
  }
}

/** Prints type `t` with declarator `inner` (e.g. "*", "&", " const", "A::*"). */
function decl(t: Node, inner: string, ctx: Ctx = TOP): string {
  switch (t.k) {
    case 'ptr':
      return decl(t.t, `*${inner}`, ctx);
    case 'lref':
    case 'rref': {
      // Reference collapsing through a template parameter bound to a reference: & wins.
      if (t.t.k === 'tparam') {
        const { arg, ctx: outer } = bound(t.t, ctx);
        if (arg.k === 'lref' || arg.k === 'rref') return decl({ k: t.k === 'lref' ? 'lref' : arg.k, t: arg.t }, inner, outer);
      }
      return decl(t.t, `${t.k === 'lref' ? '&' : '&&'}${inner}`, ctx);
    }
    case 'qual': {
      const b = t.t.k === 'tparam' ? bound(t.t, ctx) : { arg: t.t, ctx };
      const under = b.arg;
      // A qualified array is an array of qualified elements: `char const (&) [3]`.
      if (under.k === 'array') return decl({ k: 'array', dim: under.dim, t: { k: 'qual', t: under.t, q: t.q } }, inner, b.ctx);
      // A qualifier the (substituted) type already carries prints once.
      for (let u: Node = under; u.k === 'qual'; u = u.t) if (u.q === t.q) return decl(t.t, inner, ctx);
      return decl(t.t, ` ${t.q}${inner}`, ctx);
    }
    case 'tparam': {
      const b = bound(t, ctx);
      return decl(b.arg, inner, b.ctx);
    }
    case 'func': {
      const tail = `${inner === '' ? '' : `(${inner})`}(${printList(t.params, ctx)})${t.suffix}`;
      const ret = t.ret ?? { k: 'name', s: '' };
      if (hasOwnDeclarator(ret, ctx)) return decl(ret, tail, ctx);
      return `${decl(ret, '', ctx)} ${tail}`;
    }
    case 'array': {
      let dims = `[${t.dim}]`;
      let elem = t.t;
      while (elem.k === 'array') {
        dims += `[${elem.dim}]`;
        elem = elem.t;
      }
      return `${decl(elem, '', ctx)} ${inner === '' ? '' : `(${inner}) `}${dims}`;
    }
    case 'ptrmem': {
      const cls = print(t.cls, ctx);
      return t.t.k === 'func' ? decl(t.t, `${cls}::*${inner}`, ctx) : decl(t.t, ` ${cls}::*${inner}`, ctx);
    }
    case 'vector':
      return `${decl(t.t, '', ctx)} __vector(${t.dim})${inner}`;
    case 'suffixed':
      return `${decl(t.t, '', ctx)} ${t.s}${inner}`;
    case 'packexp':
      return `${decl(t.t, '', ctx)}...${inner}`;
    default: {
      const base = print(t, ctx);
      return inner === '' || inner.startsWith('*') || inner.startsWith('&') || inner.startsWith(' ') ? base + inner : `${base} ${inner}`;
    }
  }
}

/** `ret name(params) quals`, the return type composed around the name as C declares it. */
function printEncoding(e: Node & { k: 'encoding' }, outer: Ctx): string {
  const f = e.type;
  const args = templateArgsOf(e.name);
  // A function template's arguments are in scope for its name, parameters and return type.
  const ctx: Ctx = args === null ? outer : { packIndex: outer.packIndex, templates: { args, next: outer.templates } };
  const core = `${print(e.name, ctx)}(${printList(f.params, ctx)})${e.quals}`;
  if (f.ret === null) return core;
  const MARK = '\u0001';
  const s = decl(f.ret, MARK, ctx);
  const at = s.indexOf(MARK);
  let depth = 0;
  for (let i = 0; i < at; i++) depth += s[i] === '(' ? 1 : s[i] === ')' ? -1 : 0;
  // Inside a declarator's parentheses the name follows `(*` directly; elsewhere after a space.
  const sep = depth > 0 || s[at - 1] === ' ' ? '' : ' ';
  return s.slice(0, at) + sep + core + s.slice(at + 1);
}
