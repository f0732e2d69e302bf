/**
 * The Itanium demangler against `__cxa_demangle` (what memray calls): a table of names with the
 * output libstdc++ 12 gives, and, when g++ is available, every `_Z` symbol exported by this
 * machine's libstdc++ compared with a `__cxa_demangle` helper compiled on the spot.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { demangle, tryDemangle } from '../../daemon/src/native/demangle.js';
import { SymbolTable } from '../../daemon/src/native/elf-symbols.js';
import { ElfFile } from '../../daemon/src/native/elf.js';
import { FileSource } from '../../daemon/src/native/file-source.js';

/** [mangled, __cxa_demangle's output (the mangled name where it fails)], from libstdc++ 12. */
const TABLE: [string, string][] = [
  ['_ZL3foo.lto_priv.0', '_ZL3foo.lto_priv.0'],
  ['_ZN3foo3barEv.cold', 'foo::bar() [clone .cold]'],
  ['_Z3fooi.isra.0.cold', 'foo(int) [clone .isra.0] [clone .cold]'],
  ['_ZNSsC1Ev', 'std::basic_string<char, std::char_traits<char>, std::allocator<char> >::basic_string()'],
  ['_ZNKSs4sizeEv', 'std::string::size() const'],
  ['_Z1fSs', 'f(std::string)'],
  ['_ZN1AIiEC2Ev', 'A<int>::A()'],
  ['_Z1fIiEvT_', 'void f<int>(int)'],
  ['_Z1fIiEPFviET_', 'void (*f<int>(int))(int)'],
  ['_Z1fPFviE', 'f(void (*)(int))'],
  ['_Z1fPA3_i', 'f(int (*) [3])'],
  ['_Z1fRA3_i', 'f(int (&) [3])'],
  ['_Z1fM1AFvvE', 'f(void (A::*)())'],
  ['_Z1fM1AKFvvE', 'f(void (A::*)() const)'],
  ['_Z1fM1Ai', 'f(int A::*)'],
  ['_ZltI1AEbRKT_S3_', 'bool operator< <A>(A const&, A const&)'],
  ['_ZN1AltIiEEbv', 'bool A::operator< <int>()'],
  ['_Z1fILi5EEvv', 'void f<5>()'],
  ['_Z1fILb1EEvv', 'void f<true>()'],
  ['_Z1fILc65EEvv', 'void f<(char)65>()'],
  ['_Z1fILj5EEvv', 'void f<5u>()'],
  ['_Z1fILin5EEvv', 'void f<-5>()'],
  ['_ZZ4mainENKUlvE_clEv', 'main::{lambda()#1}::operator()() const'],
  ['_ZZ4mainENKUliE0_clEi', 'main::{lambda(int)#2}::operator()(int) const'],
  ['_ZN12_GLOBAL__N_13fooEv', '(anonymous namespace)::foo()'],
  ['_Z1fB5cxx11v', 'f[abi:cxx11]()'],
  ['_ZN1AB5cxx113getEv', 'A[abi:cxx11]::get()'],
  ['_ZTV1A', 'vtable for A'],
  ['_ZTI1A', 'typeinfo for A'],
  ['_ZTS1A', 'typeinfo name for A'],
  ['_ZThn8_N1B1fEv', 'non-virtual thunk to B::f()'],
  ['_ZGVZ4mainE1x', 'guard variable for main::x'],
  ['_Z1fDv4_i', 'f(int __vector(4))'],
  ['_Z1fCd', 'f(double _Complex)'],
  ['_ZN1A1fEvRKS_', 'A::f(void, A const&)'],
  ['_Z1fIJidEEvDpT_', 'void f<int, double>(int, double)'],
  ['_Z1fIJEEvDpT_', 'void f<>()'],
  ['_Z1fIJidEEvDpRKT_', 'void f<int, double>(int const&, double const&)'],
  ['_ZNKR1A1fEv', 'A::f() const &'],
  ['_ZNKO1A1fEv', 'A::f() const &&'],
  ['_Z1fPVKi', 'f(int const volatile*)'],
  ['_Z1fPrKi', 'f(int const restrict*)'],
  ['_Z1fz', 'f(...)'],
  ['_Z1fiz', 'f(int, ...)'],
  ['_ZN1AcviEv', 'A::operator int()'],
  ['_ZN1AcvPKcEv', 'A::operator char const*()'],
  ['_ZNSt6vectorIiSaIiEE9push_backERKi', 'std::vector<int, std::allocator<int> >::push_back(int const&)'],
  ['_ZdlPv', 'operator delete(void*)'],
  ['_Znwm', 'operator new(unsigned long)'],
  ['_ZdaPv', 'operator delete[](void*)'],
  ['_ZN1AplERKS_', 'A::operator+(A const&)'],
  ['_Z1fIPFPivEEvT_', 'void f<int* (*)()>(int* (*)())'],
  ['_ZSt4moveIRiEONSt16remove_referenceIT_E4typeEOS2_', 'std::remove_reference<int&>::type&& std::move<int&>(int&)'],
  ['_Z1fDn', 'f(decltype(nullptr))'],
  ['_ZZ1fvE1x', 'f()::x'],
  ['_ZZ1fvE1x_0', 'f()::x'],
  ['_ZZZ1fvEN1A1gEvE1y', 'f()::A::g()::y'],
  ['_ZN1A1BIiE1fIcEEvT_', 'void A::B<int>::f<char>(char)'],
  ['_ZTC1B0_1A', 'construction vtable for A-in-B'],
  ['_Z1fILZ1gvEEvv', 'void f<g()>()'],
  ['_ZNSt8ios_base4InitC1Ev', 'std::ios_base::Init::Init()'],
  ['_ZNSi4readEPcl', 'std::istream::read(char*, long)'],
  ['_ZNSo5flushEv', 'std::ostream::flush()'],
  ['_Z1fPFPFivEvE', 'f(int (*(*)())())'],
  ['_Z1fA2_A3_i', 'f(int [2][3])'],
  ['_ZN1AD0Ev', 'A::~A()'],
  ['_Z1fv.constprop.0', 'f() [clone .constprop.0]'],
  ['_ZN1A1fEv.part.0', 'A::f() [clone .part.0]'],
  ['_Z1fIiE1AIT_Ev', 'A<int> f<int>()'],
  ['_Z1gIiEDaT_', 'auto g<int>(int)'],
  ['_ZN5Outer5InnerC1Ev', 'Outer::Inner::Inner()'],
  ['_ZNK1A1fIiEEvv', 'void A::f<int>() const'],
  ['_Z1fSt6vectorIiSaIiEE', 'f(std::vector<int, std::allocator<int> >)'],
  ['_Z1fSaIcE', 'f(std::allocator<char>)'],
  ['_Z1fSbIcE', 'f(std::basic_string<char>)'],
  ['_Z1fNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEE', 'f(std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >)'],
  ['_Z1fDF16_', '_Z1fDF16_'],
  ['_ZN1AaSERKS_', 'A::operator=(A const&)'],
  ['_ZN1AixEi', 'A::operator[](int)'],
  ['_ZN1AclEv', 'A::operator()()'],
  ['_ZN1AdeEv', 'A::operator*()'],
  ['_ZN1AptEv', 'A::operator->()'],
  ['_ZN1AcmERS_', 'A::operator,(A&)'],
  ['_ZN1AnwEm', 'A::operator new(unsigned long)'],
  ['_ZN1AnaEm', 'A::operator new[](unsigned long)'],
  ['_ZN1AssERKS_', 'A::operator<=>(A const&)'],
  ['_ZN1AliEv', '_ZN1AliEv'],
  ['_Zli2_xPKc', 'operator"" _x(char const*)'],
  ['_Z1fRA_i', 'f(int (&) [])'],
  ['_ZN1AUt_3fooEv', 'A::{unnamed type#1}::foo()'],
  ['_ZN1AUt0_3fooES0_', 'A::{unnamed type#2}::foo({unnamed type#2})'],
  ['_Z1fN1AUt_E', 'f(A::{unnamed type#1})'],
  ['_ZZ1fvENUt_3barEv', 'f()::{unnamed type#1}::bar()'],
  ['_Z1fIN1AUt_EEvT_', 'void f<A::{unnamed type#1}>(A::{unnamed type#1})'],
  ['_ZN1AC1ERKS_', 'A::A(A const&)'],
  ['_ZN1AD2Ev', 'A::~A()'],
  ['_ZN1AC2EOS_', 'A::A(A&&)'],
  ['_Z3maxIiERKT_S2_S2_', 'int const& max<int>(int const&, int const&)'],
  ['_ZNKSt5ctypeIcE8do_widenEc', 'std::ctype<char>::do_widen(char) const'],
  ['_Z1fFvvRE', 'f(void () &)'],
  ['_Z1fM1AFvvOE', 'f(void (A::*)() &&)'],
  ['_Z1fPKFvvE', 'f(void (*)() const)'],
  ['_ZTv0_n24_N1B1fEv', 'virtual thunk to B::f()'],
  ['_ZGTtN1A1fEv', 'transaction clone for A::f()'],
  ['_ZTW1x', 'TLS wrapper function for x'],
  ['_ZTH1x', 'TLS init function for x'],
  ['_ZN9__gnu_cxx13new_allocatorIcED2Ev', '__gnu_cxx::new_allocator<char>::~new_allocator()'],
  ['_Z1fL_Z1gvE', '_Z1fL_Z1gvE'],
  ['_Z5emptyv.cold.12', 'empty() [clone .cold.12]'],
  ['_Z1fIiEvv.isra.0', 'void f<int>() [clone .isra.0]'],
  ['_ZZN1A1fEvE1x', 'A::f()::x'],
  ['_ZZN1A1fEvENKUlvE_clEv', 'A::f()::{lambda()#1}::operator()() const'],
  ['_ZZN1A1fEvENKUlvE0_clEv', 'A::f()::{lambda()#2}::operator()() const'],
  ['_ZN1AIJEE1fEv', 'A<>::f()'],
  ['_ZN1AIJiEE1fEv', 'A<int>::f()'],
  // SFINAE: an unresolved qualified name as a template argument.
  [
    '_ZN4llvm10checkedAddIiEENSt9enable_ifIXsr3std9is_signedIT_EE5valueENS_8OptionalIS2_EEE4typeES2_S2_',
    'std::enable_if<std::is_signed<int>::value, llvm::Optional<int> >::type llvm::checkedAdd<int>(int, int)',
  ],
  [
    '_ZN4llvm10hash_valueIjEENSt9enable_ifIXsr19is_integral_or_enumIT_EE5valueENS_9hash_codeEE4typeES2_',
    'std::enable_if<is_integral_or_enum<unsigned int>::value, llvm::hash_code>::type llvm::hash_value<unsigned int>(unsigned int)',
  ],
];

