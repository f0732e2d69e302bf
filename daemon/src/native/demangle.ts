/**
 * Itanium C++ ABI demangling with `__cxa_demangle`'s output (memray demangles every `_Z`
 * symbol with it): `ns::f(int)`, `std::vector<int, std::allocator<int> >::push_back(int const&)`,
 * `foo() [clone .cold]`. Anything this demangler does not support, or cannot parse, comes back
 * unchanged, as memray keeps a name `__cxa_demangle` rejects.
 */
import { DemangleError, print } from './demangle-nodes.js';
import { Parser } from './demangle-parser.js';

const cache = new Map<string, string>();

/** memray's `demangle()`: names not starting with `_Z` unchanged, else demangled or unchanged. */
export function demangle(name: string): string {
  if (!name.startsWith('_Z')) return name;
  let out = cache.get(name);
  if (out === undefined) {
    out = tryDemangle(name) ?? name;
    if (cache.size > 100_000) cache.clear();
    cache.set(name, out);
  }
  return out;
}

/** The demangled form of `name` (which starts with `_Z`), or undefined. */
export function tryDemangle(name: string): string | undefined {
  try {
    const p = new Parser(name.slice(2));
    let out = print(p.encoding());
    // GCC clone suffixes: `.isra.0`, `.cold`, `.constprop.1`, `.part.0.lto_priv.0`, ...
    while (p.peek() === '.' && /[a-z_0-9]/.test(p.peek(1))) {
      const start = p.p;
      p.p += 2;
      while (/[a-z_0-9]/.test(p.peek())) p.p++;
      while (p.peek() === '.' && /[0-9]/.test(p.peek(1))) {
        p.p += 2;
        while (/[0-9]/.test(p.peek())) p.p++;
      }
      out += ` [clone ${p.s.slice(start, p.p)}]`;
    }
    return p.p === p.s.length ? out : undefined;
  } catch (err) {
    if (err instanceof DemangleError || err instanceof RangeError) return undefined;
    throw err;
  }
}
