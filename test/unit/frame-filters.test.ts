// Frame classification of tree-reporter.md §2.4 and capture-format.md §13.4.
import { describe, expect, it } from 'vitest';
import { isCpythonInternal, isImportSystem, isInteresting } from '../../daemon/src/tree/frame-filters.js';

const CEVAL = '/src/python/python3.8/Python/ceval.c';
const CALL_C = '/src/python/python3.8/Objects/call.c';

describe('isCpythonInternal', () => {
  it('drops both interpreter frames of model test M10', () => {
    expect(isCpythonInternal('PyObject_Call', CEVAL)).toBe(true);
    expect(isCpythonInternal('PyCFunction_Call', CALL_C)).toBe(true);
    expect(isCpythonInternal('parent', 'fun.py')).toBe(false);
    expect(isCpythonInternal('me', 'fun.py')).toBe(false);
  });

  it('keeps C functions that are not call plumbing', () => {
    expect(isCpythonInternal('PyList_Append', 'Objects/listobject.c')).toBe(false);
    expect(isCpythonInternal('cfunction_call', 'Objects/methodobject.c')).toBe(false);
  });

  it('never drops Python-level functions, whatever their name', () => {
    expect(isCpythonInternal('_Py_something', '/usr/lib/python3.11/site.py')).toBe(false);
    expect(isCpythonInternal('PyEval_thing', '/app/Python/mod.py')).toBe(false);
    expect(isCpythonInternal('_PyEval_EvalFrameDefault', '<unknown>')).toBe(false);
  });

  it.each([
    ['PyEval_EvalFrameEx', 'Python/ceval.c'],
    ['_PyEval_EvalFrameDefault', 'Python/ceval.c'],
    ['__wrap_PyEval_EvalFrameEx_x', 'Python/ceval.c'], // substring, not prefix
    ['_TAIL_CALL_LOAD_ATTR.llvm.1234', '/cpython/Python/generated_cases.c.h'],
    ['PyEval_EvalCode', 'Python/ceval.c'],
    ['_PyFunction_Vectorcall', 'Objects/call.c'],
    ['_PyObject_MakeTpCall', 'Objects/call.c'],
    ['PyVectorcall_Call', 'Objects/call.c'],
    ['method_vectorcall_FASTCALL', 'Objects/descrobject.c'],
    ['slot_tp_call', 'Objects/typeobject.c'],
    ['type_call', 'Objects/typeobject.c'],
    ['function_code_fastcall', 'Objects/call.c'],
    ['call_function', 'Python/ceval.c'],
    ['do_call_core', 'Python/ceval.c'],
    ['wrapperdescr_call', '/usr/src/cpython/Objects/descrobject.c'],
    ['anything_at_all', '/src/Objects/call.c'], // rule 6: the file alone makes a candidate
    ['type_call', '/build/Include/cpython/object.h'],
  ])('%s in %s is internal', (fn, file) => {
    expect(isCpythonInternal(fn, file)).toBe(true);
  });

  it.each([
    ['_TAIL_CALL_LOAD_ATTR', 'Python/generated_cases.c.h'], // no .llvm. suffix
    ['type_call', '/usr/lib/libfoo.so'], // candidate, but not a CPython source file
    ['type_call', 'python/ceval.c'], // the words are case-sensitive
    ['type_call', 'Python/ceval.cc'], // must end in .c or .h
    ['type_call', 'Python/ceval.c.o'],
    ['Type_Call', 'Python/ceval.c'], // the name list is case-sensitive
    ['PyObject_CallOneArg', 'Objects/call.cpp'], // a candidate by file substring, but not a .c/.h file
  ])('%s in %s is kept', (fn, file) => {
    expect(isCpythonInternal(fn, file)).toBe(false);
  });

  it('reproduces the regex quirks of memray\'s Python pattern', () => {
    // `[c|h]` also accepts a literal '|'.
    expect(isCpythonInternal('type_call', 'Python/ceval.|')).toBe(true);
    // Python's `$` also matches before one final newline.
    expect(isCpythonInternal('type_call', 'Python/ceval.c\n')).toBe(true);
    expect(isCpythonInternal('type_call', 'Python/ceval.c\n\n')).toBe(false);
    // Python's `.` matches '\r' (JS's does not by default) but not '\n'.
    expect(isCpythonInternal('type_call', 'Python\r/ceval.c')).toBe(true);
    expect(isCpythonInternal('type_call', 'Python\n/ceval.c')).toBe(false);
    // Searched anywhere, and the word may be part of a longer component.
    expect(isCpythonInternal('type_call', '/home/u/MyPythonStuff/x.h')).toBe(true);
  });
});

describe('isImportSystem', () => {
  it('recognises frozen importlib and the import opcodes in ceval.c', () => {
    expect(isImportSystem('_find_and_load', '<frozen importlib._bootstrap>')).toBe(true);
    expect(isImportSystem('get_code', '<frozen importlib._bootstrap_external>')).toBe(true);
    expect(isImportSystem('import_name', CEVAL)).toBe(true);
    expect(isImportSystem('import_from', 'Python/ceval.c')).toBe(true);
    expect(isImportSystem('import_all_from', 'ceval.c')).toBe(true);
  });

  it('ignores the user\'s import line, non-frozen importlib and other files', () => {
    expect(isImportSystem('<module>', 'imports.py')).toBe(false);
    expect(isImportSystem('_find_and_load', '/usr/lib/python3.11/importlib/_bootstrap.py')).toBe(false);
    expect(isImportSystem('import_name', 'Python/import.c')).toBe(false);
    expect(isImportSystem('import_module', CEVAL)).toBe(false);
  });
});

describe('isInteresting', () => {
  it('treats runpy frames as uninteresting (suffix match)', () => {
    expect(isInteresting('grandparent', 'runpy.py')).toBe(false);
    expect(isInteresting('_run_code', '/usr/lib/python3.8/runpy.py')).toBe(false);
    expect(isInteresting('main', 'myrunpy.py')).toBe(false);
    expect(isInteresting('_run_code', '<frozen runpy>')).toBe(false);
  });

  it('keeps lookalikes of runpy interesting', () => {
    expect(isInteresting('f', '<frozen runpy2>')).toBe(true);
    expect(isInteresting('f', 'runpy.pyc')).toBe(true);
    expect(isInteresting('f', '/app/runpy/__init__.py')).toBe(true);
  });

  it('treats import-system and internal frames as uninteresting, user code as interesting', () => {
    expect(isInteresting('_find_and_load', '<frozen importlib._bootstrap>')).toBe(false);
    expect(isInteresting('import_name', CEVAL)).toBe(false);
    expect(isInteresting('PyObject_Call', CEVAL)).toBe(false);
    expect(isInteresting('me', 'fun.py')).toBe(true);
    expect(isInteresting('PyList_Append', 'Objects/listobject.c')).toBe(true);
  });
});
