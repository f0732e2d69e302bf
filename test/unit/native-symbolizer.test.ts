/**
 * The symbolizer's plumbing: memray's segment search (pitfall 22), load addresses, per-ip and
 * persistent caches keyed by image identity, path mapping.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Frame, Segment } from '../../daemon/src/capture/capture-state.js';
import { SymbolTable } from '../../daemon/src/native/elf-symbols.js';
import { ElfFile, PT_LOAD } from '../../daemon/src/native/elf.js';
import { FileSource } from '../../daemon/src/native/file-source.js';
import { UNKNOWN_FRAME } from '../../daemon/src/native/image.js';
import { CaptureSymbols } from '../../daemon/src/native/memory-maps.js';
import { MemorySymbolCache, Symbolizer, type SymbolCache } from '../../daemon/src/native/symbolizer.js';

const DIR = path.join(import.meta.dirname, '../fixtures/format');
const NODBG = path.join(DIR, 'nt_nodbg');
const elf = new ElfFile(FileSource.open(NODBG));
const loads = elf.programHeaders().filter((p) => p.type === PT_LOAD);
const symbols = SymbolTable.fromElf(elf)!;
const MIDDLE = (() => {
  for (let i = 0; i < symbols.length; i++) if (symbols.name(i) === 'middle') return symbols.addresses[i]!;
  throw new Error('no middle');
})();
const LOAD = 0x7f0000000000;

/** The image's segments as memray records them (its PT_LOAD segments at load address `load`). */
function segments(file: string, load: number): Segment[] {
  return loads.map((p) => ({ file, start: load + p.vaddr, end: load + p.vaddr + p.memsz, load }));
}

const MIDDLE_FRAME: Frame = { function: 'middle', file: '<unknown>', line: 0 };

/** How many descriptors of this process are open on `file` (Linux). */
function openDescriptors(file: string): number {
  let n = 0;
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`) === file) n++;
    } catch {
      // Closed meanwhile (the directory listing's own descriptor).
    }
  }
  return n;
}

describe('CaptureSymbols', () => {
  it('resolves ip - 1 - load in the segment containing ip', () => {
    const syms = new CaptureSymbols([[], segments(NODBG, LOAD)], new Symbolizer());
    expect(syms.ipFrames(LOAD + MIDDLE + 5, 1)).toEqual([MIDDLE_FRAME]);
    // An ip at the symbol's first byte is the return address of a call just before it.
    expect(syms.ipFrames(LOAD + MIDDLE, 1)).not.toEqual([MIDDLE_FRAME]);
  });

  it('drops ips outside every segment and generations it does not know', () => {
    const syms = new CaptureSymbols([[], segments(NODBG, LOAD)], new Symbolizer());
    expect(syms.ipFrames(0x1234, 1)).toEqual([]);
    expect(syms.ipFrames(LOAD + MIDDLE + 5, 0)).toEqual([]);
    expect(syms.ipFrames(LOAD + MIDDLE + 5, 2)).toEqual([]);
    expect(syms.nativeFrames([0x1234, LOAD + MIDDLE + 5, 0x99], 1)).toEqual([MIDDLE_FRAME]);
  });

  it("misses an ip equal to one segment's end and the next one's start, like memray", () => {
    const gen: Segment[] = [
      { file: NODBG, start: 0x10000, end: 0x20000, load: 0x10000 },
      { file: path.join(DIR, 'missing'), start: 0x20000, end: 0x30000, load: 0x20000 },
    ];
    const syms = new CaptureSymbols([[], gen], new Symbolizer());
    expect(syms.ipFrames(0x20000, 1)).toEqual([]);
    expect(syms.ipFrames(0x20001, 1)).toEqual([UNKNOWN_FRAME]);
  });

  it('caches per (ip, generation): the same ip in another generation is looked up again', () => {
    const sym = new Symbolizer();
    const syms = new CaptureSymbols([[], segments(NODBG, LOAD), segments(path.join(DIR, 'nt_stripped'), LOAD)], sym);
    expect(syms.ipFrames(LOAD + MIDDLE + 5, 1)).toEqual([MIDDLE_FRAME]);
    expect(syms.ipFrames(LOAD + MIDDLE + 5, 2)).toEqual([UNKNOWN_FRAME]);
    expect(syms.ipFrames(LOAD + MIDDLE + 5, 1)).toEqual([MIDDLE_FRAME]);
    expect(sym.stats.resolved).toBe(2);
  });
});

describe('Symbolizer', () => {
  it('maps capture paths to local files by prefix or function', () => {
    const byPrefix = new Symbolizer({ pathMap: [['/tmp/h/', `${DIR}/`]] });
    expect(byPrefix.framesAt('/tmp/h/nt_nodbg', MIDDLE + 4)).toEqual([MIDDLE_FRAME]);
    const byFn = new Symbolizer({ pathMap: (p) => p.replace('/somewhere/else', DIR) });
    expect(byFn.framesAt('/somewhere/else/nt_nodbg', MIDDLE + 4)).toEqual([MIDDLE_FRAME]);
    expect(byFn.image('/somewhere/else/nt_nodbg').path).toBe(NODBG);
  });

  it('stores results in a persistent cache keyed by image identity and reuses them', () => {
    const store = new MemorySymbolCache();
    const calls: [string, number][] = [];
    const cache: SymbolCache = {
      get: (k, a) => store.get(k, a),
      set: (k, a, f) => {
        calls.push([k, a]);
        store.set(k, a, f);
      },
    };
    const first = new Symbolizer({ cache });
    expect(first.framesAt(NODBG, MIDDLE + 4)).toEqual([MIDDLE_FRAME]);
    expect(calls).toEqual([[first.image(NODBG).key, MIDDLE + 4]]);
    const second = new Symbolizer({ cache });
    expect(second.framesAt(NODBG, MIDDLE + 4)).toEqual([MIDDLE_FRAME]);
    expect(second.stats).toEqual({ cacheHits: 1, resolved: 0 });
    // Missing images are not worth storing.
    second.framesAt(path.join(DIR, 'missing'), 0x10);
    expect(store.size).toBe(1);
    first.close();
    second.close();
  });

  it('answers a repeated lookup from its cache, which is its only memo', () => {
    const own = new Symbolizer();
    const frames = own.framesAt(NODBG, MIDDLE + 4);
    expect(own.framesAt(NODBG, MIDDLE + 4)).toBe(frames);
    expect(own.stats).toEqual({ cacheHits: 1, resolved: 1 });
    own.close();
    const forgetful = new Symbolizer({ cache: { get: () => undefined, set: () => {} } });
    forgetful.framesAt(NODBG, MIDDLE + 4);
    forgetful.framesAt(NODBG, MIDDLE + 4);
    expect(forgetful.stats).toEqual({ cacheHits: 0, resolved: 2 });
    forgetful.close();
  });

  it('keeps an image file open only until its symbols are read; the build id stays known', () => {
    const sym = new Symbolizer();
    const before = openDescriptors(NODBG);
    const img = sym.image(NODBG);
    expect(openDescriptors(NODBG)).toBe(before + 1);
    expect(sym.framesAt(NODBG, MIDDLE + 4)).toEqual([MIDDLE_FRAME]);
    expect(openDescriptors(NODBG)).toBe(before);
    expect(img.buildId()).toBe('ab7ab6ba3eeac4881b6379e88d8225a300dd237e');
    sym.close();
    expect(openDescriptors(NODBG)).toBe(before);
  });
});