/** Names __cxa_demangle handles and we do not (calls and operators in expressions, vendor qualifiers, exception specs): kept mangled. */
const UNSUPPORTED = ['_Z1fU3fooi', '_Z1fIiEDTcl1gfp_EET_', '_Z1fPDoFvvE'];

describe('demangle', () => {
  it('gives __cxa_demangle\'s output for the table', () => {
    for (const [mangled, want] of TABLE) expect(demangle(mangled), mangled).toBe(want);
  });

  it('leaves non-_Z names, unsupported and malformed names unchanged', () => {
    for (const n of ['malloc', 'PyObject_Vectorcall', '_start', 'sqlite3Malloc.part.0', '', '_Z', '_Z1fS9_', '_Z1fIiEvT0_', '_Z1fv.']) {
      expect(demangle(n), n).toBe(n);
    }
    // Data names (no parameter list) demangle to the bare name.
    expect(demangle('_ZN3foo3barE')).toBe('foo::bar');
    expect(demangle('_Z3foo')).toBe('foo');
    for (const n of UNSUPPORTED) expect(tryDemangle(n), n).toBeUndefined();
  });
});

const cxaSource = `#include <cxxabi.h>
#include <cstdlib>
#include <iostream>
#include <string>
int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    int status = 0;
    char* d = abi::__cxa_demangle(line.c_str(), nullptr, nullptr, &status);
    if (d) { std::cout << d << "\\n"; free(d); } else std::cout << "!FAIL\\n";
  }
}
`;

