/**
 * `npm run bench -- versions`: reading speed per header version, on the same generated
 * workload written as version 13 (memray 1.20) and version 11 (memray 1.11-1.18, the older
 * record decoder), and where the difference goes. Version 11 writes wider records (whole
 * addresses, no address cache), so the same records are a longer stream: the LZ4 frame and the
 * window see more bytes before any record is decoded.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { ROOT } from '../helpers/paths.js';

const DIST = path.join(ROOT, 'dist/test/bench');
const VERSIONS = [13, 11] as const;

interface Timed {
  ms: number;
  bytes: number;
  records: number;
  fileBytes?: number;
  maxRssBytes?: number;
  decoderCpuMs?: number;
  builderCpuMs?: number;
}

function read(file: string): Timed {
  const r = JSON.parse(execFileSync(process.execPath, [path.join(DIST, 'read-capture.js'), file], { encoding: 'utf8' })) as {
    readMs: number;
    decompressedBytes: number;
    records: number;
    fileBytes: number;
    maxRssBytes: number;
  };
  return { ms: r.readMs, bytes: r.decompressedBytes, records: r.records, fileBytes: r.fileBytes, maxRssBytes: r.maxRssBytes };
}

function phase(file: string, name: 'lz4' | 'decode' | 'warm' | 'threads'): Timed {
  return JSON.parse(execFileSync(process.execPath, [path.join(DIST, 'read-phases.js'), file, name], { encoding: 'utf8' })) as Timed;
}

/** Runs `measure` `runs` times per version, alternating (a busy machine slows both alike); best and median. */
function compare(files: Record<13 | 11, string>, runs: number, measure: (file: string) => Timed): Record<13 | 11, { best: Timed; median: number; all: Timed[] }> {
  const all: Record<number, Timed[]> = { 13: [], 11: [] };
  for (let run = 0; run < runs; run++) for (const v of VERSIONS) all[v]!.push(measure(files[v]));
  const stats = (v: number): { best: Timed; median: number; all: Timed[] } => {
    const sorted = [...all[v]!].sort((a, b) => a.ms - b.ms);
    return { best: sorted[0]!, median: sorted[Math.floor(runs / 2)]!.ms, all: all[v]! };
  };
  return { 13: stats(13), 11: stats(11) };
}

const pct = (a: number, b: number): string => `${((100 * a) / b).toFixed(1)} %`;

export function benchVersions(files: Record<13 | 11, string>, records: number): void {
  console.log(
    `\n## Reader speed by header version: the same generated workload (${records.toLocaleString('en')} records, LZ4) as version 13 and version 11`,
  );
  const full = compare(files, 5, read);
  for (const v of VERSIONS) {
    const { best: r, median } = full[v];
    console.log(
      `  version ${v}: read best ${(r.ms / 1000).toFixed(2)} s (${(r.records / (r.ms / 1000) / 1e6).toFixed(2)} M records/s), ` +
        `median ${(median / 1000).toFixed(2)} s; ${(r.fileBytes! / 1e6).toFixed(1)} MB file, ${(r.bytes / 1e6).toFixed(1)} MB decompressed, ` +
        `peak RSS ${(r.maxRssBytes! / 2 ** 20).toFixed(0)} MiB`,
    );
  }
  const best = full[11].best.ms / full[13].best.ms;
  const median = full[11].median / full[13].median;
  console.log(
    `  version 11 / version 13 read time: best ${(100 * best).toFixed(1)} %, median ${(100 * median).toFixed(1)} % ` +
      `(${Math.min(best, median) <= 1.1 ? 'within' : 'NOT within'} 10 %)`,
  );

  // Where the difference goes: each part alone, in fresh processes like the read above.
  console.log('  the parts (best of 3 each, ms, version 13 / version 11 / difference):');
  const parts: [string, Record<13 | 11, { best: Timed }>][] = [
    ['LZ4 frame into the record window, no record decoding', compare(files, 3, (f) => phase(f, 'lz4'))],
    ['that + records decoded into a counting sink, no snapshot work', compare(files, 3, (f) => phase(f, 'decode'))],
    ['the whole read (above)', full],
    ['the whole read again in the same process (decoding code compiled, a new worker)', compare(files, 3, (f) => phase(f, 'warm'))],
  ];
  const line = (what: string, a: number, b: number): void =>
    console.log(`    ${what}: ${a.toFixed(0)} / ${b.toFixed(0)} / ${(b - a >= 0 ? '+' : '') + (b - a).toFixed(0)} (${pct(b, a)})`);
  for (const [what, r] of parts) line(what, r[13].best.ms, r[11].best.ms);

  // Wall time on a shared machine is mostly the load; CPU time per thread is not. The read is
  // done when its slower thread is: with two free cores the versions differ by the difference
  // of their slower threads, not of the decoding threads alone.
  const cpu = compare(files, 3, (f) => phase(f, 'threads'));
  const least = (v: 13 | 11, key: 'decoderCpuMs' | 'builderCpuMs'): number => Math.min(...cpu[v].all.map((r) => r[key] ?? NaN));
  line('CPU time of the decoding thread (LZ4, records, groups) in the two-thread read (least of 3)', least(13, 'decoderCpuMs'), least(11, 'decoderCpuMs'));
  line('CPU time of the live-table thread in the two-thread read (least of 3)', least(13, 'builderCpuMs'), least(11, 'builderCpuMs'));
}
