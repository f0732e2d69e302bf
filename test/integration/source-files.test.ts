/**
 * Source files a capture names, read by a real memtreed: a capture may come from anyone, so
 * node/detail reads only regular files (a FIFO would block the daemon, a device or /proc file
 * has effects or secrets), at most 4 MiB, and says where it looked when it shows nothing. In
 * the interactive view: line numbers, --source-root / MEMTREE_SOURCE_ROOTS, --no-source.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureOpenRequest } from '../../protocol/src/capture.js';
import { DaemonStatusRequest } from '../../protocol/src/daemon.js';
import { NodeDetailRequest, type NodeDetailResult } from '../../protocol/src/node.js';
import { TreeExpandRequest, type ViewOptions } from '../../protocol/src/tree.js';
import { stacksCapture } from '../helpers/capture-writer.js';
import { DaemonInstance, type Rpc } from '../helpers/daemon-instance.js';
import { tempDir } from '../helpers/paths.js';
import { PtySession } from '../helpers/pty-session.js';

const VIEW: ViewOptions = { mode: { kind: 'peak' }, biggestAllocs: 200, hideImportSystem: false, hideUninteresting: false };

let daemon: DaemonInstance;
let rpc: Rpc;
let dir: string;
beforeAll(async () => {
  daemon = await DaemonInstance.start();
  rpc = await daemon.connect();
  dir = tempDir('memtree-sources-');
});
afterAll(async () => {
  rpc?.close();
  await daemon.stop();
});

/** Writes a capture with one allocation per frame (sizes falling, so children come in this order). */
function captureOf(name: string, frames: readonly (readonly [fn: string, file: string, line: number])[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, stacksCapture(frames.map((f, i) => ({ size: 1000 - i, stack: [f] }))));
  return file;
}

/** node/detail of every top-level node, each within 30 s (a blocked daemon fails the test). */
async function details(capture: string): Promise<Map<string, NodeDetailResult>> {
  const open = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: capture });
  const top = await rpc.conn.sendRequest(TreeExpandRequest.type, { captureId: open.captureId, view: VIEW, nodeId: 0, limit: 100 });
  const out = new Map<string, NodeDetailResult>();
  for (const n of top.nodes) {
    const asked = rpc.conn.sendRequest(NodeDetailRequest.type, { captureId: open.captureId, view: VIEW, nodeId: n.id, context: 2 });
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`node/detail of ${n.file} did not answer`)), 30_000).unref());
    out.set(n.function, await Promise.race([asked, timeout]));
  }
  return out;
}

describe('node/detail reads only regular files', () => {
  it('a FIFO, devices, /proc, a big file: no bytes, never blocked, and it says why; a private file of the user is shown', async () => {
    const fifo = path.join(dir, 'fifo.py');
    execFileSync('mkfifo', [fifo]);
    const toDevice = path.join(dir, 'device-link.py');
    fs.symlinkSync('/dev/zero', toDevice);
    const big = path.join(dir, 'big.py');
    fs.writeFileSync(big, '');
    fs.truncateSync(big, 5 << 20); // sparse: 5 MiB of NULs, more than the 4 MiB cap
    const other = tempDir('memtree-private-');
    const secret = path.join(other, 'secret.py');
    fs.writeFileSync(secret, 'SECRET = "only mine"\n', { mode: 0o600 });
    const ok = path.join(dir, 'ok.py');
    fs.writeFileSync(ok, 'a = 1\nb = 2\nc = 3\n');
    const capture = captureOf('special.bin', [
      ['fifo', fifo, 1],
      ['zero', '/dev/zero', 1],
      ['tty', '/dev/tty', 1],
      ['link', toDevice, 1],
      ['environ', '/proc/self/environ', 1],
      ['big', big, 1],
      ['secret', secret, 1],
      ['ok', ok, 2],
    ]);
    const d = await details(capture);
    const tried = (fn: string): unknown => ({ source: d.get(fn)!.source, tried: d.get(fn)!.sourceTried });
    expect(tried('fifo')).toEqual({ source: null, tried: [{ path: fifo, problem: 'not a regular file (not read)' }] });
    expect(tried('zero')).toEqual({ source: null, tried: [{ path: '/dev/zero', problem: 'a system file (not read)' }] });
    expect(tried('tty')).toMatchObject({ source: null, tried: [{ path: '/dev/tty' }] });
    expect(tried('link')).toEqual({ source: null, tried: [{ path: toDevice, problem: 'a system file (not read)' }] });
    expect(tried('environ')).toEqual({ source: null, tried: [{ path: '/proc/self/environ', problem: 'a system file (not read)' }] });
    expect(tried('big')).toEqual({ source: null, tried: [{ path: big, problem: 'larger than 4 MiB (not read)' }] });
    // The daemon serves only its own user (its socket is 0700): a file that user can read is theirs to see.
    expect(d.get('secret')!.source).toEqual({ path: secret, firstLine: 1, lines: ['SECRET = "only mine"'] });
    expect(d.get('ok')!.source).toEqual({ path: ok, firstLine: 1, lines: ['a = 1', 'b = 2', 'c = 3'] });
    // And the daemon is still there for everyone.
    expect((await rpc.conn.sendRequest(DaemonStatusRequest.type)).pid).toBe(daemon.pid);
  });
});

