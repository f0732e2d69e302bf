/** Fixed tables of the Itanium C++ ABI mangling, with libiberty's spellings. */

/** One-letter builtin types and how a literal of that type prints (libiberty's d_print_kind). */
export const BUILTINS: Readonly<Record<string, { readonly name: string; readonly literal: string }>> = {
  v: { name: 'void', literal: 'void' },
  w: { name: 'wchar_t', literal: 'default' },
  b: { name: 'bool', literal: 'bool' },
  c: { name: 'char', literal: 'default' },
  a: { name: 'signed char', literal: 'default' },
  h: { name: 'unsigned char', literal: 'default' },
  s: { name: 'short', literal: 'default' },
  t: { name: 'unsigned short', literal: 'default' },
  i: { name: 'int', literal: '' },
  j: { name: 'unsigned int', literal: 'u' },
  l: { name: 'long', literal: 'l' },
  m: { name: 'unsigned long', literal: 'ul' },
  x: { name: 'long long', literal: 'll' },
  y: { name: 'unsigned long long', literal: 'ull' },
  n: { name: '__int128', literal: 'default' },
  o: { name: 'unsigned __int128', literal: 'default' },
  f: { name: 'float', literal: 'float' },
  d: { name: 'double', literal: 'float' },
  e: { name: 'long double', literal: 'float' },
  g: { name: '__float128', literal: 'float' },
  z: { name: '...', literal: 'default' },
};

/** Two-letter builtins after `D`. */
export const D_BUILTINS: Readonly<Record<string, string>> = {
  d: 'decimal64',
  e: 'decimal128',
  f: 'decimal32',
  h: 'half',
  u: 'char8_t',
  s: 'char16_t',
  i: 'char32_t',
  n: 'decltype(nullptr)',
  a: 'auto',
  c: 'decltype(auto)',
};

/** Operator names (`operator` + this; a leading letter gets a space). */
export const OPERATORS: Readonly<Record<string, string>> = {
  nw: 'new',
  na: 'new[]',
  dl: 'delete',
  da: 'delete[]',
  ps: '+',
  ng: '-',
  ad: '&',
  de: '*',
  co: '~',
  pl: '+',
  mi: '-',
  ml: '*',
  dv: '/',
  rm: '%',
  an: '&',
  or: '|',
  eo: '^',
  aS: '=',
  pL: '+=',
  mI: '-=',
  mL: '*=',
  dV: '/=',
  rM: '%=',
  aN: '&=',
  oR: '|=',
  eO: '^=',
  ls: '<<',
  rs: '>>',
  lS: '<<=',
  rS: '>>=',
  eq: '==',
  ne: '!=',
  lt: '<',
  gt: '>',
  le: '<=',
  ge: '>=',
  ss: '<=>',
  nt: '!',
  aa: '&&',
  oo: '||',
  pp: '++',
  mm: '--',
  cm: ',',
  pm: '->*',
  pt: '->',
  cl: '()',
  ix: '[]',
  qu: '?',
  aw: 'co_await',
};

/** Standard abbreviations: simple spelling, full spelling (before a constructor/destructor), and the name a constructor takes. */
export const STD_SUBS: Readonly<Record<string, readonly [simple: string, full: string, last: string | null]>> = {
  t: ['std', 'std', null],
  a: ['std::allocator', 'std::allocator', 'allocator'],
  b: ['std::basic_string', 'std::basic_string', 'basic_string'],
  s: ['std::string', 'std::basic_string<char, std::char_traits<char>, std::allocator<char> >', 'basic_string'],
  i: ['std::istream', 'std::basic_istream<char, std::char_traits<char> >', 'basic_istream'],
  o: ['std::ostream', 'std::basic_ostream<char, std::char_traits<char> >', 'basic_ostream'],
  d: ['std::iostream', 'std::basic_iostream<char, std::char_traits<char> >', 'basic_iostream'],
};

/** CV-qualifier letters and their spellings. */
export const QUALS: Readonly<Record<string, string>> = { r: 'restrict', V: 'volatile', K: 'const' };

/** ASCII digit test for one character. */
export function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

/** ASCII lower-case letter test for one character. */
export function isLower(c: string): boolean {
  return c >= 'a' && c <= 'z';
}

/** ASCII upper-case letter test for one character. */
export function isUpper(c: string): boolean {
  return c >= 'A' && c <= 'Z';
}
