/**
 * memray's `hybrid_stack_trace()` merge (docs/capture-format.md 8.5): every native frame of an
 * interpreter eval loop stands for the Python frame it evaluated (plus the non-entry frames the
 * same C call evaluated), paired from the outermost end; on the main thread the frames above
 * the first kept Python frame are trimmed. Where memray would return the plain Python stack
 * (Python frames left over) or raise (inconsistent input), this returns the untrimmed Python stack.
 */

/** Whether a native symbol is a Python frame boundary (an eval-loop call). */
export function isEvalFrame(symbol: string): boolean {
  return symbol.includes('_PyEval_EvalFrameDefault') || symbol.startsWith('_TAIL_CALL_');
}

/**
 * Merges `native` (innermost first, symbolized) with `python` (innermost first, untrimmed,
 * `isEntry[i]` for `python[i]`); `skip` is header.skipped_frames_on_main_tid on the main
 * thread, else 0. Returns a new array, or `python` itself for memray's fallbacks.
 */
export function hybridStack<F>(
  native: readonly F[],
  symbolOf: (frame: F) => string,
  python: readonly F[],
  isEntry: ArrayLike<boolean>,
  skip: number,
): readonly F[] {
  let nonEntry = 0;
  for (let i = 0; i < python.length; i++) if (!isEntry[i]) nonEntry++;
  const result: F[] = new Array<F>(native.length + nonEntry);
  let pidx = python.length - 1;
  let hidx = result.length - 1;
  const firstKept = pidx - skip;
  for (let n = native.length - 1; n >= 0; n--) {
    const frame = native[n]!;
    if (pidx >= 0 && isEvalFrame(symbolOf(frame))) {
      do {
        // Reaching the first kept frame forgets everything placed so far (the outer frames).
        if (skip !== 0 && pidx === firstKept && result.length > hidx + 1) result.length = hidx + 1;
        if (hidx < 0) return python; // memray's `assert hidx >= 0` would fail
        result[hidx--] = python[pidx--]!;
      } while (pidx >= 0 && !isEntry[pidx]);
    } else {
      if (hidx < 0) return python;
      result[hidx--] = frame;
    }
  }
  // Python frames left over: eval frames were not recognised (e.g. a stripped interpreter).
  if (pidx >= 0) return python;
  // memray's `assert hidx == -1`: unfilled slots mean the input was inconsistent.
  if (hidx !== -1) return python;
  return result;
}
