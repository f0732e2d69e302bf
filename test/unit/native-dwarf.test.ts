/**
 * DWARF symbolization of binaries compiled here (skipped without gcc/g++/objdump/objcopy):
 * DWARF 2-5, compressed debug sections, inlined calls, C++ names, separate debug files found
 * by .gnu_debuglink and by build id, an ELF32 object. The PCs are return addresses taken
 * from objdump, as an unwinder records them (the image resolves `ip - 1`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Image } from '../../daemon/src/native/image.js';

const TOOLS = ['gcc', 'g++', 'objdump', 'objcopy', 'strip'];
const missing = TOOLS.filter((t) => spawnSync(t, ['--version']).status !== 0);
const skip = missing.length > 0;
if (skip) console.warn(`native-dwarf tests skipped: ${missing.join(', ')} not available`);

/** Whether gcc can build i386 objects here (probed once: it needs the multilib headers). */
const canM32 =
  !skip &&
  spawnSync('gcc', ['-m32', '-c', '-x', 'c', '-o', '/dev/null', '-'], { input: 'int f(void) { return 0; }\n' }).status === 0;

const C_LIB = `#include <stdlib.h>
static inline __attribute__((always_inline)) void* leaf(int n) { return malloc(n); }
__attribute__((noinline)) void* helper(int n) { return leaf(n * 2); }
`;
const C_MAIN = `void* helper(int n);
int main(int argc, char** argv) { return helper(argc) != 0; }
`;
const CXX = `#include <cstdlib>
namespace ns {
template <typename T> struct Box {
  T v;
  __attribute__((noinline)) T get(int k) const { return v + (long)malloc(k); }
};
static inline __attribute__((always_inline)) int deep(int n) { return n * 7 + (int)(long)malloc(n); }
static inline __attribute__((always_inline)) int mid(int n) { return deep(n + 1) + 3; }
__attribute__((noinline)) int outer(int n) { return mid(n) * 2; }
}
int main(int argc, char**) {
  ns::Box<long> b{argc};
  return ns::outer(argc) + (int)b.get(argc);
}
`;

let dir = '';

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Return address of the last call in function `fn` (the PC an unwinder would record), and the
 * function's label as objdump demangles it (gcc may have cloned it: `f(int) [clone .isra.0]`).
 */
function callSite(bin: string, fn: string): { ip: number; label: string } {
  const lines = run('objdump', ['-d', '-C', '--no-show-raw-insn', bin]).split('\n');
  const start = lines.findIndex((l) => /^[0-9a-f]+ <.*>:$/.test(l) && (l.includes(` <${fn}>:`) || l.includes(` <${fn} [clone `)));
  if (start < 0) throw new Error(`${fn} not found in ${bin}`);
  const label = /<(.*)>:$/.exec(lines[start]!)![1]!;
  let ip = -1;
  for (let i = start + 1; i < lines.length && lines[i]!.trim() !== ''; i++) {
    if (/\tcall/.test(lines[i]!)) ip = parseInt(lines[i + 1]!.trim().split(':')[0]!, 16);
  }
  return { ip, label };
}

const returnAddress = (bin: string, fn: string): number => callSite(bin, fn).ip;

const frames = (img: Image, ip: number): string[] => img.resolve(ip - 1).map((f) => `${f.function} ${f.file}:${f.line}`);

