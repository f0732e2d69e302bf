/**
 * memray's hybrid-stack merge (docs/capture-format.md 8.5): the two worked examples and the
 * edge cases (main-thread trimming, skip past the Python depth, left-over Python frames,
 * inconsistent input, the boundary tests).
 */
import { describe, expect, it } from 'vitest';
import { hybridStack, isEvalFrame } from '../../daemon/src/native/hybrid-stack.js';

/** Frames are plain names; Python frames start with "P", eval-loop frames with "Eval". */
const sym = (f: string): string => (f.startsWith('Eval') ? `_PyEval_EvalFrameDefault:${f}` : f);
const merge = (native: string[], python: string[], entry: boolean[], skip = 0): readonly string[] =>
  hybridStack(native, sym, python, entry, skip);

describe('hybridStack', () => {
  it('worked example 1: all entry frames, main-thread skip 2', () => {
    const native = ['N0', 'EvalA', 'N1', 'EvalB', 'N2', 'EvalC', 'N3', 'EvalD', 'main'];
    expect(merge(native, ['P0', 'P1', 'P2', 'P3'], [true, true, true, true], 2)).toEqual(['N0', 'P0', 'N1', 'P1']);
  });

  it('worked example 2: a non-entry frame is inserted next to its caller', () => {
    const native = ['N0', 'Eval1', 'N1', 'Eval2', 'main'];
    expect(merge(native, ['P0', 'P1', 'P2'], [false, true, true])).toEqual(['N0', 'P0', 'P1', 'N1', 'P2', 'main']);
  });

  it('keeps everything without a skip (other threads)', () => {
    const native = ['N0', 'EvalA', 'N1', 'EvalB', 'main'];
    expect(merge(native, ['P0', 'P1'], [true, true])).toEqual(['N0', 'P0', 'N1', 'P1', 'main']);
  });

  it('does not trim when the skip exceeds the Python depth', () => {
    const native = ['N0', 'EvalA', 'main'];
    expect(merge(native, ['P0'], [true], 5)).toEqual(['N0', 'P0', 'main']);
  });

  it('returns the untrimmed Python stack when Python frames are left over', () => {
    // A stripped interpreter: no eval frame is recognised.
    const python = ['P0', 'P1', 'P2'];
    const out = merge(['N0', 'N1', 'main'], python, [true, true, true], 2);
    expect(out).toBe(python);
    // Fewer eval frames than entry frames.
    expect(merge(['N0', 'EvalA', 'main'], python, [true, true, true], 1)).toBe(python);
  });

  it('falls back to the Python stack on inconsistent input (outermost frame non-entry)', () => {
    const python = ['P0', 'P1'];
    expect(merge(['N0', 'Eval', 'main'], python, [true, false])).toBe(python);
  });

  it('extra eval frames after the Python frames are used up stay native frames', () => {
    expect(merge(['EvalX', 'N0', 'EvalA', 'main'], ['P0'], [true])).toEqual(['EvalX', 'N0', 'P0', 'main']);
  });

  it('returns the native stack when there are no Python frames', () => {
    expect(merge(['N0', 'EvalA', 'main'], [], [])).toEqual(['N0', 'EvalA', 'main']);
    expect(merge([], [], [])).toEqual([]);
  });

  it('trims at the first kept frame when it is reached inside a run of non-entry frames', () => {
    // P2 is the outermost; with skip 1 the first kept frame is P1, evaluated by the same
    // eval call as P2 (P1 non-entry): the outer frames placed so far are forgotten.
    const native = ['N0', 'EvalA', 'N1', 'EvalB', 'main'];
    expect(merge(native, ['P0', 'P1', 'P2'], [true, false, true], 1)).toEqual(['N0', 'P0', 'N1', 'P1']);
  });
});

describe('isEvalFrame', () => {
  it('is a substring test for _PyEval_EvalFrameDefault and a prefix test for _TAIL_CALL_', () => {
    expect(isEvalFrame('_PyEval_EvalFrameDefault')).toBe(true);
    expect(isEvalFrame('_PyEval_EvalFrameDefault.cold')).toBe(true);
    expect(isEvalFrame('x_PyEval_EvalFrameDefaulty')).toBe(true);
    expect(isEvalFrame('_TAIL_CALL_LOAD_FAST.llvm.123')).toBe(true);
    expect(isEvalFrame('x_TAIL_CALL_')).toBe(false);
    expect(isEvalFrame('PyEval_EvalCode')).toBe(false);
  });
});
