/**
 * Child process of `npm run bench -- livetable`: the live table alone on a pymalloc-like
 * stream (16-byte aligned blocks of a few size classes packed into pages, freed blocks re-used
 * LIFO, like large.py's objects): fills 2 M live entries, then churns (free + allocate) 8 M
 * times, then frees everything. Prints bytes per live entry at the largest live set and
 * operations per second per phase (best of 3).
 */
import { LiveTable } from '../../daemon/src/snapshot/live-table.js';
import { Rng } from '../helpers/rng.js';

const LIVE = 2_000_000;
const CHURN = 8_000_000;
const CLASSES = [32, 48, 64, 64, 80, 56];

/** Keys (address >> 3) of the fill phase and the churn phase's choices, made once. */
function workload(): { fill: Float64Array; victims: Int32Array } {
  const rng = new Rng(3);
  const bump = CLASSES.map((_, c) => 0x7f0000000000 / 8 + c * 2 ** 30);
  const fill = new Float64Array(LIVE);
  for (let i = 0; i < LIVE; i++) {
    const c = rng.int(CLASSES.length);
    fill[i] = bump[c]!;
    bump[c] += CLASSES[c]! / 8;
  }
  // Mostly young victims (temporaries), sometimes any entry.
  const victims = new Int32Array(CHURN);
  for (let i = 0; i < CHURN; i++) victims[i] = rng.chance(0.8) ? LIVE - 1 - rng.int(64) : rng.int(LIVE);
  return { fill, victims };
}

function run(w: { fill: Float64Array; victims: Int32Array }): { fillMs: number; churnMs: number; drainMs: number; bytes: number } {
  const t = new LiveTable();
  const keys = Float64Array.from(w.fill);
  const t0 = performance.now();
  for (let i = 0; i < LIVE; i++) t.set(t.upsert(keys[i]!), 48, i, i & 1023);
  const t1 = performance.now();
  const bytes = t.memoryBytes;
  // Churn: free a victim, allocate at its address again (LIFO re-use), as pymalloc does.
  for (let i = 0; i < CHURN; i++) {
    const k = keys[w.victims[i]!]!;
    const s = t.find(k);
    if (s >= 0) t.removeAt(s);
    t.set(t.upsert(k), 64, LIVE + i, i & 1023);
  }
  const t2 = performance.now();
  for (let i = 0; i < LIVE; i++) {
    const s = t.find(keys[i]!);
    if (s >= 0) t.removeAt(s);
  }
  const t3 = performance.now();
  if (t.size !== 0) throw new Error(`live table bench: ${t.size} entries left`);
  return { fillMs: t1 - t0, churnMs: t2 - t1, drainMs: t3 - t2, bytes };
}

const w = workload();
const runs = [run(w), run(w), run(w)];
const best = (f: (r: (typeof runs)[number]) => number): number => Math.min(...runs.map(f));
console.log(
  `  ${(runs[0]!.bytes / LIVE).toFixed(1)} bytes per live entry at ${LIVE.toLocaleString('en')} live (${(runs[0]!.bytes / 2 ** 20).toFixed(0)} MiB, page map included)`,
);
console.log(
  `  insert ${(LIVE / best((r) => r.fillMs) / 1e3).toFixed(1)} M ops/s, churn (find + remove + insert) ${((2 * CHURN) / best((r) => r.churnMs) / 1e3).toFixed(1)} M ops/s, ` +
    `drain (find + remove) ${(LIVE / best((r) => r.drainMs) / 1e3).toFixed(1)} M ops/s (best of 3)`,
);
