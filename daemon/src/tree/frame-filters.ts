// Frame classification used when building the tree model, reproducing memray 1.20's
// reporters/frame_tools.py (tree-reporter.md §2.4, capture-format.md §13.4).
// These run once per distinct (function, file) pair, so they only avoid per-call
// allocations of regexes and sets; callers may memoise on top if they like.

/**
 * memray's `(Include|Objects|Modules|Python|cpython).*\.[c|h]$`, translated to JS regex
 * semantics: Python's `.` excludes only "\n" (JS's also excludes "\r", U+2028, U+2029) and
 * Python's `$` also matches just before a final "\n". The `[c|h]` class (which also accepts a
 * literal "|") is kept verbatim because parity, not intent, is the goal.
 */
const CPYTHON_SOURCE_FILE = /(?:Include|Objects|Modules|Python|cpython)[^\n]*\.[c|h]\n?$/;

/** Interpreter plumbing symbols that only forward calls (memray's SYMBOL_IGNORELIST). */
const IGNORED_SYMBOLS: ReadonlySet<string> = new Set([
  'PyObject_Call',
  'call_function',
  'classmethoddescr_call',
  'cmpwrapper_call',
  'do_call_core',
  'fast_function',
  'function_call',
  'function_code_fastcall',
  'instance_call',
  'instancemethod_call',
  'methoddescr_call',
  'proxy_call',
  'slot_tp_call',
  'trace_call_function',
  'type_call',
  'weakref_call',
  'wrap_call',
  'wrapper_call',
  'wrapperdescr_call',
]);

/** Functions of ceval.c that implement the `import` statements. */
const IMPORT_FUNCTIONS: ReadonlySet<string> = new Set(['import_name', 'import_from', 'import_all_from']);

/** True when the symbol alone makes the frame a candidate for being CPython-internal. */
function isInternalCandidate(fn: string, file: string): boolean {
  return (
    fn.includes('PyEval_EvalFrameEx') ||
    fn.includes('_PyEval_EvalFrameDefault') ||
    // Python 3.14's tail-calling interpreter emits LLVM-suffixed helpers (memray v1.19.2).
    (fn.startsWith('_TAIL_CALL_') && fn.includes('.llvm.')) ||
    fn.startsWith('PyEval') ||
    fn.startsWith('_Py') ||
    // Python lowercases with str.lower(); no non-ASCII character lowercases into one of these
    // letters, so toLowerCase() gives the same answer.
    fn.toLowerCase().includes('vectorcall') ||
    IGNORED_SYMBOLS.has(fn) ||
    file.includes('Objects/call.c')
  );
}

/** True when the frame is interpreter plumbing that memray drops while building the tree. */
export function isCpythonInternal(fn: string, file: string): boolean {
  // The symbol test is a handful of substring checks; run it first so the regex only sees
  // the few candidate frames.
  return isInternalCandidate(fn, file) && CPYTHON_SOURCE_FILE.test(file);
}

/** True when the frame belongs to the import machinery (hidden by the `i` toggle). */
export function isImportSystem(fn: string, file: string): boolean {
  if (file.includes('frozen importlib')) return true;
  return IMPORT_FUNCTIONS.has(fn) && file.endsWith('ceval.c');
}

/**
 * The model's `interesting` flag (§2.4 C): not import system, not runpy (suffix match, so
 * `myrunpy.py` counts too) and not CPython-internal.
 */
export function isInteresting(fn: string, file: string): boolean {
  // memray's is_frame_interesting leaves the import test to its caller (tree.py ANDs it in);
  // folding it in here means no caller can forget it, and ANDing it again is harmless.
  if (file.endsWith('runpy.py') || file === '<frozen runpy>') return false;
  return !isImportSystem(fn, file) && !isCpythonInternal(fn, file);
}