describe('the code pane in the interactive view', () => {
  let capture: string;
  let checkout: string;
  const recorded = '/nonexistent-build-host/app/pkg/mod.py';
  beforeAll(() => {
    checkout = tempDir('memtree-checkout-');
    fs.mkdirSync(path.join(checkout, 'pkg'));
    const long = `x = "${'y'.repeat(200)}"`;
    fs.writeFileSync(path.join(checkout, 'pkg', 'mod.py'), ['import os', 'def f():', '    return bytearray(1000)', long, '', 'f()'].join('\n'));
    capture = captureOf('checkout.bin', [['f', recorded, 3]]);
  });

  /**
   * The screen once the cursor is on f and `until` holds; the view may be caught halfway through
   * a redraw, so `until` checks the last part of what the test looks at.
   */
  async function panelOf(args: string[], env: NodeJS.ProcessEnv = {}, until: (screen: string) => boolean): Promise<string> {
    const s = PtySession.memtree(['tree', '--state-dir', daemon.stateDir, ...args, capture], { cols: 120, rows: 24, env });
    try {
      await s.waitFor((l) => l.some((x) => x.includes('<ROOT>')), 20_000, 'the first screen');
      s.write('\x1b[B'); // down: the cursor on f
      const lines = await s.waitFor((l) => until(l.join('\n')), 20_000, 'the panel');
      s.write('q');
      expect(await s.exited()).toBe(0);
      return lines.join('\n');
    } finally {
      s.kill();
    }
  }

  it('not found: says where it looked and how to point elsewhere', async () => {
    const screen = await panelOf([], { MEMTREE_SOURCE_ROOTS: '' }, (t) => t.includes('--source-root DIR'));
    // The detail column's text, its wrapped lines joined again.
    const pane = screen
      .split('\n')
      .map((l) => l.split('│ ')[1] ?? '')
      .join(' ')
      .replace(/\s+/g, ' ');
    expect(pane, screen).toContain(`Source not found; looked for: ${recorded} (no such file) Another checkout of mod.py? memtree tree --source-root DIR`);
  });

  it('--source-root DIR: the checkout’s lines, numbered, the frame’s line marked, long lines cut with …', async () => {
    const screen = await panelOf(['--source-root', checkout], {}, (t) => /│ 6 f\(\)/.test(t));
    const lines = screen.split('\n');
    expect(lines.find((l) => l.includes('bytearray'))).toMatch(/│▶3 {5}return bytearray\(1000\)\s*$/);
    expect(lines.find((l) => l.includes('def f'))).toMatch(/│ 2 def f\(\):\s*$/);
    expect(lines.find((l) => l.includes('x = "y'))).toMatch(/│ 4 x = "y+…\s*$/);
  });

  it('MEMTREE_SOURCE_ROOTS does the same; --no-source reads nothing', async () => {
    const viaEnv = await panelOf([], { MEMTREE_SOURCE_ROOTS: `/nowhere${path.delimiter}${checkout}` }, (t) => /│ 6 f\(\)/.test(t));
    expect(viaEnv).toMatch(/▶3 {5}return bytearray/);
    const none = await panelOf(['--no-source', '--source-root', checkout], {}, (t) => t.includes('Function: f'));
    expect(none).not.toContain('bytearray');
    expect(none).not.toContain('looked for');
  });
});
