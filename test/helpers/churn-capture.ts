/**
 * Writes a synthetic capture of `records` ALLOCATION records to a file, streamed: a few
 * threads and stacks, pymalloc-like alloc/free churn over a small live set. Big enough inputs
 * for fault tests (indexing that takes a while) without vendoring large files.
 */
import * as fs from 'node:fs';
import { Allocator, CaptureWriter } from './capture-writer.js';

export function writeChurnCapture(file: string, records: number, opts: { compress?: boolean } = {}): void {
  const fd = fs.openSync(file, 'w');
  try {
    const w = new CaptureWriter((chunk) => fs.writeSync(fd, chunk), { compress: opts.compress ?? false, nAllocations: records });
    for (let c = 1; c <= 6; c++) w.write({ type: 'code', id: c, function: `func_${c}`, file: `/app/mod_${c % 3}.py`, firstLine: c * 10 });
    for (const tid of [1, 2, 3]) {
      if (tid > 1) w.write({ type: 'thread', tid, name: `worker-${tid}` });
      w.write({ type: 'push', tid, code: 1, offset: 0 });
      w.write({ type: 'push', tid, code: 1 + tid, offset: 2 });
    }
    const live: number[] = [];
    let next = 0x7f0000000000;
    let written = 0;
    let depthToggle = 0;
    while (written < records) {
      const tid = 1 + (written % 3);
      if (written % 1000 === 0) {
        // Move a thread's innermost frame now and then, so there are several stacks.
        w.write({ type: 'pop', tid });
        w.write({ type: 'push', tid, code: 2 + (depthToggle++ % 5), offset: 2 * (depthToggle % 4) });
      }
      if (live.length > 512 && written % 2 === 1) {
        const i = (written * 7919) % live.length;
        w.allocation(tid, live[i]!, 0, Allocator.PYMALLOC_FREE);
        live[i] = live[live.length - 1]!;
        live.pop();
      } else {
        const address = next;
        next += 64;
        w.allocation(tid, address, 16 + (written % 48), Allocator.PYMALLOC_MALLOC);
        live.push(address);
      }
      written++;
    }
    w.end();
  } finally {
    fs.closeSync(fd);
  }
}
