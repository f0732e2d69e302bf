/**
 * The integration point of native mode: a capture's records turned into memray's hybrid
 * stacks (native frames symbolized from the binaries on this machine, merged with the Python
 * frames), and a `StackResolver` for `buildTree` over them.
 */
import type { Frame } from '../capture/capture-state.js';
import type { LoadedCapture } from '../capture/load.js';
import { classifiedResolution, type FrameStackResolver, type Resolution } from '../tree/build-tree.js';
import { hybridStack } from './hybrid-stack.js';
import { CaptureSymbols } from './memory-maps.js';
import type { Symbolizer } from './symbolizer.js';

/** What the resolvers read from a capture. */
export type NativeCapture = Pick<LoadedCapture, 'state' | 'header'>;

/** memray's `native_stack_trace()`: the symbolized native stack of a native id in a generation. */
export function nativeTraceResolver(capture: NativeCapture, symbolizer: Symbolizer): (nativeId: number, generation: number) => Frame[] {
  const syms = new CaptureSymbols(capture.state.generations, symbolizer);
  return (nativeId, generation) => syms.nativeFrames(capture.state.nativeStack(nativeId), generation);
}

/** memray's `hybrid_stack_trace()` for a record, trimmed for the main thread as memray trims it. */
export function nativeStackResolver(capture: NativeCapture, symbolizer: Symbolizer): FrameStackResolver {
  const { state, header } = capture;
  const native = nativeTraceResolver(capture, symbolizer);
  const symbolOf = (f: Frame): string => f.function;
  return (stackId, nativeId, tid, generation) => {
    const ids = state.frameIds(stackId);
    const python = new Array<Frame>(ids.length);
    const isEntry = new Array<boolean>(ids.length);
    for (let i = 0; i < ids.length; i++) {
      python[i] = state.frame(ids[i]!);
      isEntry[i] = state.isEntryFrame(ids[i]!);
    }
    const skip = tid === header.mainTid ? header.skippedFramesOnMainTid : 0;
    return hybridStack(native(nativeId, generation), symbolOf, python, isEntry, skip);
  };
}

/** A `buildTree` resolver over hybrid stacks (symbolized in each record's memory-map generation). */
export function hybridTreeResolver(capture: NativeCapture, symbolizer: Symbolizer): Resolution {
  return classifiedResolution(nativeStackResolver(capture, symbolizer));
}
