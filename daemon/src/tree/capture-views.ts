/**
 * A loaded capture as view data: its stacks resolved once into a PathTrie (Python stacks with
 * memray's main-thread trim, or hybrid native stacks), frames classified once per location.
 * Shared by the index writer and by --no-daemon.
 */
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
