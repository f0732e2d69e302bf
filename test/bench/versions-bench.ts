/**
 * `npm run bench -- versions`: reading speed per header version, on the same generated
 * workload written as version 13 (memray 1.20) and version 11 (memray 1.11-1.18, the older
 * record decoder), measured as what `memtree tree --no-daemon` pays for its default peak tree
 * (no-daemon-tree.ts), and where the difference goes. Version 11 writes wider records (whole
 * addresses, no address cache), so the same records are a longer stream: the LZ4 frame and the
 * window see more bytes before any record is decoded. memray 1.19 and older's record order (a
 * second read of the file) is paid only by trees that depend on it: the version-11 leaks tree,
 * whose records tie, is timed separately.
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
  replays?: number;
}

/** `memtree tree --no-daemon`'s work for a mode's tree, in a fresh process. */
function tree(file: string, mode: 'peak' | 'leaks'): Timed {
  const r = JSON.parse(execFileSync(process.execPath, [path.join(DIST, 'no-daemon-tree.js'), file, mode], { encoding: 'utf8' })) as Timed;
  return { ...r, bytes: 0 };
}

function phase(file: string, name: 'lz4' | 'decode' | 'warm' | 'threads' | 'order'): Timed {
  return JSON.parse(execFileSync(process.execPath, [path.join(DIST, 'read-phases.js'), file, name], { encoding: 'utf8' })) as Timed;
}

interface Stats {
  best: Timed;
  median: number;
  all: Timed[];
}

function stats(all: Timed[]): Stats {
  const sorted = [...all].sort((a, b) => a.ms - b.ms);
  return { best: sorted[0]!, median: sorted[Math.floor(all.length / 2)]!.ms, all };
}

/** Runs `measure` `runs` times per version, alternating (a busy machine slows both alike); best and median. */
function compare(files: Record<13 | 11, string>, runs: number, measure: (file: string) => Timed): Record<13 | 11, Stats> {
  const all: Record<number, Timed[]> = { 13: [], 11: [] };
  for (let run = 0; run < runs; run++) for (const v of VERSIONS) all[v]!.push(measure(files[v]));
  return { 13: stats(all[13]!), 11: stats(all[11]!) };
}

const pct = (a: number, b: number): string => `${((100 * a) / b).toFixed(1)} %`;

export function benchVersions(files: Record<13 | 11, string>, records: number): void {
  console.log(
    `\n## Reader speed by header version: the same generated workload (${records.toLocaleString('en')} records, LZ4) as version 13 and version 11`,
  );
  console.log(
    '  measured: what `memtree tree --no-daemon --json CAPTURE` does after parsing its arguments (the capture read in one pass,\n' +
      "  then the peak tree -b 200; memray 1.19 and older's record order read again only if that tree depends on it), each run a\n" +
      '  fresh process; node start-up, module loading and printing the document excluded (the same for both versions)',
  );
  const full = compare(files, 5, (f) => tree(f, 'peak'));
  const rss = (t: Timed): string => `peak RSS ${(t.maxRssBytes! / 2 ** 20).toFixed(0)} MiB`;
  for (const v of VERSIONS) {
    const { best: r, median } = full[v];
    console.log(
      `  version ${v}, peak tree: best ${(r.ms / 1000).toFixed(2)} s (${(r.records / (r.ms / 1000) / 1e6).toFixed(2)} M records/s), ` +
        `median ${(median / 1000).toFixed(2)} s; ${(r.fileBytes! / 1e6).toFixed(1)} MB file, ${rss(r)}; ` +
        `order read again: ${full[v].all.some((t) => (t.replays ?? 0) > 0) ? 'yes' : 'no'}`,
    );
  }
  const best = full[11].best.ms / full[13].best.ms;
  const median = full[11].median / full[13].median;
  console.log(
    `  version 11 / version 13, peak tree: best ${(100 * best).toFixed(1)} %, median ${(100 * median).toFixed(1)} % ` +
      `(${Math.min(best, median) <= 1.1 ? 'within' : 'NOT within'} 10 %)`,
  );
  // A tree that depends on memray 1.19 and older's order pays its second read: shown apart.
  const leaks = stats([0, 1, 2].map(() => tree(files[11], 'leaks')));
  console.log(
    `  version 11, leaks tree (its records tie: memray 1.19's order read again: ${leaks.all.some((t) => (t.replays ?? 0) > 0) ? 'yes' : 'no'}): ` +
      `best ${(leaks.best.ms / 1000).toFixed(2)} s, median ${(leaks.median / 1000).toFixed(2)} s of 3 ` +
      `(${pct(leaks.best.ms, full[13].best.ms)} of version 13's peak tree, best to best), ${rss(leaks.best)}`,
  );

  // Where the difference goes: each part alone, in fresh processes like the read above.
  console.log('  the parts (best of 3 each, ms, version 13 / version 11 / difference):');
  const parts: [string, Record<13 | 11, { best: Timed }>][] = [
    ['LZ4 frame into the record window, no record decoding', compare(files, 3, (f) => phase(f, 'lz4'))],
    ['that + records decoded into a counting sink, no snapshot work', compare(files, 3, (f) => phase(f, 'decode'))],
    ['the peak tree (above)', full],
    ['the whole read again in the same process (decoding code compiled, a new worker)', compare(files, 3, (f) => phase(f, 'warm'))],
    ["after a read, memray 1.19 and older's record order alone (the second read trees with ties pay; none for version 13)", compare(files, 3, (f) => phase(f, 'order'))],
  ];
  const line = (what: string, a: number, b: number): void =>
    console.log(`    ${what}: ${a.toFixed(0)} / ${b.toFixed(0)} / ${(b - a >= 0 ? '+' : '') + (b - a).toFixed(0)}${a >= 1 ? ` (${pct(b, a)})` : ''}`);
  for (const [what, r] of parts) line(what, r[13].best.ms, r[11].best.ms);

  // Wall time on a shared machine is mostly the load; CPU time per thread is not. The read is
  // done when its slower thread is: with two free cores the versions differ by the difference
  // of their slower threads, not of the decoding threads alone.
  const cpu = compare(files, 3, (f) => phase(f, 'threads'));
  const least = (v: 13 | 11, key: 'decoderCpuMs' | 'builderCpuMs'): number => Math.min(...cpu[v].all.map((r) => r[key] ?? NaN));
  line('CPU time of the decoding thread (LZ4, records, groups) in the two-thread read (least of 3)', least(13, 'decoderCpuMs'), least(11, 'decoderCpuMs'));
  line('CPU time of the live-table thread in the two-thread read (least of 3)', least(13, 'builderCpuMs'), least(11, 'builderCpuMs'));
}
