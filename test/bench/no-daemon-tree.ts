/**
 * Child process of the versions bench: what `memtree tree --no-daemon --json [--leaks] CAPTURE`
 * does after parsing its arguments (daemon/src/local.ts `localTree`: the capture read in one
 * pass, then the mode's tree -b 200; memray 1.19 and older's record order read again only when
 * that tree depends on it), timed in a fresh process, printed as one JSON line. Node's start-up,
 * module loading and the printing of the document are not included (the same for every version).
 *
 *   node dist/test/bench/no-daemon-tree.js CAPTURE [peak|leaks]
 */
import * as fs from 'node:fs';
import { legacyReplays } from '../../daemon/src/capture/load.js';
import { localTree } from '../../daemon/src/local.js';

function peakRss(): number {
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m === null ? process.resourceUsage().maxRSS * 1024 : Number(m[1]) * 1024;
}

const [file, mode = 'peak'] = process.argv.slice(2) as [string, string?];
if (mode !== 'peak' && mode !== 'leaks') throw new Error(`mode ${mode}: peak or leaks`);
const t0 = performance.now();
const { doc } = localTree(file, { mode: { kind: mode }, biggestAllocs: 200, hideImportSystem: false, hideUninteresting: false });
const ms = performance.now() - t0;
process.stdout.write(
  `${JSON.stringify({
    ms,
    records: doc.capture.totalAllocations,
    fileBytes: fs.statSync(file).size,
    maxRssBytes: peakRss(),
    // Reads of memray 1.19 and older's order (0 or 1): what the tree depended on.
    replays: legacyReplays.count,
    rootBytes: doc.root.bytes,
  })}\n`,
);