const LIBSTDCXX = ['/usr/lib/x86_64-linux-gnu/libstdc++.so.6', '/usr/lib64/libstdc++.so.6', '/usr/lib/libstdc++.so.6'].find((p) => fs.existsSync(p));
const noGxx = spawnSync('g++', ['--version']).status !== 0;
const skipReason = noGxx ? 'g++ not available' : LIBSTDCXX === undefined ? 'libstdc++.so.6 not found' : undefined;
if (skipReason !== undefined) console.warn(`native-demangle corpus test skipped: ${skipReason}`);

describe.skipIf(skipReason !== undefined)('demangle vs __cxa_demangle on libstdc++\'s exported symbols', () => {
  it('is exact for every name it demangles and demangles nearly all of them', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memtree-cxa-'));
    try {
      fs.writeFileSync(path.join(dir, 'cxa.cc'), cxaSource);
      execFileSync('g++', ['-O1', '-o', path.join(dir, 'cxa'), path.join(dir, 'cxa.cc')]);
      const t = SymbolTable.fromElf(new ElfFile(FileSource.open(LIBSTDCXX!)))!;
      const names = [...new Set(Array.from({ length: t.length }, (_, i) => t.name(i)).filter((n) => n.startsWith('_Z')))];
      expect(names.length).toBeGreaterThan(1000);
      const out = execFileSync(path.join(dir, 'cxa'), { input: `${names.join('\n')}\n`, encoding: 'utf8', maxBuffer: 1 << 26 }).split('\n');
      let exact = 0;
      const wrong: string[] = [];
      names.forEach((n, i) => {
        const want = out[i] === '!FAIL' ? n : out[i]!;
        const got = demangle(n);
        if (got === want) exact++;
        else if (got !== n) wrong.push(`${n}\n  got  ${got}\n  want ${want}`);
      });
      expect(wrong).toEqual([]);
      expect(exact / names.length).toBeGreaterThan(0.99);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
