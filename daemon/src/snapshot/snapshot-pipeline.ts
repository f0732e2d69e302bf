/**
 * The reading pass on two threads (issue 13): this thread decodes (LZ4, records, frames, the
 * group of each allocation) and hands the records as typed-array batches through a shared ring
 * (pipeline-ring.ts) to a worker running the live-table side (SnapshotBuilder.record: the live
 * table, peaks, departed tallies, timeline, temporary allocations). MEMORY_RECORDs travel
 * in-band, so period boundaries stay in record order. The caller stays synchronous: this thread
 * blocks in Atomics.wait only when the ring is full, and takes the result with
 * receiveMessageOnPort.
 *
 * The worker never decides an outcome on its own: if it fails (a damaged size that the builder
 * refuses, which the one-thread path reports at the exact record), the caller reads again on one
 * thread (PipelineFailed), so warnings and errors stay exactly those of the one-thread path.
 */
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { ALLOCATOR_KIND, KIND_RANGED_ALLOC, KIND_SIMPLE_ALLOC } from '../capture/allocators.js';
import type { AllocationSink } from '../capture/records.js';
import { GroupIndex } from './group-index.js';
import { SPLIT } from './live-table.js';
import {
  ABORT,
  BATCH,
  CTRL_CONSUMED,
  CTRL_CONSUMER,
  CTRL_PRODUCER,
  CTRL_WRITTEN,
  DONE,
  FAILED,
  FINISHED,
  META_MEMORY,
  META_PROVISIONAL,
  Ring,
  RUNNING,
  SLOTS,
} from './pipeline-ring.js';
import { resolveSums, SnapshotBuilder, type BuilderOptions, type BuilderSums, type ProvisionalSums, type SnapshotResult } from './snapshot-builder.js';

/** The worker could not finish (or start): read again on one thread. */
export class PipelineFailed extends Error {}

/** What the decoding thread gives the worker. */
export interface PipelineWorkerData {
  readonly ring: SharedArrayBuffer;
  readonly port: MessagePort;
  readonly options: BuilderOptions;
}

/** What the worker posts when it is done. */
export type PipelineMessage =
  | { readonly ok: true; readonly sums: BuilderSums; readonly stats: { readonly cpuMs: number; readonly waitMs: number } }
  | { readonly ok: false; readonly message: string }
  /** The answer to a META_PROVISIONAL request (any number of them come before the result). */
  | { readonly ok?: undefined; readonly provisional: ProvisionalSums };

/** A message that ends the pass (the result or a failure). */
type FinalMessage = Exclude<PipelineMessage, { provisional: ProvisionalSums }>;

/** How the last two-thread pass shared its work (for the bench): CPU time and time waiting, per thread. */
export interface PipelineStats {
  readonly decoderCpuMs: number;
  readonly decoderWaitMs: number;
  readonly builderCpuMs: number;
  readonly builderWaitMs: number;
}
export let lastPipelineStats: PipelineStats | undefined;

