/** docs/protocol.md is generated from protocol/src and must be current. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { generate } from '../tools/protocol-doc.js';
import { ROOT } from '../helpers/paths.js';

it('docs/protocol.md matches protocol/src (run `npm run docs:protocol` after changing the protocol)', () => {
  expect(fs.readFileSync(path.join(ROOT, 'docs/protocol.md'), 'utf8')).toBe(generate());
});

it('documents every method declared in protocol/src', () => {
  const doc = fs.readFileSync(path.join(ROOT, 'docs/protocol.md'), 'utf8');
  const methods: string[] = [];
  for (const f of fs.readdirSync(path.join(ROOT, 'protocol/src'))) {
    if (!f.endsWith('.ts')) continue;
    for (const m of fs.readFileSync(path.join(ROOT, 'protocol/src', f), 'utf8').matchAll(/method = '([a-z]+\/[a-zA-Z]+)'/g)) methods.push(m[1]!);
  }
  expect(methods.length).toBeGreaterThanOrEqual(11);
  for (const m of methods) expect(doc).toContain(`### \`${m}\``);
});
