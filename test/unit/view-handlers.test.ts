/**
 * The view methods as plain handler calls over a real index: capture/threads against memray's
 * own records, tree/search against a walk of the exported view, bad expressions as
 * InvalidPattern errors naming the position, and the expression dialect itself.
 */
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ResponseError } from 'vscode-jsonrpc';
import { MemtreeErrorCodes, type PatternErrorData } from '../../protocol/src/errors.js';
import { compilePattern, PatternError } from '../../protocol/src/pattern.js';
import type { TreeDocumentNode } from '../../protocol/src/tree-document.js';
import type { ViewOptions } from '../../protocol/src/tree.js';
import * as capture from '../../daemon/src/handlers/capture.js';
import type { ConnectionContext } from '../../daemon/src/handlers/context.js';
import * as tree from '../../daemon/src/handlers/tree.js';
import { tempStateDir } from '../helpers/daemon-instance.js';
import { readExpected } from '../helpers/expected.js';
import { handlerContext } from '../helpers/handler-context.js';
import { CAPTURES } from '../helpers/paths.js';

let ctx: ConnectionContext;
let captureId: string;
const view: ViewOptions = { mode: { kind: 'peak' }, biggestAllocs: 200, hideImportSystem: false, hideUninteresting: true };

beforeAll(async () => {
  ctx = handlerContext(path.join(tempStateDir(), 'index'));
  captureId = (await capture.open(ctx, { path: path.join(CAPTURES, 'threads.bin') })).captureId;
}, 60_000);

async function patternError(p: Promise<unknown>): Promise<PatternErrorData> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ResponseError);
    expect((err as ResponseError<unknown>).code).toBe(MemtreeErrorCodes.InvalidPattern);
    return (err as ResponseError<PatternErrorData>).data!;
  }
  throw new Error('no error');
}

describe('capture/threads', () => {
  it('gives memray’s thread labels with the bytes, allocations and records of each', async () => {
    const { records } = readExpected<{ records: { size: number; n_allocations: number; tid: number; thread_name: string }[] }>('threads', 'peak-records.json');
    const want = new Map<string, { label: string; bytes: number; allocations: number; records: number }>();
    for (const r of records) {
      const label = r.thread_name ? `0x${r.tid.toString(16)} (${r.thread_name})` : `0x${r.tid.toString(16)}`;
      const t = want.get(label) ?? { label, bytes: 0, allocations: 0, records: 0 };
      want.set(label, { label, bytes: t.bytes + r.size, allocations: t.allocations + r.n_allocations, records: t.records + 1 });
    }
    const got = await tree.threads(ctx, { captureId, mode: { kind: 'peak' } });
    expect(got.threads.length).toBeGreaterThan(1);
    expect([...got.threads].sort((a, b) => a.label.localeCompare(b.label))).toEqual([...want.values()].sort((a, b) => a.label.localeCompare(b.label)));
    for (let i = 1; i < got.threads.length; i++) expect(got.threads[i - 1]!.bytes).toBeGreaterThanOrEqual(got.threads[i]!.bytes);
  });
});

describe('tree/search', () => {
  for (const [what, query, regex, test] of [
    ['text, any case', 'WORKER', false, (s: string) => s.toLowerCase().includes('worker')],
    ['regex', '^_boot|threading', true, (s: string) => /^_boot|threading/.test(s)],
  ] as const) {
    it(`${what}: the displayed matches in display order, each with its path, paged`, async () => {
      for (const v of [view, { ...view, inverted: true }, { ...view, hideUninteresting: false, focus: 'worker' }]) {
        const doc = await tree.exportTree(ctx, { captureId, mode: v.mode, biggestAllocs: 0, view: v });
        // The literal answer: a preorder walk of the exported view.
        const want: string[] = [];
        const walk = (n: TreeDocumentNode, chain: string[]) => {
          for (const c of n.children) {
            const here = [...chain, `${c.function}|${c.file}|${c.line}`];
            if (test(c.function) || test(c.file)) want.push(here.join(' > '));
            walk(c, here);
          }
        };
        walk(doc.root, []);
        expect(want.length).toBeGreaterThan(0);
        const got: string[] = [];
        for (let offset = 0; ; offset += 2) {
          const page = await tree.search(ctx, { captureId, view: v, query, regex, offset, limit: 2 });
          expect(page.total).toBe(want.length);
          for (const m of page.matches) {
            expect(m.path[0]).toBe(0);
            expect(m.path[m.path.length - 1]).toBe(m.node.id);
            // Each step of the path is a displayed child of the one before.
            const names: string[] = [];
            for (let i = 1; i < m.path.length; i++) {
              const kids = await tree.expand(ctx, { captureId, view: v, nodeId: m.path[i - 1], limit: 10000 });
              const step = kids.nodes.find((n) => n.id === m.path[i]);
              expect(step).toBeDefined();
              names.push(`${step!.function}|${step!.file}|${step!.line}`);
            }
            got.push(names.join(' > '));
          }
          if (page.matches.length < 2) break;
        }
        expect(got).toEqual(want);
      }
    });
  }
});

describe('bad expressions', () => {
  it('are InvalidPattern errors naming the field and the position', async () => {
    for (const [field, pattern, position, reason] of [
      ['focus', 'wor(ker', 3, 'missing ), unterminated subpattern'],
      ['ignore', 'a)b', 1, 'unbalanced parenthesis'],
      ['showFrom', '*main', 0, 'nothing to repeat'],
      ['hide', 'x[ab', 1, 'unterminated character set'],
      ['focus', 'ab\\', 2, 'bad escape (end of pattern)'],
      ['focus', 'a**', 2, 'multiple repeat'],
    ] as const) {
      const data = await patternError(tree.root(ctx, { captureId, view: { ...view, [field]: pattern } }));
      expect(data).toEqual({ field, pattern, position, reason });
    }
    expect(await patternError(tree.search(ctx, { captureId, view, query: '(', regex: true }))).toMatchObject({ field: 'query', position: 0 });
  });

  it('the dialect: a search, Python named groups accepted, lazy quantifiers fine', () => {
    expect(compilePattern('focus', 'ork').test('worker')).toBe(true);
    expect(compilePattern('focus', '(?P<n>w)or(?P=n)?k').test('worker')).toBe(true);
    expect(compilePattern('focus', 'w.*?r$').test('worker')).toBe(true);
    expect(() => compilePattern('focus', '(?<x')).toThrow(PatternError);
  });
});