/** CPU time of the calling thread so far (Linux; NaN elsewhere). */
export function threadCpuMs(): number {
  try {
    const f = fs.readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat, in clock ticks (100 a second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

/** Records the early builder takes at most (see PipelineSink.early). */
const EARLY_MAX_RECORDS = 1 << 20;

/** How long a silent worker may take to start before the read goes on one thread. */
const START_TIMEOUT_MS = 30_000;

/**
 * The compiled worker script: next to this module, or under dist/ when this module is the
 * client bundle (dist/memtree.cjs) or TypeScript run by the tests. Undefined if absent.
 */
function workerScript(): URL | undefined {
  const here = import.meta.url;
  let url: URL;
  if (here.endsWith('/memtree.cjs')) url = new URL('./daemon/src/snapshot/builder-worker.js', here);
  else if (here.endsWith('.ts')) url = new URL('../../../dist/daemon/src/snapshot/builder-worker.js', here);
  else url = new URL('./builder-worker.js', here);
  return fs.existsSync(fileURLToPath(url)) ? url : undefined;
}

/** Whether the two-thread pass can run here (its compiled worker exists). */
export function pipelineAvailable(): boolean {
  return workerScript() !== undefined;
}

/**
 * The decoding side's sink: numbers each allocation's group, fills the ring. Call `finish()`
 * after the last record (or `abort()` if reading failed).
 */
export class PipelineSink implements AllocationSink {
  readonly groups = new GroupIndex();
  private readonly ring = new Ring();
  private readonly ctrl = this.ring.ctrl;
  private readonly port: MessagePort;
  private readonly worker: Worker;
  /** Slots published. */
  private written = 0;
  /** Records in the slot being filled, and its first index in the columns. */
  private n = 0;
  private base = 0;
  private closed = false;
  private waitMs = 0;
  private readonly cpu0 = threadCpuMs();
  /** The newest provisional answer not taken yet, and a final message received while looking for one. */
  private provisional: ProvisionalSums | undefined;
  private final: FinalMessage | undefined;

  /**
   * Until the first provisional request: a builder on this thread fed the same records, which
   * answers that request at once. From the worker, the first answer waited for the worker to
   * start (an isolate and its modules: 100-300 ms) and then for the next progress point, and
   * the first screen with it. A few hundred kilobytes of records go through it.
   */
  private early: SnapshotBuilder | undefined;
  private earlyRecords = 0;

  /** `earlySnapshot`: the pass asks for provisional snapshots (the first is answered on this thread). */
  constructor(options: BuilderOptions, earlySnapshot = false) {
    if (earlySnapshot) this.early = new SnapshotBuilder(options);
    const script = workerScript();
    if (script === undefined) throw new PipelineFailed('the builder worker script is missing');
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const data: PipelineWorkerData = { ring: this.ring.buffer, port: port2, options };
    this.worker = new Worker(script, { workerData: data, transferList: [port2] });
    // Errors come back through the ring and the port; an 'error' event nobody handles would crash.
    this.worker.on('error', () => {});
    this.worker.unref();
  }

  allocation(tid: number, address: number, size: number, allocator: number, stackId: number, nativeId: number, generation: number): void {
    const kind = ALLOCATOR_KIND[allocator]!;
    const groups = this.groups;
    let g = -1;
    if (kind === KIND_SIMPLE_ALLOC || kind === KIND_RANGED_ALLOC) g = groups.group(tid, stackId, nativeId, generation);
    else groups.thread(tid);
    const i = this.base + this.n;
    const r = this.ring;
    const hi = Math.floor(address / SPLIT);
    r.addressHi[i] = hi;
    r.addressLo[i] = address - hi * SPLIT;
    r.size[i] = size;
    r.group[i] = g;
    r.meta[i] = allocator | (groups.lastTidIndex << 8);
    if (this.early !== undefined) this.earlyRecord(g, groups.lastTidIndex, hi, r.addressLo[i]!, size, allocator);
    if (++this.n === BATCH) this.publish();
  }

  /** A record for the early builder, as the worker hands it to its own (builder-worker.ts). */
  private earlyRecord(g: number, thread: number, hi: number, lo: number, size: number, allocator: number): void {
    try {
      this.early!.record(g, thread, hi, lo, size, allocator);
    } catch {
      this.early = undefined; // damage: the worker reports it, and the first answer comes from it
      return;
    }
    // A first request that does not come early: no double work for the rest of the pass.
    if (++this.earlyRecords > EARLY_MAX_RECORDS) this.early = undefined;
  }

  memory(rss: number, msSinceStart: number): void {
    const i = this.base + this.n;
    const r = this.ring;
    const hi = Math.floor(rss / 4294967296);
    r.addressHi[i] = hi;
    r.addressLo[i] = (rss - hi * 4294967296) | 0;
    r.size[i] = msSinceStart;
    r.group[i] = -1;
    r.meta[i] = META_MEMORY;
    this.early?.memory(rss, msSinceStart);
    if (++this.n === BATCH) this.publish();
  }

  /** Asks the worker for the provisional snapshots as of the records handed over so far (in-band). */
  request(): void {
    if (this.early !== undefined) {
      this.provisional = this.early.provisionalSums();
      this.early = undefined;
      return;
    }
    const i = this.base + this.n;
    this.ring.group[i] = -1;
    this.ring.meta[i] = META_PROVISIONAL;
    // Handed over at once, not when the slot fills: a slot of deep distinct stacks takes the
    // decoder a few hundred milliseconds, which the answer (the first screen) would wait for.
    this.n++;
    this.publish();
  }

  /** The newest provisional answer not taken yet, if any (never blocks). */
  take(): ProvisionalSums | undefined {
    this.receive();
    const s = this.provisional;
    this.provisional = undefined;
    return s;
  }

  /** Takes every message waiting on the port: provisional answers and the final one. */
  private receive(): void {
    for (;;) {
      if (this.closed || this.final !== undefined) return;
      const m = receiveMessageOnPort(this.port)?.message as PipelineMessage | undefined;
      if (m === undefined) return;
      if ('provisional' in m) this.provisional = m.provisional;
      else this.final = m;
    }
  }

  /** The final message, if it came. */
  private finalMessage(): FinalMessage | undefined {
    this.receive();
    return this.final;
  }

  /** Publishes the slot being filled and waits for a free one. */
  private publish(): void {
    const ctrl = this.ctrl;
    this.ring.counts[this.written % SLOTS] = this.n;
    this.written++;
    Atomics.store(ctrl, CTRL_WRITTEN, this.written);
    Atomics.notify(ctrl, CTRL_WRITTEN);
    this.n = 0;
    this.base = (this.written % SLOTS) * BATCH;
    const t0 = Date.now();
    for (;;) {
      const consumed = Atomics.load(ctrl, CTRL_CONSUMED);
      if (this.written - consumed < SLOTS) return;
      const state = Atomics.load(ctrl, CTRL_CONSUMER);
      if (state === FAILED || state === FINISHED) throw new PipelineFailed(this.failure());
      if (state === RUNNING && Date.now() - t0 > START_TIMEOUT_MS) throw new PipelineFailed('the builder worker did not start');
      const w0 = performance.now();
      Atomics.wait(ctrl, CTRL_CONSUMED, consumed, 100);
      this.waitMs += performance.now() - w0;
    }
  }

  private failure(): string {
    const m = this.finalMessage();
    return m !== undefined && !m.ok ? m.message : 'the builder worker stopped';
  }

  /** Hands over the last records and returns the snapshots. Throws PipelineFailed. */
  finish(): SnapshotResult {
    try {
      if (this.n > 0) this.publish();
      const ctrl = this.ctrl;
      Atomics.store(ctrl, CTRL_PRODUCER, DONE);
      Atomics.notify(ctrl, CTRL_WRITTEN);
      const t0 = Date.now();
      for (;;) {
        const state = Atomics.load(ctrl, CTRL_CONSUMER);
        if (state === FINISHED || state === FAILED) break;
        if (state === RUNNING && Date.now() - t0 > START_TIMEOUT_MS) throw new PipelineFailed('the builder worker did not start');
        Atomics.wait(ctrl, CTRL_CONSUMER, state, 100);
      }
      // The worker posts before it publishes its state, so the message is there.
      let m: FinalMessage | undefined;
      for (let tries = 0; m === undefined && tries < 100; tries++) {
        m = this.finalMessage();
        if (m === undefined) Atomics.wait(ctrl, CTRL_CONSUMER, Atomics.load(ctrl, CTRL_CONSUMER), 10);
      }
      if (m === undefined || !m.ok) throw new PipelineFailed(m?.message ?? 'the builder worker sent no result');
      lastPipelineStats = { decoderCpuMs: threadCpuMs() - this.cpu0, decoderWaitMs: this.waitMs, builderCpuMs: m.stats.cpuMs, builderWaitMs: m.stats.waitMs };
      return resolveSums(m.sums, this.groups);
    } finally {
      this.close();
    }
  }

  /** Stops the worker (reading failed, or the result is in). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.ctrl, CTRL_PRODUCER, ABORT);
    Atomics.notify(this.ctrl, CTRL_WRITTEN);
    this.port.close();
    void this.worker.terminate();
  }
}
