/**
 * The scripting snippets of docs/protocol.md work against a real memtreed, from a fresh
 * shell: the Python one (standard library only) and the Node one (no dependencies), and
 * `memtree rpc daemon/status`. And the doc against the code: the protocol version it names,
 * and each example request answered as documented (the last one stops the daemon).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureOpenRequest } from '../../protocol/src/capture.js';
import type { InitializeResult } from '../../protocol/src/daemon.js';
import { PROTOCOL_VERSION } from '../../protocol/src/version.js';
import { HANDLED_METHODS } from '../../daemon/src/server.js';
import { DaemonInstance, tempStateDir } from '../helpers/daemon-instance.js';
import { CAPTURES, ROOT } from '../helpers/paths.js';
import { runMemtree } from '../helpers/run-cli.js';
import { EXAMPLES } from '../tools/protocol-doc-text.js';

const run = promisify(execFile);

function snippet(lang: string): string {
  const doc = fs.readFileSync(path.join(ROOT, 'docs/protocol.md'), 'utf8');
  const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(doc);
  if (m === null) throw new Error(`no ${lang} snippet in docs/protocol.md`);
  return m[1]!;
}

/** Whether a python3 is on PATH (the test skips, saying so, where there is none). */
function hasPython(): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((d) => fs.existsSync(path.join(d, 'python3')));
}

let daemon: DaemonInstance;
let dir: string;
beforeAll(async () => {
  daemon = await DaemonInstance.start();
  dir = tempStateDir('memtree-snippets-');
});
afterAll(async () => {
  await daemon.stop();
});

const capture = path.join(CAPTURES, 'simple.bin');

describe('docs/protocol.md snippets', () => {
  it('the Node snippet prints the peak and the top locations', async () => {
    const file = path.join(dir, 'tree_top.mjs');
    fs.writeFileSync(file, snippet('js'));
    const { stdout } = await run(process.execPath, [file, daemon.socket, capture], { cwd: dir });
    expect(stdout).toContain('peak memory: 19138731 bytes');
    expect(stdout).toMatch(/19135935 _run_tracker .*run\.py:83/);
  });

  it.skipIf(!hasPython())('the Python snippet prints the peak and the top locations', async () => {
    const file = path.join(dir, 'tree_top.py');
    fs.writeFileSync(file, snippet('python'));
    const { stdout } = await run('python3', [file, daemon.socket, capture], { cwd: dir, env: { PATH: process.env.PATH } });
    expect(stdout).toContain('peak memory: 19138731 bytes');
    expect(stdout).toMatch(/19135935 {2}_run_tracker {2}.*run\.py:83/);
  });

  it('memtree rpc daemon/status works from a fresh shell', async () => {
    const r = await runMemtree(['rpc', 'daemon/status'], { env: { MEMTREE_STATE_DIR: daemon.stateDir } });
    expect(r.code).toBe(0);
    const status = JSON.parse(r.stdout);
    expect(status.pid).toBe(daemon.pid);
    expect(status.socket).toBe(daemon.socket);
  });
});

describe('docs/protocol.md against the code', () => {
  it('names the protocol version the code speaks', () => {
    const doc = fs.readFileSync(path.join(ROOT, 'docs/protocol.md'), 'utf8');
    const named = [...doc.matchAll(/"?protocolVersion"?:? ['"](\d+\.\d+)['"]/g)].map((m) => m[1]);
    expect(named.length).toBeGreaterThanOrEqual(4);
    expect(new Set(named)).toEqual(new Set([PROTOCOL_VERSION]));
  });

  it('every example request of a method the daemon answers gets the documented answer from a real memtreed', async () => {
    const doc = fs.readFileSync(path.join(ROOT, 'docs/protocol.md'), 'utf8');
    const rpc = await daemon.connect();
    try {
      const simple = path.join(ROOT, 'examples/simple.bin');
      const { captureId } = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: simple });
      // Every method the daemon answers is documented with an example.
      expect(HANDLED_METHODS.filter((m) => EXAMPLES[m] === undefined)).toEqual([]);
      // These end the capture's (or the daemon's) life, so they come after everything that uses it.
      const last = ['capture/forget', 'cache/clear', 'daemon/shutdown'];
      const order = [...HANDLED_METHODS.filter((m) => !last.includes(m)), ...last];
      for (const method of order) {
        const lines = EXAMPLES[method]!.split('\n');
        const sent = lines.find((l) => l.startsWith('→ '))!.slice(2);
        const answer = lines.filter((l) => l.startsWith('← ')).map((l) => l.slice(2)).at(-1)!;
        // The examples come from a session in /home/me; here the capture has this daemon's id.
        const req = JSON.parse(sent.replaceAll('718fe4f772301b7f9b664ccc', captureId).replace('"cwd": "/home/me"', `"cwd": ${JSON.stringify(ROOT)}`)) as {
          method: string;
          params?: unknown;
        };
        expect(req.method).toBe(method);
        const result: unknown = req.params === undefined ? await rpc.conn.sendRequest(method) : await rpc.conn.sendRequest(method, req.params);
        let documented: { result: unknown } | undefined;
        try {
          documented = JSON.parse(answer) as { result: unknown };
        } catch {
          documented = undefined; // abridged with "…": only its success is checked
        }
        if (documented === undefined) continue;
        const keys = (v: unknown): string[] => (typeof v === 'object' && v !== null ? Object.keys(v).sort() : []);
        // What the example shows exists, and whatever comes back is documented in a field table
        // (optional fields may be absent from an example).
        expect(keys(result), method).toEqual(expect.arrayContaining(keys(documented.result)));
        for (const k of keys(result)) expect(doc, `${method} result field ${k}`).toMatch(new RegExp(`\\| \`${k}\\??\` \\|`));
        if (method === 'daemon/initialize') {
          const r = result as InitializeResult;
          const shown = documented.result as InitializeResult;
          expect(r.protocolVersion).toBe(shown.protocolVersion);
          expect(r.capabilities).toEqual(shown.capabilities);
        }
      }
    } finally {
      rpc.close();
    }
    await daemon.exited();
  });
});
