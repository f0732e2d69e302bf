/**
 * Whether this machine has the binaries native_sqlite.bin's ground truth was symbolized with
 * (memray resolves native symbols at read time from the reading machine's libraries).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Image } from '../../daemon/src/native/image.js';
import { FIXTURES } from './paths.js';

interface ImageFact {
  path: string;
  buildId: string | null;
  debugFile: string | null;
}

/** Why this machine's libraries cannot reproduce memray's symbols, or undefined if they can. */
function nativeSqliteDifference(): string | undefined {
  const facts = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'native/native-sqlite-images.json'), 'utf8')) as { images: ImageFact[] };
  for (const f of facts.images) {
    const img = Image.open(f.path);
    const lib = path.basename(f.path);
    if (img.status !== 'ok') return `${lib} is missing (${f.path})`;
    const id = img.buildId() ?? null;
    if (id !== f.buildId) return `${lib} build-id ${id} != ${f.buildId}`;
    if ((img.debugFile ?? null) !== f.debugFile) return `${lib} debug file ${img.debugFile ?? 'none'} != ${f.debugFile ?? 'none'}`;
  }
  return undefined;
}

/** The skip message of tests needing those binaries. */
export function nativeSkipReason(): string | undefined {
  const r = nativeSqliteDifference();
  return r === undefined ? undefined : `system libraries differ from those the ground truth was made with: ${r}`;
}
