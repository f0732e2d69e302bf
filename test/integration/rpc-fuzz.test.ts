/**
 * A seeded JSON-RPC fuzz test against a real memtreed: thousands of requests over every method
 * of protocol/src (valid ones mutated: fields dropped, wrong types, extreme integers, long
 * strings, unknown fields, odd ids), messages that are not requests, responses and
 * cancellations with unknown ids, and broken frames. Every request gets a result or a JSON-RPC
 * error with its id; the daemon keeps its pid and answers afterwards.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonStatusRequest } from '../../protocol/src/daemon.js';
import { PROTOCOL_VERSION } from '../../protocol/src/version.js';
import { DaemonInstance } from '../helpers/daemon-instance.js';
import { CAPTURES, ROOT } from '../helpers/paths.js';
import { frame, RawClient, request, type Reply } from '../helpers/raw-client.js';
import { Rng } from '../helpers/rng.js';

const SEED = Number(process.env.MEMTREE_FUZZ_SEED ?? 20261206);
const CASES = 2400;

/** Every request method declared in protocol/src (so a new one is fuzzed too). */
function protocolMethods(): string[] {
  const dir = path.join(ROOT, 'protocol/src');
  const out = new Set<string>();
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.ts'))) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    for (const m of text.matchAll(/export const method = '([^']+)' as const;\s*export const type = new (Request|Notification)Type/g)) {
      if (m[2] === 'Request') out.add(m[1]!);
    }
  }
  return [...out].sort();
}

const EXTREMES: unknown[] = [
  0, -1, 1, 2 ** 31, -(2 ** 31), 2 ** 32, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e308, -1e308, 5e-324, 0.5, -0.0, 1e21,
];
const STRINGS = ['', ' ', 'peak', 'leaks', 'temporary', '\u0000', '../../../etc/passwd', '/dev/zero', '/proc/self/mem', '(?P<x>a)(?P=x)', '[', '*', '\\', '💥'.repeat(3), '\uD800'];

function randomValue(r: Rng, depth = 0): unknown {
  switch (r.int(depth > 2 ? 6 : 9)) {
    case 0:
      return r.pick(EXTREMES);
    case 1:
      return r.pick(STRINGS);
    case 2:
      // Long strings: up to 300 kB (the message limit is 1 MiB).
      return 'x'.repeat(r.pick([100, 4097, 70_000, 300_000]));
    case 3:
      return r.chance(0.5);
    case 4:
      return null;
    case 5:
      return r.int(1000) - 10;
    case 6:
      return Array.from({ length: r.int(4) }, () => randomValue(r, depth + 1));
    case 7:
      return Object.fromEntries(Array.from({ length: r.int(4) }, (_, i) => [r.pick(['kind', 'threshold', 'a', `k${i}`, '__proto__', 'constructor']), randomValue(r, depth + 1)]));
    default:
      return r.int(100);
  }
}

/** Replaces, drops or adds one field somewhere in a JSON value. */
function mutate(r: Rng, v: unknown, depth = 0): unknown {
  if (typeof v !== 'object' || v === null || r.chance(depth === 0 ? 0.05 : 0.3)) return randomValue(r);
  if (Array.isArray(v)) {
    if (v.length === 0 || r.chance(0.2)) return [...v, randomValue(r)];
    const i = r.int(v.length);
    return v.map((x, j) => (j === i ? mutate(r, x, depth + 1) : x));
  }
  const o = { ...(v as Record<string, unknown>) };
  const keys = Object.keys(o);
  const what = r.int(10);
  if (what === 0 && keys.length > 0) delete o[r.pick(keys)];
  else if (what === 1) o[r.pick(['extra', 'cwd', 'path', 'limit', 'offset', 'view'])] = randomValue(r);
  else if (keys.length > 0) {
    const k = r.pick(keys);
    o[k] = mutate(r, o[k], depth + 1);
  }
  return o;
}

