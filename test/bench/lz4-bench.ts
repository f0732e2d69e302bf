// Throughput of the LZ4 frame codec: decodes the real memray capture large_9m.bin (when present)
// and a synthetic memray-like capture compressed by our encoder, printing MB/s of decompressed
// output. Run: npx tsc -b && node dist/test/bench/lz4-bench.js [capture.bin ...]

import { closeSync, fstatSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lz4FrameSource } from '../../daemon/src/capture/lz4.js';
import { lz4CompressFrame } from '../../daemon/src/capture/lz4-encode.js';
import { sharedCapture, tempDir } from '../helpers/paths.js';

const ROUNDS = 7;

function decodeFile(path: string, chunkSize?: number): { bytes: number; ms: number } {
  const fd = openSync(path, 'r');
  try {
    const t0 = performance.now();
    const src = new Lz4FrameSource(fd, fstatSync(fd).size, { chunkSize });
    let bytes = 0;
    for (let c = src.next(); c; c = src.next()) bytes += c.length;
    return { bytes, ms: performance.now() - t0 };
  } finally {
    closeSync(fd);
  }
}

/** Prints the first round (cold JIT: what a one-shot index pays), the best and the median. */
function report(label: string, bytes: number, times: number[]): void {
  const mb = bytes / 1e6;
  const fmt = (name: string, ms: number): string => `${name} ${ms.toFixed(1).padStart(6)} ms (${(mb / (ms / 1000)).toFixed(0).padStart(5)} MB/s)`;
  const sorted = [...times].sort((a, b) => a - b);
  console.log(`${label.padEnd(44)} ${mb.toFixed(1).padStart(5)} MB  ${fmt('first', times[0]!)}  ${fmt('best', sorted[0]!)}  ${fmt('median', sorted[sorted.length >> 1]!)}`);
}

function benchDecode(label: string, path: string, chunkSize?: number): void {
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const r = decodeFile(path, chunkSize);
    bytes = r.bytes;
    times.push(r.ms);
  }
  report(label, bytes, times);
}

/**
 * Memray-like data: programs allocate in loops, so a capture is mostly a few hundred record
 * sequences (type byte, varint address delta, size, stack id) repeated with small changes.
 * Compresses ~3-4x like real captures, so the decoder sees a realistic mix of literals and
 * matches. Deterministic (fixed seed).
 */
function syntheticCapture(size: number): Uint8Array {
  let seed = 12345;
  const rand = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
  const record = (): number[] => {
    const bytes = [1 + rand(3)];
    for (let v = rand(1 << (7 * (1 + rand(3)))); ; v >>>= 7) {
      bytes.push((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
      if (v < 0x80) break;
    }
    bytes.push(16 << rand(4), rand(60));
    return bytes;
  };
  const loops = Array.from({ length: 300 }, () => Array.from({ length: 2 + rand(12) }, record).flat());
  const out = new Uint8Array(size);
  for (let p = 0; p < size; ) {
    const loop = loops[Math.min(rand(300), rand(300))]!; // skewed: some loops are hot
    for (let i = 0; i < loop.length && p < size; i++) out[p++] = rand(48) === 0 ? rand(256) : loop[i]!;
  }
  return out;
}

const files = process.argv.slice(2);
const large = sharedCapture('large_9m.bin');
if (files.length === 0 && large !== undefined) files.push(large);
for (const f of files) {
  benchDecode(`decode ${f.split('/').pop()} (default chunks)`, f);
  benchDecode(`decode ${f.split('/').pop()} (64 KiB chunks)`, f, 65536);
}

const data = syntheticCapture(40 << 20);
const dir = tempDir('lz4-bench-');
try {
  for (const [name, opts] of [['linked 64K', {}], ['independent 4M', { blockSize: 4194304, independentBlocks: true }]] as const) {
    const times: number[] = [];
    let frame: Uint8Array = new Uint8Array(0);
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      frame = lz4CompressFrame(data, opts);
      times.push(performance.now() - t0);
    }
    report(`encode synthetic ${name} (ratio ${(data.length / frame.length).toFixed(2)})`, data.length, times);
    const path = join(dir, `synthetic-${name.replace(' ', '-')}.lz4`);
    writeFileSync(path, frame);
    benchDecode(`decode synthetic ${name}`, path);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
