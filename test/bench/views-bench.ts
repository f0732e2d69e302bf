/**
 * Views inside the daemon (handler time, issue 10 item 5) on a generated capture with 1 M
 * distinct stacks: the first page after a view change (a filter, a thread, inverted, the
 * mode: each a tree not built before), expands within a view, and search over a whole tree.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ViewOptions } from '../../protocol/src/tree.js';
import * as capture from '../../daemon/src/handlers/capture.js';
import type { ConnectionContext } from '../../daemon/src/handlers/context.js';
import * as tree from '../../daemon/src/handlers/tree.js';
import { handlerContext } from '../helpers/handler-context.js';
import { tempDir } from '../helpers/paths.js';

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summary(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  return `p50 ${pct(s, 50).toFixed(2)} ms, p99 ${pct(s, 99).toFixed(2)} ms, max ${s[s.length - 1]!.toFixed(2)} ms (${s.length} calls)`;
}

/**
 * Wall and CPU time of `fn` in ms. On a shared machine the wall time includes waiting for a
 * core; the CPU time (this process does nothing else meanwhile) is the handler's own cost.
 */
async function timed(fn: () => Promise<unknown>): Promise<[wall: number, cpu: number]> {
  const t = performance.now();
  const c = process.cpuUsage();
  await fn();
  const u = process.cpuUsage(c);
  return [performance.now() - t, (u.user + u.system) / 1000];
}

function both(samples: [number, number][]): string {
  return `wall ${summary(samples.map((s) => s[0]))}\n      cpu  ${summary(samples.map((s) => s[1]))}`;
}

/** The first screen of a view: its root and the first page of every node down the first-child chain. */
function firstPage(ctx: ConnectionContext, captureId: string, view: ViewOptions): Promise<[number, number]> {
  return timed(async () => {
    await tree.root(ctx, { captureId, view });
    await tree.expand(ctx, { captureId, view, nodeId: 0, limit: 200, firstChildChain: true });
  });
}

/** Up to `max` expandable displayed nodes of a view, breadth first. */
async function expandable(ctx: ConnectionContext, captureId: string, view: ViewOptions, max: number): Promise<number[]> {
  const out: number[] = [];
  const queue = [0];
  while (queue.length > 0 && out.length < max) {
    const id = queue.shift()!;
    out.push(id);
    const page = await tree.expand(ctx, { captureId, view, nodeId: id, limit: 1000 });
    for (const n of page.nodes) if (n.childCount > 0) queue.push(n.id);
  }
  return out;
}

export async function benchViews(manyStacks: string): Promise<void> {
  console.log('\n## Views inside the daemon (handler time): generated capture with 1 M distinct stacks');
  const dir = tempDir('memtree-bench-');
  const ctx = handlerContext(path.join(dir, 'index'));
  try {
    const t0 = performance.now();
    const { captureId } = await capture.open(ctx, { path: manyStacks });
    const base: ViewOptions = { mode: { kind: 'peak' }, biggestAllocs: 200, hideImportSystem: false, hideUninteresting: true };
    const indexMs = performance.now() - t0;
    const [first] = await firstPage(ctx, captureId, base);
    const threads = await tree.threads(ctx, { captureId });
    console.log(`  index ${(indexMs / 1000).toFixed(1)} s; first view after opening (loads the records) ${first.toFixed(0)} ms; ${threads.threads.length} threads; load average ${os.loadavg()[0]!.toFixed(1)}`);

    // View changes: every one a tree not built before (the cache holds built trees, not these).
    const changes: ViewOptions[] = [];
    for (let k = 2; k < 12; k++) {
      changes.push({ ...base, focus: `^func_${k}$` }, { ...base, ignore: `^func_${k + 20}$` }, { ...base, showFrom: `^func_${k + 40}$` }, { ...base, hide: `^func_${k + 60}$` });
    }
    for (const t of threads.threads) changes.push({ ...base, threads: [t.label] }, { ...base, threads: [t.label], inverted: true });
    changes.push({ ...base, inverted: true }, { ...base, inverted: true, hideImportSystem: true }, { ...base, mode: { kind: 'leaks' } }, { ...base, mode: { kind: 'leaks' }, inverted: true });
    changes.push({ ...base, focus: 'func_1', hide: 'json', inverted: true }, { ...base, showFrom: 'func_3', ignore: 'func_77' });
    const times: [number, number][] = [];
    for (const v of changes) times.push(await firstPage(ctx, captureId, v));
    console.log(`  view change -> first page (root + first-child chain), -b 200:\n      ${both(times)}`);

    const expands: [number, number][] = [];
    for (const v of [base, changes[0]!, { ...base, inverted: true }]) {
      const ids = await expandable(ctx, captureId, v, 3000);
      for (let i = 0; i < 1000; i++) {
        const id = ids[(i * 7919) % ids.length]!;
        expands.push(await timed(() => tree.expand(ctx, { captureId, view: v, nodeId: id, limit: 200 })));
      }
    }
    console.log(`  expand (200 children per page) in three views:\n      ${both(expands)}`);

    const all: ViewOptions = { ...base, biggestAllocs: 1_000_000 };
    const tb = performance.now();
    const root = await tree.root(ctx, { captureId, view: all });
    console.log(`  -b 1000000 (every record, ${root.root.bytes.toLocaleString('en')} bytes): tree built in ${((performance.now() - tb) / 1000).toFixed(2)} s`);
    for (const [label, v] of [
      ['-b 200', base],
      ['-b 1000000 (the whole tree)', all],
    ] as const) {
      const searches: [number, number][] = [];
      for (let k = 0; k < 20; k++) {
        searches.push(await timed(() => tree.search(ctx, { captureId, view: v, query: k % 2 === 0 ? `^func_${k + 5}$` : `func_${k}`, regex: k % 2 === 0, limit: 100 })));
      }
      console.log(`  search over the ${label} view, first 100 matches and the total:\n      ${both(searches)}`);
    }
  } finally {
    ctx.daemon.captures.closeAll();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
