/**
 * Views against memray's own answers (docs/views.md): every `query-*.json` case of every
 * vendored capture through the CLI flags (`memtree tree --json --thread/--focus/--ignore/
 * --show-from/--hide -b B`), with and without the daemon, equals memray's tree of the filtered
 * records (nodes, bytes, allocations, order, thread labels, flags, elided); every
 * `inverted-*.json` (`--inverted -b 1000000`, `--hide-import-system` for *-noimports-*,
 * `--leaks` for *-leaks-*) has memray's nodes, bytes and allocations. Flags are typed in
 * reverse order: the filters apply in the documented order whatever the order typed.
 *
 * One known difference: for --aggregate captures memray's merge_threads=True (which the
 * inverted references use) adds 1, not the record's count, per extra thread's record of a
 * stack (snapshot.cpp getSnapshotAllocations), so its allocation counts are too low there;
 * those files are compared on nodes and bytes (docs/views.md).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TreeDocument, TreeDocumentNode } from '../../protocol/src/tree-document.js';
import { DaemonInstance } from '../helpers/daemon-instance.js';
import { fromDocument, fromMemray, readExpected, type MemrayFrame, type MemrayTreeFile } from '../helpers/expected.js';
import { runTreeInProcess } from '../helpers/in-process-cli.js';
import { nativeSkipReason } from '../helpers/native-env.js';
import { CAPTURES, EXPECTED } from '../helpers/paths.js';

interface QueryCase {
  slug: string;
  filters: string[];
  files: string[];
}

const NATIVE_SKIP = nativeSkipReason();

/** CLI flags of one reference filter ("focus=^main$" -> --focus ^main$). */
function filterFlags(f: string): string[] {
  const eq = f.indexOf('=');
  const [kind, value] = [f.slice(0, eq), f.slice(eq + 1)];
  const option = { thread: '--thread', focus: '--focus', ignore: '--ignore', show_from: '--show-from', hide: '--hide' }[kind];
  if (option === undefined) throw new Error(`unknown filter ${f}`);
  return [`${option}=${value}`];
}

function capturesWith(file: string): string[] {
  return fs
    .readdirSync(EXPECTED)
    .filter((c) => fs.existsSync(path.join(EXPECTED, c, `${file}.gz`)) && fs.existsSync(path.join(CAPTURES, `${c}.bin`)))
    .sort();
}

async function tree(args: string[], stateDir: string | undefined): Promise<TreeDocument> {
  const r = await runTreeInProcess(['--json', ...args, ...(stateDir === undefined ? ['--no-daemon'] : ['--state-dir', stateDir])]);
  expect(r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('memtree: warning:'))).toEqual([]);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as TreeDocument;
}

/** memray's flame graph locations are HTML-escaped. */
function unescape(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&amp;/g, '&');
}

interface Shape {
  at: string;
  bytes: number;
  allocations: number;
  children: Shape[];
}

/** Nodes with bytes and allocations, children as a set (sorted by location). */
function shape(location: (n: never) => string, bytesOf: (n: never) => number, allocsOf: (n: never) => number, kids: (n: never) => never[]) {
  const conv = (n: never, root: boolean): Shape => ({
    at: root ? '<root>' : location(n),
    bytes: bytesOf(n),
    allocations: allocsOf(n),
    children: kids(n)
      .map((c) => conv(c, false))
      .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : b.bytes - a.bytes)),
  });
  return (n: never) => conv(n, true);
}

const memrayShape = shape(
  (n: MemrayFrame) => unescape(`${n.location[0]}\0${n.location[1]}\0${n.location[2]}`),
  (n: MemrayFrame) => n.value,
  (n: MemrayFrame) => n.n_allocations,
  (n: MemrayFrame) => n.children as never[],
) as (n: MemrayFrame) => Shape;
const ourShape = shape(
  (n: TreeDocumentNode) => `${n.function}\0${n.file}\0${n.line}`,
  (n: TreeDocumentNode) => n.bytes,
  (n: TreeDocumentNode) => n.allocations,
  (n: TreeDocumentNode) => n.children as never[],
) as (n: TreeDocumentNode) => Shape;

let daemon: DaemonInstance;
beforeAll(async () => {
  daemon = await DaemonInstance.start();
}, 60_000);
afterAll(async () => {
  await daemon?.stop();
});

for (const via of ['daemon', 'no-daemon'] as const) {
  const stateDir = () => (via === 'daemon' ? daemon.stateDir : undefined);

  describe(`query-*.json cases through the CLI flags (${via})`, () => {
    for (const capture of capturesWith('query-cases.json')) {
      const skip = capture === 'native_sqlite' ? NATIVE_SKIP : undefined;
      it.skipIf(skip !== undefined)(`${capture}`, async () => {
        const { cases } = readExpected<{ cases: QueryCase[] }>(capture, 'query-cases.json');
        expect(cases.length).toBeGreaterThan(0);
        for (const c of cases) {
          for (const file of c.files) {
            const expected = readExpected<MemrayTreeFile & { filters: string[] }>(capture, file);
            const flags = [...c.filters].reverse().flatMap(filterFlags);
            const doc = await tree([...flags, '-b', String(expected.biggest_allocs), path.join(CAPTURES, `${capture}.bin`)], stateDir());
            const label = `${capture} ${file} (${flags.join(' ')})`;
            expect(fromDocument(doc.root), label).toEqual(fromMemray(expected));
            const e = expected.elided_locations;
            expect(doc.elided, label).toEqual({ locations: e.n_locations, allocations: e.n_allocations, bytes: e.n_bytes });
          }
        }
      }, 120_000);
    }
  });

  describe(`inverted-*.json through --inverted (${via})`, () => {
    for (const capture of capturesWith('inverted-b1000000.json')) {
      const skip = capture === 'native_sqlite' ? NATIVE_SKIP : undefined;
      it.skipIf(skip !== undefined)(`${capture}`, async () => {
        for (const file of ['inverted-b1000000.json', 'inverted-noimports-b1000000.json', 'inverted-leaks-b1000000.json', 'inverted-leaks-noimports-b1000000.json']) {
          const expected = readExpected<{ tree: MemrayFrame }>(capture, file);
          const flags = ['--inverted', '-b', '1000000', ...(file.includes('noimports') ? ['--hide-import-system'] : []), ...(file.includes('leaks') ? ['--leaks'] : [])];
          const doc = await tree([...flags, path.join(CAPTURES, `${capture}.bin`)], stateDir());
          const aggregated = doc.capture.fileFormat === 'aggregated';
          const drop = (n: Shape): Shape => ({ ...n, allocations: aggregated ? 0 : n.allocations, children: n.children.map(drop) });
          expect(drop(ourShape(doc.root)), `${capture} ${file}`).toEqual(drop(memrayShape(expected.tree)));
          expect(doc.view).toMatchObject({ inverted: true, hideImportSystem: file.includes('noimports') });
        }
      }, 120_000);
    }
  });
}