let d: DaemonInstance;
beforeAll(async () => {
  d = await DaemonInstance.start();
});
afterAll(async () => {
  await d?.stop();
  if (d !== undefined) fs.rmSync(d.stateDir, { recursive: true, force: true });
});

describe('JSON-RPC fuzz', () => {
  it(`${CASES} seeded cases over every method: a result or an error for each, the daemon up (seed ${SEED})`, async () => {
    const methods = protocolMethods();
    expect(methods).toEqual(expect.arrayContaining(['capture/open', 'tree/expand', 'node/detail', 'daemon/initialize']));
    const r = new Rng(SEED);
    const c = await RawClient.connect(d.socket);
    c.write(request(0, 'daemon/initialize', { protocolVersion: PROTOCOL_VERSION, clientVersion: 'fuzz' }));
    await c.reply(0);
    const small = path.join(CAPTURES, 'simple.bin');
    c.write(request('open', 'capture/open', { path: small }));
    const captureId = ((await c.reply('open')).result as { captureId: string }).captureId;
    const view = { mode: { kind: 'peak' }, biggestAllocs: 200, hideImportSystem: false, hideUninteresting: true };
    const templates: Record<string, unknown> = {
      'daemon/initialize': { protocolVersion: PROTOCOL_VERSION, clientVersion: 'fuzz' },
      'capture/open': { path: 'simple.bin', cwd: CAPTURES, modes: [{ kind: 'leaks' }, { kind: 'temporary', threshold: 1 }] },
      'capture/forget': { captureId: '0123456789abcdef01234567' },
      'capture/threads': { captureId, mode: { kind: 'peak' } },
      'tree/root': { captureId, view },
      'tree/expand': { captureId, view, nodeId: 1, offset: 0, limit: 50, firstChildChain: true },
      'tree/export': { captureId, mode: { kind: 'peak' }, biggestAllocs: 200 },
      'tree/search': { captureId, view, query: 'run', regex: false, offset: 0, limit: 10 },
      'tree/elided': { captureId, view: { ...view, biggestAllocs: 3 }, offset: 0, limit: 10 },
      'node/detail': { captureId, view, nodeId: 1, context: 5, cwd: CAPTURES },
    };
    // daemon/shutdown would end the test's daemon: it gets its own check at the end.
    const fuzzed = methods.filter((m) => m !== 'daemon/shutdown');
    const tally = { result: 0, error: 0, nullId: 0, silent: 0 };
    const codes = new Map<number, number>();
    const internal: string[] = [];
    const check = (reply: Reply, what: string): void => {
      const ok = 'result' in reply || (typeof reply.error?.code === 'number' && Number.isInteger(reply.error.code) && typeof reply.error.message === 'string');
      if (!ok) throw new Error(`bad reply to ${what}: ${JSON.stringify(reply).slice(0, 300)}`);
      if (reply.error !== undefined) codes.set(reply.error.code, (codes.get(reply.error.code) ?? 0) + 1);
      if (reply.error?.code === -32603) internal.push(`${reply.error.message.slice(0, 200)} <- ${what}`);
      tally[reply.error === undefined ? 'result' : 'error']++;
    };
    for (let i = 1; i <= CASES; i++) {
      const kind = r.int(20);
      if (kind < 16) {
        // A request: a valid template (a fifth of the time), else a mutation of it; odd ids.
        const method = r.chance(0.03) ? r.pick(['nope', 'tree/', '$/x', 'rpc.discover', '']) : r.pick(fuzzed);
        const template = templates[method] ?? {};
        const params = r.chance(0.2) ? template : mutate(r, template);
        const id = r.pick([i, `s${i}`, `${'i'.repeat(r.int(3) * 5000)}${i}`, -i, i + 2 ** 52]);
        const body: Record<string, unknown> = { jsonrpc: '2.0', id, method };
        if (params !== undefined) body.params = params;
        c.write(frame(JSON.stringify(body)));
        const reply = await c.replyTo([id]);
        check(reply, `${method} ${JSON.stringify(params).slice(0, 200)}`);
      } else if (kind < 18) {
        // Not a request: garbage JSON, wrong types for the envelope, a batch.
        const body = r.pick([
          () => '{"jsonrpc": "2.0", "id": 1, "method": ',
          () => JSON.stringify(randomValue(r)),
          () => JSON.stringify([{ jsonrpc: '2.0', id: i, method: 'daemon/status' }]),
          () => JSON.stringify({ jsonrpc: '1.0', id: i, method: 'daemon/status' }),
          () => JSON.stringify({ jsonrpc: '2.0', id: { x: 1 }, method: 'daemon/status' }),
          () => JSON.stringify({ jsonrpc: '2.0', id: i, method: 42 }),
          () => JSON.stringify({ jsonrpc: '2.0', id: i, method: 'daemon/status', params: 'str' }),
          () => Buffer.from(Array.from({ length: 64 }, () => r.int(256))).toString('latin1'),
        ])();
        c.write(frame(body));
        const reply = await c.replyTo([null, i]).catch((e: unknown) => {
          throw new Error(`no reply to ${JSON.stringify(body.slice(0, 300))}: ${String(e)}`);
        });
        check(reply, body.slice(0, 200));
        tally.nullId++;
      } else {
        // Messages that get no reply: responses and cancellations for unknown ids, unknown notifications.
        const body = r.pick([
          { jsonrpc: '2.0', id: 10_000_000 + i, result: randomValue(r) },
          { jsonrpc: '2.0', id: `u${i}`, error: { code: r.pick(EXTREMES), message: 'x' } },
          { jsonrpc: '2.0', method: '$/cancelRequest', params: { id: r.pick([i * 7, 'zz', null, 2 ** 53]) } },
          { jsonrpc: '2.0', method: 'capture/progress', params: randomValue(r) },
          { jsonrpc: '2.0', method: 'nope/notification' },
        ]);
        c.write(frame(JSON.stringify(body)));
        // Nothing comes back for these; the next request proves the connection still works.
        c.write(request(`ping${i}`, 'daemon/status'));
        const pong = await c.replyTo([`ping${i}`]).catch((e: unknown) => {
          throw new Error(`no reply after ${JSON.stringify(body).slice(0, 300)}: ${String(e)}; log: ${fs.readFileSync(path.join(d.stateDir, 'memtreed.log'), 'utf8').slice(-3000)}`);
        });
        check(pong, 'daemon/status after a message without reply');
        tally.silent++;
      }
    }
    expect(c.closed).toBe(false);
    c.close();
    // Every method was exercised and both kinds of answer came back.
    expect(tally.result).toBeGreaterThan(100);
    expect(tally.error).toBeGreaterThan(500);
    // Internal errors would be bugs caught at the boundary: none expected.
    expect(internal.slice(0, 30).join('\n')).toBe('');

    // Broken frames, each on its own connection: an error reply or a closed connection.
    for (const raw of ['Content-Length: abc\r\n\r\n{}', 'Content-Length: 5\r\n\r\n{"jsonrpc":"2.0"}', '\r\n\r\n', `Content-Length: ${2 ** 60}\r\n\r\n{}`]) {
      const b = await RawClient.connect(d.socket);
      b.write(raw);
      await b.reply(null).catch(() => undefined);
      b.close();
    }
    const rpc = await d.connect();
    expect((await rpc.conn.sendRequest(DaemonStatusRequest.type)).pid).toBe(d.pid);
    rpc.close();
    expect(d.exitCode).toBeUndefined();
    // Last, daemon/shutdown with params it does not take: it answers, then stops cleanly.
    const last = await RawClient.connect(d.socket);
    last.write(request('bye', 'daemon/shutdown', { force: 2 ** 53, x: 'x'.repeat(1000) }));
    expect((await last.replyTo(['bye'])).result).toBeNull();
    expect(await d.exited()).toBe(0);
    console.log(`fuzz seed ${SEED}: ${JSON.stringify(tally)}; error codes ${JSON.stringify([...codes].sort((a, b) => b[1] - a[1]))}`);
  }, 300_000);
});
