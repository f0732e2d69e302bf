/**
 * Symbolization benchmark: hybrid stacks of every peak and leaks record of a native capture
 * (default: native_sqlite.bin), cold (a fresh symbolizer reading the binaries), then with a
 * warm persistent cache (a new symbolizer whose answers all come from the cache, as for a
 * second capture mapping the same unchanged binaries). Run: `node dist/test/bench/native-bench.js [capture]`.
 */
import * as path from 'node:path';
import { loadCapture, type LoadedCapture } from '../../daemon/src/capture/load.js';
import { nativeStackResolver } from '../../daemon/src/native/hybrid-resolver.js';
import { MemorySymbolCache, Symbolizer } from '../../daemon/src/native/symbolizer.js';

function symbolizeAll(c: LoadedCapture, s: Symbolizer): { ms: number; frames: number } {
  const t0 = performance.now();
  const hybrid = nativeStackResolver(c, s);
  let frames = 0;
  for (const snap of [c.peak, c.leaks]) {
    const r = snap.records;
    for (let i = 0; i < r.length; i++) frames += hybrid(r.stackId[i]!, r.nativeId[i]!, r.tid[i]!, r.generation[i]!).length;
  }
  return { ms: performance.now() - t0, frames };
}

const ROOT = path.resolve(import.meta.dirname, '../../..'); // dist/test/bench -> repository root
const file = process.argv[2] ?? path.join(ROOT, 'test/fixtures/captures/native_sqlite.bin');
const t0 = performance.now();
const capture = loadCapture(file);
const loadMs = performance.now() - t0;
const cache = new MemorySymbolCache();

const coldSymbolizer = new Symbolizer({ cache });
const cold = symbolizeAll(capture, coldSymbolizer);
const images = new Set(capture.state.generations.flat().map((s) => s.file)).size;
coldSymbolizer.close();

const warmSymbolizer = new Symbolizer({ cache });
const warm = symbolizeAll(capture, warmSymbolizer);
warmSymbolizer.close();

process.stdout.write(
  `${JSON.stringify({
    file,
    records: capture.peak.records.length + capture.leaks.records.length,
    nativeNodes: capture.state.nativeIps.length,
    mappedImages: images,
    loadMs: Math.round(loadMs),
    coldMs: Math.round(cold.ms),
    coldResolved: coldSymbolizer.stats.resolved,
    warmCacheMs: Math.round(warm.ms),
    warmCacheHits: warmSymbolizer.stats.cacheHits,
    cachedEntries: cache.size,
    frames: cold.frames,
  })}\n`,
);
