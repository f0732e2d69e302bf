/**
 * The scripting snippets of docs/protocol.md work against a real memtreed, from a fresh
 * shell: the Python one (standard library only) and the Node one (no dependencies), and
 * `memtree rpc daemon/status`.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonInstance, tempStateDir } from '../helpers/daemon-instance.js';
import { CAPTURES, ROOT } from '../helpers/paths.js';
import { runMemtree } from '../helpers/run-cli.js';

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
