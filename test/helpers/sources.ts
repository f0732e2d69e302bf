/**
 * Source lookup for tests: files are read only under the test's own directories, so no test
 * depends on what else the machine has (memray installed at the paths a capture names, say).
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { readSourceFile, type FileLines } from '../../daemon/src/source/read-source.js';
import { FIXTURES } from './paths.js';

/** A source reader that reads files under `dirs` and finds nothing anywhere else. */
export function readOnlyUnder(...dirs: string[]): (file: string) => FileLines {
  return (file) => (dirs.some((d) => file === d || file.startsWith(d + path.sep)) ? readSourceFile(file) : { problem: 'no such file' });
}

/** The fixtures and the temporary directory: everything a test may have written or vendored. */
export const testSources = readOnlyUnder(FIXTURES, os.tmpdir());
