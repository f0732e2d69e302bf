/**
 * `memtree daemon logs` as a user runs it, against a real memtreed's log: readable by default,
 * raw JSON with --json, -n N (N >= 1), -f following the file across a rotation; and what the
 * daemon logs: failed jobs with their reason, connects and disconnects only at debug level.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CaptureOpenRequest } from '../../protocol/src/capture.js';
import { memtreePaths } from '../../protocol/src/node/paths.js';
import { DaemonInstance, tempStateDir, waitFor } from '../helpers/daemon-instance.js';
import { CAPTURES, MEMTREE_BIN } from '../helpers/paths.js';
import { runMemtree } from '../helpers/run-cli.js';

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function daemon(args: string[] = []): Promise<DaemonInstance> {
  const d = await DaemonInstance.start({ args });
  cleanup.push(() => fs.rmSync(d.stateDir, { recursive: true, force: true }));
  cleanup.push(() => d.stop());
  return d;
}

/** Opens a good and a garbage capture (its job fails) on one connection, then disconnects. */
async function someTraffic(d: DaemonInstance): Promise<string> {
  const garbage = path.join(d.stateDir, 'garbage.bin');
  fs.writeFileSync(garbage, Buffer.alloc(4096, 0x5a));
  const rpc = await d.connect();
  await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: path.join(CAPTURES, 'simple.bin') });
  await expect(rpc.conn.sendRequest(CaptureOpenRequest.type, { path: garbage })).rejects.toThrow(/garbage\.bin/);
  rpc.close();
  return garbage;
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('memtree daemon logs', () => {
  it('prints the log readably, --json raw, -n N lines; a failed job logs its reason; connects are not logged at info', async () => {
    const d = await daemon();
    await someTraffic(d);
    const env = { MEMTREE_STATE_DIR: d.stateDir };
    const raw = await waitFor(async () => {
      const r = await runMemtree(['daemon', 'logs', '--json', '-n', '1000'], { env });
      return r.stdout.includes('job failed') ? r : undefined;
    });
    expect(raw.code).toBe(0);
    const lines = jsonLines(raw.stdout);
    const failed = lines.find((l) => String(l.msg).startsWith('job failed: '));
    expect(failed?.msg).toContain(path.join(d.stateDir, 'garbage.bin'));
    expect((failed!.failure as { reason: string }).reason).toMatch(/\w/);
    expect(failed!.level).toBe(40);
    expect((failed!.failure as { kind: string }).kind).toBe('capture');
    // Connects, handshakes and disconnects are debug lines: not in an info log.
    expect(lines.map((l) => l.msg)).not.toContain('client connected');
    expect(lines.map((l) => l.msg)).not.toContain('client disconnected');

    const pretty = await runMemtree(['daemon', 'logs'], { env });
    expect(pretty.code).toBe(0);
    expect(pretty.stdout).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] INFO \(\d+\): memtreed listening$/m);
    expect(pretty.stdout).toMatch(/^\[.*\] WARN \(\d+\): job failed: /m);
    expect(pretty.stdout).not.toMatch(/^\{"level"/m);
    // NO_COLOR is set by runMemtree, and stdout is a pipe: no escape sequences.
    expect(pretty.stdout).not.toContain('\x1b[');

    const two = await runMemtree(['daemon', 'logs', '--json', '-n', '2'], { env });
    expect(jsonLines(two.stdout)).toEqual(lines.slice(-2));
    for (const n of ['0', '-3', 'x']) {
      const bad = await runMemtree(['daemon', 'logs', '-n', n], { env });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/^usage: memtree daemon/);
    }
  });

  it('logs connects and disconnects at debug level', async () => {
    const d = await daemon(['--log-level', 'debug']);
    await someTraffic(d);
    const env = { MEMTREE_STATE_DIR: d.stateDir };
    const msgs = await waitFor(async () => {
      const m = jsonLines((await runMemtree(['daemon', 'logs', '--json', '-n', '1000'], { env })).stdout).filter((l) => l.level === 20).map((l) => l.msg);
      return m.includes('client disconnected') ? m : undefined;
    });
    expect(msgs).toContain('client connected');
  });

  it('-f prints new lines as they come, across a rotation to .1', async () => {
    const stateDir = tempStateDir('memtree-follow-');
    cleanup.push(() => fs.rmSync(stateDir, { recursive: true, force: true }));
    const file = memtreePaths({ stateDir }).logFile;
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const line = (msg: string): string => `${JSON.stringify({ level: 30, time: Date.now(), pid: 1, msg })}\n`;
    fs.writeFileSync(file, line('old 1') + line('old 2'));
    const child = spawn(process.execPath, [MEMTREE_BIN, 'daemon', 'logs', '-f', '-n', '1', '--state-dir', stateDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    cleanup.push(() => void child.kill());
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const seen = (msg: string): Promise<true> => waitFor(() => (out.includes(`: ${msg}\n`) ? true : undefined), 15_000, msg);
    await seen('old 2');
    expect(out).not.toContain('old 1');
    fs.appendFileSync(file, line('new 1'));
    await seen('new 1');
    // What the daemon does at its size limit: the file becomes .1, a new one starts.
    fs.appendFileSync(file, line('last before rotation'));
    fs.renameSync(file, `${file}.1`);
    fs.writeFileSync(file, line('first after rotation'));
    await seen('first after rotation');
    fs.appendFileSync(file, line('then more'));
    await seen('then more');
    const order = ['old 2', 'new 1', 'last before rotation', 'first after rotation', 'then more'].map((m) => out.indexOf(`: ${m}\n`));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(child.exitCode).toBeNull();
  });
});
