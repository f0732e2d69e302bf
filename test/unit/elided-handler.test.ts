/**
 * tree/elided as a plain handler call over a real index: the records -b leaves out of a view
 * are memray's own snapshot records after the first N in memray's size order (a stable sort by
 * size), with their sizes, allocations, thread labels and allocating frames; paged; after the
 * view's record filters; and the same from --no-daemon's engine (daemon/src/local.ts).
 */
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ViewOptions } from '../../protocol/src/tree.js';
import * as capture from '../../daemon/src/handlers/capture.js';
import type { ConnectionContext } from '../../daemon/src/handlers/context.js';
import * as tree from '../../daemon/src/handlers/tree.js';
import * as local from '../../daemon/src/local.js';
import { tempStateDir } from '../helpers/daemon-instance.js';
import { readExpected } from '../helpers/expected.js';
import { handlerContext } from '../helpers/handler-context.js';
import { CAPTURES } from '../helpers/paths.js';

interface MemrayRecord {
  size: number;
  n_allocations: number;
  tid: number;
  thread_name: string;
  stack_trace: [string, string, number][];
}

let ctx: ConnectionContext;
let captureId: string;
const FILE = path.join(CAPTURES, 'threads.bin');
const view = (b: number, threads?: string[]): ViewOptions => ({
  mode: { kind: 'peak' },
  biggestAllocs: b,
  hideImportSystem: false,
  hideUninteresting: true,
  ...(threads === undefined ? {} : { threads }),
});

const label = (r: MemrayRecord): string => (r.thread_name ? `0x${r.tid.toString(16)} (${r.thread_name})` : `0x${r.tid.toString(16)}`);

/** memray's records in its size order (Python's stable sort by size, biggest first), as tree/elided lists them. */
function memrayOrder(filter: (r: MemrayRecord) => boolean = () => true) {
  const { records } = readExpected<{ records: MemrayRecord[] }>('threads', 'peak-records.json');
  return records
    .filter(filter)
    .map((r, i) => ({ r, i }))
    .sort((a, b) => b.r.size - a.r.size || a.i - b.i)
    .map(({ r }) => ({
      function: r.stack_trace[0]?.[0] ?? '',
      file: r.stack_trace[0]?.[1] ?? '',
      line: r.stack_trace[0]?.[2] ?? 0,
      bytes: r.size,
      allocations: r.n_allocations,
      thread: label(r),
    }));
}

const strip = (ls: readonly { depth: number }[]) => ls.map(({ depth: _depth, ...rest }) => rest);

beforeAll(async () => {
  ctx = handlerContext(path.join(tempStateDir(), 'index'));
  captureId = (await capture.open(ctx, { path: FILE })).captureId;
}, 60_000);

describe('tree/elided', () => {
  it('lists memray’s records after the 5 biggest, with their frames, threads and sizes; paged', async () => {
    const want = memrayOrder().slice(5);
    const all = await tree.elided(ctx, { captureId, view: view(5), limit: 10000 });
    expect(all.total).toBe(want.length);
    expect(strip(all.locations)).toEqual(want);
    const root = await tree.root(ctx, { captureId, view: view(5) });
    expect(all.total).toBe(root.elided.locations);
    expect(all.locations.reduce((a, l) => a + l.bytes, 0)).toBe(root.elided.bytes);
    const page = await tree.elided(ctx, { captureId, view: view(5), offset: 3, limit: 4 });
    expect(page).toMatchObject({ offset: 3, total: want.length });
    expect(strip(page.locations)).toEqual(want.slice(3, 7));
  });

  it('applies the view’s record filters before -b, as the tree does', async () => {
    const want = memrayOrder((r) => label(r) === '0x1').slice(2);
    const got = await tree.elided(ctx, { captureId, view: view(2, ['0x1']), limit: 10000 });
    expect(strip(got.locations)).toEqual(want);
    // Nothing left out: an empty list.
    expect(await tree.elided(ctx, { captureId, view: view(200) })).toEqual({ locations: [], total: 0, offset: 0 });
  });

  it('--no-daemon’s engine answers the same', async () => {
    const views = new local.LocalViews(FILE);
    const v = view(5);
    const { data, spec } = views.view(v);
    expect(local.elidedPage(data, spec, 0, 10000)).toEqual(await tree.elided(ctx, { captureId, view: v, limit: 10000 }));
  });
});
