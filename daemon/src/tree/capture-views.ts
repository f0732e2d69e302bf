/**
 * A loaded capture as view data: its stacks resolved once into a PathTrie (Python stacks with
 * memray's main-thread trim, or hybrid native stacks), frames classified once per location.
 * Shared by the index writer and by --no-daemon.
 */
import type { SnapshotMode } from '../../../protocol/src/tree-document.js';
import type { LoadedCapture, Snapshot } from '../capture/load.js';
import { nativeStackResolver } from '../native/hybrid-resolver.js';
import { Symbolizer, type SymbolizerOptions } from '../native/symbolizer.js';
import { classifiedResolution, pythonStackResolver, sizeOrder, type Resolution } from './build-tree.js';
import type { FrameClassifier } from './frame-classifier.js';
import { PathBuilder, modeRecords, type ModeRecords, type PathTrie } from './view-data.js';

export class CaptureResolver {
  readonly paths: PathBuilder;
  private readonly symbolizer: Symbolizer | undefined;
  private readonly resolution: Resolution;

  constructor(
    private readonly capture: LoadedCapture,
    readonly classifier: FrameClassifier,
    existing?: PathTrie,
    symbolizerOptions?: SymbolizerOptions,
  ) {
    this.paths = new PathBuilder(existing);
    if (capture.header.nativeTraces) {
      this.symbolizer = new Symbolizer(symbolizerOptions);
      this.resolution = classifiedResolution(nativeStackResolver(capture, this.symbolizer), classifier);
    } else {
      this.resolution = pythonStackResolver(capture, classifier);
    }
  }

  /** A snapshot's records in memray's size order (or `order`), stacks interned. */
  records(snap: Snapshot, order: Int32Array = sizeOrder(snap)): ModeRecords {
    const native = this.capture.header.nativeTraces;
    return modeRecords(snap, order, this.resolution.resolve, this.paths, this.capture.header.mainTid, !native);
  }

  /** Flushes newly resolved symbols (native captures). */
  close(): void {
    this.symbolizer?.close();
  }
}

/**
 * The size order of `snap`, the snapshot of `mode` of `c` (or a range's records that are that
 * snapshot), over the order memray returned its records in: memray 1.19 and older's when `c`
 * has one (reading the capture again the first time: LoadedCapture.legacyOrder), else as read.
 * Call it only for an order-sensitive view (order-sensitivity.ts).
 */
export function memraySizeOrder(c: LoadedCapture, mode: SnapshotMode['kind'], snap: Snapshot): Int32Array {
  if (c.legacyOrder === undefined) return sizeOrder(snap);
  const order = c.legacyOrder();
  return sizeOrder(snap, mode === 'peak' ? order.peak : mode === 'leaks' ? order.leaks : order.temporary);
}