describe.skipIf(skip)('DWARF from compiled binaries', () => {
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memtree-dwarf-'));
    fs.writeFileSync(path.join(dir, 'lib.c'), C_LIB);
    fs.writeFileSync(path.join(dir, 'main.c'), C_MAIN);
    fs.writeFileSync(path.join(dir, 'box.cc'), CXX);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const variants: [string, string[]][] = [
    ['dwarf5', ['-gdwarf-5']],
    ['dwarf4', ['-gdwarf-4']],
    ['dwarf3', ['-gdwarf-3']],
    ['dwarf2', ['-gdwarf-2']],
    ['zlib', ['-g', '-gz=zlib']],
    ['zdebug', ['-g', '-gz=zlib-gnu']],
    ['sections', ['-g', '-ffunction-sections', '-Wl,--gc-sections']],
  ];
  for (const [name, flags] of variants) {
    it(`C, ${name}: the inlined call and its caller, then main`, () => {
      const bin = `c-${name}`;
      run('gcc', ['-O2', '-fno-optimize-sibling-calls', ...flags, '-o', bin, 'lib.c', 'main.c']);
      const img = Image.open(path.join(dir, bin));
      const got = frames(img, returnAddress(bin, 'helper'));
      if (['dwarf2', 'dwarf3', 'dwarf4'].includes(name)) {
        // gcc 12 describes this inlined call in DWARF < 5 without a range covering the call;
        // libbacktrace (memray's, and addr2line -f -i alike) then reports only `helper`, at the
        // line of the call.
        expect(got).toEqual([`helper ${dir}/lib.c:2`]);
      } else {
        expect(got).toEqual([`leaf ${dir}/lib.c:2`, `helper ${dir}/lib.c:3`]);
      }
      expect(frames(img, returnAddress(bin, 'main'))).toEqual([`main ${dir}/main.c:2`]);
    });
  }

  it('C++: linkage names demangled, nested inlining with call sites', () => {
    run('g++', ['-O2', '-g', '-fno-optimize-sibling-calls', '-o', 'cxx', 'box.cc']);
    const img = Image.open(path.join(dir, 'cxx'));
    expect(frames(img, returnAddress('cxx', 'ns::outer(int)'))).toEqual([
      `deep ${dir}/box.cc:7`,
      `mid ${dir}/box.cc:8`,
      `ns::outer(int) ${dir}/box.cc:9`,
    ]);
    expect(frames(img, returnAddress('cxx', 'ns::Box<long>::get(int) const'))).toEqual([`ns::Box<long>::get(int) const ${dir}/box.cc:5`]);
  });

  it('C++ without DWARF: demangled .symtab names, clone suffixes included', () => {
    run('g++', ['-O2', '-fno-optimize-sibling-calls', '-o', 'cxx-nodbg', 'box.cc']);
    const img = Image.open(path.join(dir, 'cxx-nodbg'));
    const { ip, label } = callSite('cxx-nodbg', 'ns::Box<long>::get(int) const');
    expect(frames(img, ip)).toEqual([`${label} <unknown>:0`]);
    expect(frames(img, returnAddress('cxx-nodbg', 'ns::outer(int)'))).toEqual(['ns::outer(int) <unknown>:0']);
  });

  it('separate debug file by .gnu_debuglink: next to the image, in .debug/, under the debug root', () => {
    run('gcc', ['-O2', '-g', '-fno-optimize-sibling-calls', '-Wl,--build-id=none', '-o', 'split', 'lib.c', 'main.c']);
    run('objcopy', ['--only-keep-debug', 'split', 'split.debug']);
    run('strip', ['--strip-debug', 'split']);
    run('objcopy', ['--add-gnu-debuglink=split.debug', 'split']);
    const ip = returnAddress('split', 'helper');
    const want = [`leaf ${dir}/lib.c:2`, `helper ${dir}/lib.c:3`];
    const root = path.join(dir, 'root');
    expect(frames(Image.open(path.join(dir, 'split'), { debugRoot: root }), ip)).toEqual(want);
    fs.mkdirSync(path.join(dir, '.debug'));
    fs.renameSync(path.join(dir, 'split.debug'), path.join(dir, '.debug/split.debug'));
    expect(frames(Image.open(path.join(dir, 'split'), { debugRoot: root }), ip)).toEqual(want);
    fs.mkdirSync(path.join(root, dir), { recursive: true });
    fs.renameSync(path.join(dir, '.debug/split.debug'), path.join(root, dir, 'split.debug'));
    expect(frames(Image.open(path.join(dir, 'split'), { debugRoot: root }), ip)).toEqual(want);
    // A debug file whose CRC does not match is ignored: the symbol table answers.
    fs.appendFileSync(path.join(root, dir, 'split.debug'), 'x');
    expect(frames(Image.open(path.join(dir, 'split'), { debugRoot: root }), ip)).toEqual(['helper <unknown>:0']);
    // No debug file at all.
    expect(frames(Image.open(path.join(dir, 'split'), { debugRoot: path.join(dir, 'nowhere') }), ip)).toEqual(['helper <unknown>:0']);
  });

  it('separate debug file by build id', () => {
    run('gcc', ['-O2', '-g', '-fno-optimize-sibling-calls', '-Wl,--build-id=sha1', '-o', 'byid', 'lib.c', 'main.c']);
    const id = Image.open(path.join(dir, 'byid')).buildId()!;
    expect(id).toMatch(/^[0-9a-f]{40}$/);
    const root = path.join(dir, 'root-id');
    fs.mkdirSync(path.join(root, '.build-id', id.slice(0, 2)), { recursive: true });
    run('objcopy', ['--only-keep-debug', 'byid', path.join(root, '.build-id', id.slice(0, 2), `${id.slice(2)}.debug`)]);
    const ip = returnAddress('byid', 'helper');
    run('strip', ['--strip-all', 'byid']);
    const img = Image.open(path.join(dir, 'byid'), { debugRoot: root });
    expect(img.key).toContain(`.build-id/${id.slice(0, 2)}`);
    expect(frames(img, ip)).toEqual([`leaf ${dir}/lib.c:2`, `helper ${dir}/lib.c:3`]);
  });

  // memray's libbacktrace reads only the ELF class it was built for (a 64-bit memray never maps
  // an ELF32 image); this is what a 32-bit one answers, as addr2line -f -i does.
  it.skipIf(!canM32)('ELF32 (i386 object file)', () => {
    const src = 'void* malloc(unsigned long);\nstatic inline __attribute__((always_inline)) void* leaf(int n) { return malloc(n); }\n__attribute__((noinline)) void* helper(int n) { return leaf(n * 2); }\n';
    fs.writeFileSync(path.join(dir, 'b32.c'), src);
    run('gcc', ['-m32', '-c', '-g', '-O2', '-fno-optimize-sibling-calls', 'b32.c', '-o', 'b32.o']);
    const img = Image.open(path.join(dir, 'b32.o'));
    expect(frames(img, returnAddress('b32.o', 'helper'))).toEqual([`leaf ${dir}/b32.c:2`, `helper ${dir}/b32.c:3`]);
  });
});
