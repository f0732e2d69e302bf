/**
 * `npm run bench -- versions` (and `-- versions-daemon` alone): the daemon's index of the same
 * generated workload as version 13 and version 11 (whose leaks records tie, so memray 1.19 and
 * older's record order is pending after the pass). Timed through a real memtreed on a fresh
 * state directory per run: capture/open answers once the index is complete (what the first
 * tree waits for); the order job, which rewrites the pending modes into memray's order
 * afterwards (daemon/src/index/memray-order.ts), ends later ("order done", polled with
 * daemon/status every 5 ms). Then the first use of a temporary threshold, which reads the
 * capture again and, for version 11, also leaves memray's order to an order job.
 */
import * as os from 'node:os';
import { CaptureOpenRequest } from '../../protocol/src/capture.js';
import { DaemonStatusRequest } from '../../protocol/src/daemon.js';
import { DaemonInstance, waitFor, type Rpc } from '../helpers/daemon-instance.js';

interface Run {
  /** capture/open sent -> answered (the index complete). */
  indexMs: number;
  /** capture/open sent -> no job left (the order resolved, if it was pending). */
  doneMs: number;
  /** Then capture/open with temporary threshold 1 sent -> answered (the mode stored). */
  tempMs: number;
  /** That open sent -> no job left. */
  tempDoneMs: number;
}

/** Sends `open`; how long it took to answer, and until daemon/status shows no job. */
async function timed(rpc: Rpc, open: () => Promise<unknown>): Promise<[number, number]> {
  const t0 = performance.now();
  await open();
  const answered = performance.now() - t0;
  await waitFor(async () => ((await rpc.conn.sendRequest(DaemonStatusRequest.type)).jobs.length === 0 ? true : undefined), 600_000, 'the jobs to end');
  return [answered, performance.now() - t0];
}

async function once(file: string): Promise<Run> {
  const daemon = await DaemonInstance.start();
  const rpc = await daemon.connect();
  try {
    const [indexMs, doneMs] = await timed(rpc, () => rpc.conn.sendRequest(CaptureOpenRequest.type, { path: file }));
    const modes = [{ kind: 'temporary', threshold: 1 } as const];
    const [tempMs, tempDoneMs] = await timed(rpc, () => rpc.conn.sendRequest(CaptureOpenRequest.type, { path: file, modes }));
    return { indexMs, doneMs, tempMs, tempDoneMs };
  } finally {
    rpc.close();
    await daemon.stop();
  }
}

const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

function bestMedian(ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  return `best ${s(sorted[0]!)}, median ${s(sorted[Math.floor(sorted.length / 2)]!)}`;
}

export async function benchDaemonIndexVersions(files: Record<13 | 11, string>, runs = 3): Promise<void> {
  console.log(`\n## The daemon's index by header version (the same generated workload; ${runs} runs each, alternating, a new memtreed each)`);
  const all: Record<13 | 11, Run[]> = { 13: [], 11: [] };
  const load: string[] = [];
  for (let r = 0; r < runs; r++) {
    for (const v of [13, 11] as const) all[v].push(await once(files[v]));
    load.push(os.loadavg()[0]!.toFixed(1));
  }
  for (const v of [13, 11] as const) {
    console.log(
      `  version ${v}: index complete (capture/open answered) ${bestMedian(all[v].map((x) => x.indexMs))}; ` +
        `order done (no job left) ${bestMedian(all[v].map((x) => x.doneMs))}`,
    );
  }
  for (const v of [13, 11] as const) {
    console.log(
      `  version ${v}: then temporary threshold 1, first use: answered ${bestMedian(all[v].map((x) => x.tempMs))}; ` +
        `order done ${bestMedian(all[v].map((x) => x.tempDoneMs))}`,
    );
  }
  const best = (v: 13 | 11): number => Math.min(...all[v].map((x) => x.indexMs));
  const bestTemp = (v: 13 | 11): number => Math.min(...all[v].map((x) => x.tempMs));
  console.log(
    `  version 11 / version 13, index complete: best ${((100 * best(11)) / best(13)).toFixed(1)} %; ` +
      `temporary first use: best ${((100 * bestTemp(11)) / bestTemp(13)).toFixed(1)} %; load average (1 min) after each round: ${load.join(', ')}`,
  );
}
