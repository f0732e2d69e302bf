/**
 * memtreed's lifecycle with real processes: auto-start from a client, handshake and
 * version-mismatch restart, idle shutdown, one daemon per state dir, runtime-dir checks,
 * protocol errors that leave the daemon up, scripted access with `memtree rpc`.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ResponseError } from 'vscode-jsonrpc/node';
import { DaemonInitializeRequest, DaemonStatusRequest } from '../../protocol/src/daemon.js';
import { DaemonInstance, rpcConnect, tempStateDir, waitFor } from '../helpers/daemon-instance.js';
import { CAPTURES } from '../helpers/paths.js';
import { runMemtree } from '../helpers/run-cli.js';

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0)) await f();
});

/** Stops whatever daemon answers in `stateDir` (an auto-started one has no handle). */
async function stopDaemonIn(stateDir: string): Promise<void> {
  await runMemtree(['daemon', 'stop', '--state-dir', stateDir]);
}

function statusOf(stateDir: string) {
  return runMemtree(['rpc', '--no-spawn', '--state-dir', stateDir, 'daemon/status']);
}

describe('memtreed lifecycle', () => {
  it('a client with no daemon starts one, and later clients reuse it', async () => {
    const dir = tempStateDir();
    cleanup.push(() => stopDaemonIn(dir));
    const first = await runMemtree(['tree', '--json', '--state-dir', dir, path.join(CAPTURES, 'simple.bin')]);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).capture.peakMemory).toBe(19138731);
    const s1 = JSON.parse((await statusOf(dir)).stdout);
    const second = await runMemtree(['tree', '--json', '--state-dir', dir, path.join(CAPTURES, 'simple.bin')]);
    expect(second.stdout).toBe(first.stdout);
    const s2 = JSON.parse((await statusOf(dir)).stdout);
    expect(s2.pid).toBe(s1.pid);
    expect(s2.captures.map((c: { path: string }) => c.path)).toEqual([path.join(CAPTURES, 'simple.bin')]);
  });

  it('MEMTREE_STATE_DIR works like --state-dir, for the client and the daemon it starts', async () => {
    const dir = tempStateDir();
    cleanup.push(() => stopDaemonIn(dir));
    const r = await runMemtree(['tree', '--json', path.join(CAPTURES, 'threads.bin')], { env: { MEMTREE_STATE_DIR: dir } });
    expect(r.code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'memtreed.sock'))).toBe(true);
    // A small capture's cold start is answered by the client while the daemon indexes it (--prefetch).
    const indexes = await waitFor(() => {
      const found = fs.readdirSync(path.join(dir, 'index')).filter((f) => f.endsWith('.sqlite'));
      return found.length > 0 ? found : undefined;
    }, 20_000, 'the index');
    expect(indexes).toHaveLength(1);
  });

  it('a daemon of another protocol version is shut down and replaced', async () => {
    const old = await DaemonInstance.start({ env: { MEMTREE_TEST_DAEMON_PROTOCOL: '0.9' } });
    cleanup.push(() => old.stop(), () => stopDaemonIn(old.stateDir));
    const rpc = await rpcConnect(old.socket, false);
    const init = await rpc.conn.sendRequest(DaemonInitializeRequest.type, { protocolVersion: '1.0', clientVersion: 't' }).catch((e: unknown) => e);
    rpc.close();
    expect(init).toBeInstanceOf(ResponseError);
    const r = await runMemtree(['tree', '--json', '--state-dir', old.stateDir, path.join(CAPTURES, 'simple.bin')]);
    expect(r.code).toBe(0);
    expect(await old.exited()).toBe(0);
    const s = JSON.parse((await statusOf(old.stateDir)).stdout);
    expect(s.pid).not.toBe(old.pid);
  });

  it('a daemon of an older minor version is replaced; a newer minor is kept', async () => {
    const old = await DaemonInstance.start({ env: { MEMTREE_TEST_DAEMON_PROTOCOL: '1.0' } });
    cleanup.push(() => old.stop(), () => stopDaemonIn(old.stateDir));
    const r = await runMemtree(['tree', '--json', '--state-dir', old.stateDir, path.join(CAPTURES, 'simple.bin')]);
    expect(r.code).toBe(0);
    expect(await old.exited()).toBe(0);
    const newer = await DaemonInstance.start({ env: { MEMTREE_TEST_DAEMON_PROTOCOL: '1.99' } });
    cleanup.push(() => newer.stop(), () => stopDaemonIn(newer.stateDir));
    expect((await runMemtree(['tree', '--json', '--state-dir', newer.stateDir, path.join(CAPTURES, 'simple.bin')])).code).toBe(0);
    expect(JSON.parse((await statusOf(newer.stateDir)).stdout).pid).toBe(newer.pid);
  });

  it('shuts down after the idle timeout, but never while a client is connected', async () => {
    // The client must connect before the timeout runs out after start-up. A machine too loaded
    // for that (the daemon then rightly exits first, before our handshake) tries again with a
    // longer timeout; once connected, an exit while connected is a failure at any pace.
    for (const seconds of [0.3, 1.2, 4.8]) {
      const d = DaemonInstance.spawn({ args: ['--idle-timeout', String(seconds)] });
      cleanup.push(() => d.stop());
      const rpc = await waitFor(async () => {
        if (d.exitCode !== undefined) return null;
        return d.connect().catch(() => undefined);
      }, 30_000, 'a connection or the idle exit');
      if (rpc === null) continue;
      // Connected for well over the timeout: still alive and answering.
      await new Promise((r) => setTimeout(r, 3 * seconds * 1000));
      expect(d.exitCode).toBeUndefined();
      expect((await rpc.conn.sendRequest(DaemonStatusRequest.type)).clients).toBe(1);
      rpc.close();
      expect(await d.exited()).toBe(0);
      expect(fs.existsSync(d.socket)).toBe(false);
      expect(fs.existsSync(path.join(d.stateDir, 'memtreed.lock'))).toBe(false);
      return;
    }
    throw new Error('every daemon went idle before the test could connect');
  });

  it('a client that comes and goes between two looks of the idle timer counts: the idle time runs from its leaving', async () => {
    // Short sessions (connect, status, leave) about every 100 ms for two timeouts, against a 1 s
    // timeout that the daemon checks every 250 ms: most sessions fall between two checks. What
    // holds at any pace: the daemon shuts down (whenever it does) at least a timeout after every
    // session that ended before. Each time is taken just before the client leaves, so the daemon
    // saw the leaving after it; the shutdown's log line is written after the daemon decided. (A
    // machine so loaded that the daemon rightly went idle before the first session: again with 4 s.)
    for (const seconds of [1, 4]) {
      const d = await DaemonInstance.start({ args: ['--idle-timeout', String(seconds)] });
      cleanup.push(() => d.stop());
      const left: number[] = [];
      const until = Date.now() + 2 * seconds * 1000;
      while (Date.now() < until && d.exitCode === undefined) {
        let rpc;
        try {
          rpc = await d.connect();
          await rpc.conn.sendRequest(DaemonStatusRequest.type);
        } catch {
          rpc?.close();
          break; // the daemon is shutting down
        }
        left.push(Date.now());
        rpc.close();
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await d.exited()).toBe(0);
      if (left.length === 0) continue;
      const log = fs.readFileSync(path.join(d.stateDir, 'memtreed.log'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string; time: number; reason?: string });
      const shutdown = log.find((l) => l.msg === 'shutting down');
      expect(shutdown?.reason).toBe('idle');
      const lastLeft = Math.max(...left.filter((t) => t <= shutdown!.time));
      expect(shutdown!.time - lastLeft, `${left.length} sessions`).toBeGreaterThanOrEqual(seconds * 1000);
      return;
    }
    throw new Error('every daemon went idle before the first session');
  });

  it('two daemons never run for one state dir', async () => {
    const dir = tempStateDir();
    cleanup.push(() => stopDaemonIn(dir));
    const daemons = Array.from({ length: 4 }, () => DaemonInstance.spawn({ stateDir: dir }));
    cleanup.push(...daemons.map((d) => () => d.stop()));
    // Three of the four exit (already running, status 3); exactly one keeps serving.
    const losers = await waitFor(() => {
      const done = daemons.filter((d) => d.exitCode !== undefined);
      return done.length >= 3 ? done : undefined;
    });
    expect(losers.map((d) => d.exitCode)).toEqual([3, 3, 3]);
    const winner = daemons.find((d) => d.exitCode === undefined);
    expect(winner).toBeDefined();
    const s = JSON.parse((await statusOf(dir)).stdout);
    expect(s.pid).toBe(winner!.pid);
  });

  it('a runtime dir open to group/others is refused, by the daemon and by a client', async () => {
    const open = tempStateDir();
    fs.chmodSync(open, 0o777);
    const d = DaemonInstance.spawn({ stateDir: open });
    expect(await d.exited()).toBe(1);
    expect(await d.stderrText()).toMatch(/refusing to use .*: its mode 777 lets group or others in/);
    const client = await runMemtree(['tree', '--state-dir', open, path.join(CAPTURES, 'simple.bin')]);
    expect(client.code).toBe(1);
    expect(client.stderr).toMatch(/refusing to use .*: its mode 777 lets group or others in/);
  });

  // Only root can give a directory to another user.
  it.skipIf(process.getuid?.() !== 0)('a runtime dir owned by someone else is refused (run as root)', async () => {
    const foreign = tempStateDir();
    fs.chownSync(foreign, 65534, 65534);
    const c = await runMemtree(['daemon', 'status', '--state-dir', foreign]);
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/refusing to use .*: it is owned by uid 65534/);
    const d = DaemonInstance.spawn({ stateDir: foreign });
    expect(await d.exited()).toBe(1);
    expect(await d.stderrText()).toMatch(/refusing to use .*: it is owned by uid 65534/);
  });

  it('a stale socket and lock left by a killed daemon do not stop a new one', async () => {
    const d = await DaemonInstance.start();
    await d.kill9();
    expect(fs.existsSync(d.socket)).toBe(true);
    const again = await DaemonInstance.start({ stateDir: d.stateDir });
    cleanup.push(() => again.stop());
    expect((await statusOf(d.stateDir)).code).toBe(0);
  });

  it('malformed JSON, invalid messages, unknown methods, bad params and unknown nodes get JSON-RPC errors; the daemon stays up', async () => {
    const d = await DaemonInstance.start();
    cleanup.push(() => d.stop());
    const replies: string[] = [];
    const raw = await new Promise<net.Socket>((resolve) => {
      const s = net.connect(d.socket, () => resolve(s));
      s.on('data', (b: Buffer) => replies.push(b.toString()));
    });
    const send = (body: string) => raw.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    send('{not json');
    send(JSON.stringify({ hello: 'world' }));
    send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'daemon/status' }));
    await waitFor(() => (replies.join('').match(/"error"/g)?.length === 3 ? true : undefined));
    const text = replies.join('');
    expect(text).toContain('"code":-32700');
    expect(text).toContain('"code":-32600');
    expect(text).toMatch(/"id":1,"error":\{"code":-31008/); // no handshake yet
    raw.destroy();

    const rpc = await d.connect();
    const err = (p: Promise<unknown>) => p.then(() => undefined, (e: ResponseError<unknown>) => e.code);
    expect(await err(rpc.conn.sendRequest('no/such'))).toBe(-32601);
    expect(await err(rpc.conn.sendRequest('capture/open', { nope: 1 }))).toBe(-32602);
    expect(await err(rpc.conn.sendRequest('tree/root', { captureId: 'abc', view: { mode: { kind: 'peak' }, biggestAllocs: 200 } }))).toBe(-31004);
    const open = (await rpc.conn.sendRequest('capture/open', { path: path.join(CAPTURES, 'simple.bin') })) as { captureId: string };
    const view = { mode: { kind: 'peak' }, biggestAllocs: 200 };
    expect(await err(rpc.conn.sendRequest('tree/expand', { captureId: open.captureId, view, nodeId: 123456 }))).toBe(-31005);
    expect(await err(rpc.conn.sendRequest('tree/expand', { captureId: open.captureId, view, nodeId: -1 }))).toBe(-32602);
    expect(await err(rpc.conn.sendRequest('capture/open', { path: path.join(CAPTURES, 'bad_random.bin') }))).toBe(-31002);
    expect(await err(rpc.conn.sendRequest('capture/open', { path: '/no/such/file.bin' }))).toBe(-31001);
    expect((await rpc.conn.sendRequest(DaemonStatusRequest.type)).pid).toBe(d.pid);
    rpc.close();
  });

  it('a bad capture gets the reader\'s clear error over RPC', async () => {
    const d = await DaemonInstance.start();
    cleanup.push(() => d.stop());
    const r = await runMemtree(['rpc', '--state-dir', d.stateDir, 'capture/open', JSON.stringify({ path: path.join(CAPTURES, 'bad_truncated.bin') })]);
    expect(r.code).toBe(1);
    const e = JSON.parse(r.stderr);
    expect(e.code).toBe(-31002);
    expect(e.message).toMatch(/bad_truncated\.bin: LZ4 data ends early at byte 7489/);
    expect(e.data).toMatchObject({ reason: 'LZ4 data ends early at byte 7489 (file truncated?)' });
  });
});
