/**
 * Generates docs/protocol.md from protocol/src: every method and notification with its JSDoc,
 * params and result fields (from the interfaces' one-line JSDoc), an example, plus the framing
 * and scripting guide. `npm run docs:protocol` writes it; a unit test checks it is current.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { ROOT } from '../helpers/paths.js';
import { EXAMPLES, GUIDE } from './protocol-doc-text.js';

const SRC = path.join(ROOT, 'protocol/src');
const FILES = ['daemon.ts', 'capture.ts', 'memory.ts', 'tree.ts', 'threads.ts', 'elided.ts', 'node.ts', 'tree-document.ts', 'errors.ts'];

interface Method {
  name: string;
  kind: 'request' | 'notification';
  doc: string;
  params?: string;
  result?: string;
}

function jsDoc(node: ts.Node): string {
  const docs = (node as { jsDoc?: ts.JSDoc[] }).jsDoc ?? [];
  return docs
    .map((d) => (typeof d.comment === 'string' ? d.comment : ''))
    .join(' ')
    .replace(/\s+/g, ' ')
    .replace(/</g, '&lt;')
    .trim();
}

export function generate(): string {
  const methods: Method[] = [];
  const types = new Map<
    string,
    { doc: string; fields: { name: string; type: string; optional: boolean; doc: string }[]; text?: string; extends?: string[] }
  >();
  const codes: { name: string; value: string; doc: string }[] = [];
  for (const f of FILES) {
    const file = path.join(SRC, f);
    const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    sf.forEachChild((node) => {
      if (ts.isModuleDeclaration(node) && node.body !== undefined && ts.isModuleBlock(node.body)) {
        let method: string | undefined;
        let kind: Method['kind'] = 'request';
        let params: string | undefined;
        let result: string | undefined;
        for (const st of node.body.statements) {
          if (!ts.isVariableStatement(st)) continue;
          for (const d of st.declarationList.declarations) {
            const init = d.initializer;
            if (d.name.getText() === 'method' && init !== undefined && ts.isAsExpression(init) && ts.isStringLiteral(init.expression)) {
              method = init.expression.text;
            }
            if (d.name.getText() === 'type' && init !== undefined && ts.isNewExpression(init)) {
              const ctor = init.expression.getText();
              const args = init.typeArguments?.map((a) => a.getText()) ?? [];
              kind = ctor.startsWith('Notification') ? 'notification' : 'request';
              if (ctor === 'RequestType0') result = args[0];
              else if (ctor === 'RequestType') [params, result] = args;
              else params = args[0];
            }
            if (node.name.text === 'MemtreeErrorCodes' && init !== undefined && ts.isAsExpression(init)) {
              codes.push({ name: d.name.getText(), value: init.expression.getText(), doc: jsDoc(st) });
            }
          }
        }
        if (method !== undefined) methods.push({ name: method, kind, doc: jsDoc(node), params, result });
      }
      if (ts.isInterfaceDeclaration(node)) {
        types.set(node.name.text, {
          extends: node.heritageClauses?.flatMap((h) => h.types.map((t) => t.expression.getText())),
          doc: jsDoc(node),
          fields: node.members.filter(ts.isPropertySignature).map((m) => ({
            name: m.name.getText(),
            type: m.type?.getText().replace(/\s+/g, ' ') ?? 'unknown',
            optional: m.questionToken !== undefined,
            doc: jsDoc(m),
          })),
        });
      }
      if (ts.isTypeAliasDeclaration(node)) {
        types.set(node.name.text, { doc: jsDoc(node), fields: [], text: node.type.getText().replace(/\s*\/\*\*[^*]*\*\/\s*/g, ' ').replace(/\s+/g, ' ') });
      }
    });
  }

  const out: string[] = [GUIDE.trim(), '', '## Methods', ''];
  const referenced = new Set<string>();
  const typeLink = (t: string): string =>
    t.replace(/\b([A-Z][A-Za-z]+)\b/g, (m) => {
      if (!types.has(m)) return m;
      referenced.add(m);
      return `[${m}](#${m.toLowerCase()})`;
    });
  for (const m of methods) {
    if (m.doc === '') throw new Error(`protocol method ${m.name} has no JSDoc`);
    out.push(`### \`${m.name}\` (${m.kind})`, '', m.doc, '');
    if (m.params !== undefined) out.push(`- params: ${typeLink(`\`${m.params}\``.replace(/`(\w+)`/, '$1'))}`);
    else if (m.kind === 'request') out.push('- params: none');
    if (m.result !== undefined) out.push(`- result: ${typeLink(m.result)}`);
    const ex = EXAMPLES[m.name];
    if (ex === undefined) throw new Error(`no example for ${m.name} in protocol-doc-text.ts`);
    out.push('', '```json', ex.trim(), '```', '');
  }
  out.push('## Types', '');
  const seen = new Set<string>();
  const queue = [...referenced];
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const t = types.get(name)!;
    out.push(`### ${name}`, '');
    if (t.doc !== '') out.push(t.doc, '');
    if (t.text !== undefined) out.push('```ts', t.text, '```', '');
    if (t.extends !== undefined && t.extends.length > 0) out.push(`All the fields of ${t.extends.map((e) => typeLink(e)).join(', ')}, and:`, '');
    if (t.fields.length > 0) {
      out.push('| field | type | meaning |', '| --- | --- | --- |');
      for (const f of t.fields) {
        if (f.doc === '') throw new Error(`protocol field ${name}.${f.name} has no JSDoc`);
        out.push(`| \`${f.name}${f.optional ? '?' : ''}\` | ${typeLink(f.type).replace(/\|/g, '\\|')} | ${f.doc} |`);
      }
      out.push('');
    }
    for (const r of referenced) if (!seen.has(r)) queue.push(r);
  }
  out.push('## Error codes', '', '| name | code | meaning |', '| --- | --- | --- |');
  for (const c of codes) out.push(`| ${c.name} | ${c.value} | ${c.doc} |`);
  out.push(
    '| (JSON-RPC) ParseError / InvalidRequest / MethodNotFound / InvalidParams / InternalError | -32700 / -32600 / -32601 / -32602 / -32603 | as in JSON-RPC 2.0 |',
    '',
  );
  return `${out.join('\n').trimEnd()}\n`;
}

const target = path.join(ROOT, 'docs/protocol.md');
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  fs.writeFileSync(target, generate());
  process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
}
