/**
 * Captures for tree tests written in memray's test notation: each record is one live
 * allocation (or `count` of them) with a given Python stack. The events are built so that the
 * reader resolves exactly the given (function, file, line) frames.
 */
import { writeCapture } from './capture-stream.js';
import { Allocator, isDeallocator, type CaptureEvent, type WriterOptions } from './capture-types.js';
import { buildLineTable } from './line-tables.js';

/**
 * One live allocation site: `size` bytes (split over `count` allocations, default 1) with the
 * Python stack `stack`, innermost frame first (memray's `size [f1 <- f2 <- f3]`).
 */
export interface StackRecord {
  size: number;
  stack: readonly (readonly [fn: string, file: string, line: number])[];
  tid?: number;
  threadName?: string;
  allocator?: number;
  count?: number; // n separate allocations splitting size, default 1
}

/** First address handed out; allocations are 16-byte aligned like glibc's. */
const BASE_ADDRESS = 0x7f3a00000000;

interface Instruction {
  line: number;
  variant: number;
}

interface Code {
  id: number;
  fn: string;
  file: string;
  instructions: Instruction[];
  index: Map<string, number>;
}

/**
 * The events of stacksCapture: one code object per (function, file) whose instructions cover
 * the lines used, pushes/pops per thread, thread names, and the allocations in order.
 */
function stacksEvents(records: readonly StackRecord[], opts: WriterOptions = {}): CaptureEvent[] {
  const pythonVersion = opts.pythonVersion ?? 0x030b07f0;
  const mainTid = opts.mainTid ?? 1;
  const codes = new Map<string, Code>();
  const seen = new Map<string, number>();
  // Pass 1: give every frame an instruction. A record repeating an earlier (thread, stack)
  // gets another instruction on the same line for its innermost frame, so it keeps its own
  // stack id and comes out of the snapshot as its own record, in order.
  const plans = records.map((r) => {
    const tid = r.tid ?? mainTid;
    const key = JSON.stringify([tid, r.stack]);
    const variant = seen.get(key) ?? 0;
    seen.set(key, variant + 1);
    const outerFirst = [...r.stack].reverse();
    const frames = outerFirst.map(([fn, file, line], depth) => {
      const codeKey = JSON.stringify([fn, file]);
      let code = codes.get(codeKey);
      if (code === undefined) {
        code = { id: codes.size + 1, fn, file, instructions: [], index: new Map() };
        codes.set(codeKey, code);
      }
      const ins: Instruction = { line, variant: depth === outerFirst.length - 1 ? variant : 0 };
      const insKey = `${ins.line}:${ins.variant}`;
      let idx = code.index.get(insKey);
      if (idx === undefined) {
        idx = code.instructions.length;
        code.instructions.push(ins);
        code.index.set(insKey, idx);
      }
      return { code, idx };
    });
    return { r, tid, frames };
  });

  const events: CaptureEvent[] = [];
  const offsets = new Map<number, readonly number[]>();
  for (const code of codes.values()) {
    const lines = code.instructions.map((i) => i.line);
    const built = buildLineTable(pythonVersion, lines[0]!, lines);
    offsets.set(code.id, built.offsets);
    events.push({ type: 'code', id: code.id, function: code.fn, file: code.file, firstLine: lines[0]!, lineTable: built.table });
  }

  const stacks = new Map<number, string[]>();
  const names = new Map<number, string>();
  let address = BASE_ADDRESS;
  for (const { r, tid, frames } of plans) {
    const allocator = r.allocator ?? Allocator.MALLOC;
    if (isDeallocator(allocator)) throw new RangeError(`stacksCapture records allocate; allocator ${allocator} frees`);
    if (r.threadName !== undefined && names.get(tid) !== r.threadName) {
      events.push({ type: 'thread', tid, name: r.threadName });
      names.set(tid, r.threadName);
    }
    // Pop what differs from the thread's current stack, then push the new frames.
    const current = stacks.get(tid) ?? [];
    const wanted = frames.map((f) => `${f.code.id}:${f.idx}`);
    let common = 0;
    while (common < current.length && common < wanted.length && current[common] === wanted[common]) common++;
    if (current.length > common) events.push({ type: 'pop', tid, count: current.length - common });
    for (const f of frames.slice(common)) {
      events.push({ type: 'push', tid, code: f.code.id, offset: offsets.get(f.code.id)![f.idx]! });
    }
    stacks.set(tid, wanted);

    const n = r.count ?? 1;
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`bad count ${n}`);
    const each = Math.floor(r.size / n);
    for (let k = 0; k < n; k++) {
      const size = k === 0 ? r.size - each * (n - 1) : each;
      events.push({ type: 'alloc', tid, address, size, allocator });
      // Ranges of mmap'd records must not overlap: step past the allocation.
      address += Math.max(16, Math.ceil(size / 16) * 16);
    }
  }
  return events;
}

/**
 * A capture in which each record is live allocation(s) with the given stack and thread; the
 * reader's peak snapshot yields the records in the given order. Records with an empty stack
 * on the same thread necessarily share one snapshot record.
 */
export function stacksCapture(records: readonly StackRecord[], opts: WriterOptions = {}): Uint8Array {
  return writeCapture(stacksEvents(records, opts), { skippedFramesOnMainTid: 0, ...opts });
}
