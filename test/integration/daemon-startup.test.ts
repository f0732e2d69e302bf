/**
 * Start-up and liveness with real processes: a lock held by a zombie, by another process under
 * a reused pid, or by a daemon that does not answer is taken over; a daemon that cannot start
 * tells the client why at once; nothing but a socket is ever removed at the socket path; ten
 * clients starting at once share one daemon; the index dir and the log are private.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempStateDir, waitFor } from '../helpers/daemon-instance.js';
import { closesAfterHandshake, diesMidAnswer, fakeDaemon, fakeListener } from '../helpers/fake-daemon.js';
import { CAPTURES, MEMTREED_BIN, tempDir } from '../helpers/paths.js';
import { runMemtree, type CliResult } from '../helpers/run-cli.js';

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const SIMPLE = path.join(CAPTURES, 'simple.bin');
const SIMPLE_PEAK = 19138731;

function stopIn(stateDir: string): Promise<CliResult> {
  return runMemtree(['daemon', 'stop', '--state-dir', stateDir]);
}

/** A state dir whose daemon (if any is started) is stopped after the test. */
function stateDir(): string {
  const dir = tempStateDir();
  cleanup.push(() => stopIn(dir));
  return dir;
}

function tree(dir: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runMemtree(['tree', '--json', '--state-dir', dir, ...extra, SIMPLE], { env });
}

function lockOwner(dir: string): { pid: number; start?: string } | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'memtreed.lock'), 'utf8')) as { pid: number; start?: string };
  } catch {
    return undefined;
  }
}

function procState(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

function daemonStatus(dir: string): Promise<{ pid: number }> {
  return runMemtree(['rpc', '--no-spawn', '--state-dir', dir, 'daemon/status']).then((r) => JSON.parse(r.stdout) as { pid: number });
}

/** A long-running process that is not memtreed (its pid goes into forged locks). */
function bystander(): ChildProcess {
  const p = spawn('sleep', ['120'], { stdio: 'ignore' });
  cleanup.push(() => void p.kill('SIGKILL'));
  return p;
}

const hasProc = fs.existsSync('/proc/self/stat');

describe('stale locks', () => {
  it.skipIf(!hasProc)('a daemon killed with kill -9 and never reaped (a zombie) does not stop the next memtree tree', async () => {
    const dir = stateDir();
    // sh starts memtreed, then becomes `sleep`, which never waits for its child.
    const sh = spawn('sh', ['-c', `"${process.execPath}" "${MEMTREED_BIN}" --foreground --state-dir "${dir}" & exec sleep 120`], { stdio: 'ignore' });
    cleanup.push(() => void sh.kill('SIGKILL'));
    const first = await waitFor(async () => {
      const owner = lockOwner(dir);
      return owner !== undefined && (await runMemtree(['rpc', '--no-spawn', '--state-dir', dir, 'daemon/status'])).code === 0 ? owner : undefined;
    }, 20_000, 'the first daemon');
    process.kill(first.pid, 'SIGKILL');
    await waitFor(() => (procState(first.pid) === 'Z' ? true : undefined), 30_000, 'a zombie');
    const t0 = performance.now();
    const r = await tree(dir);
    const ms = performance.now() - t0;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).capture.peakMemory).toBe(SIMPLE_PEAK);
    expect(procState(first.pid)).toBe('Z'); // still unreaped: the lock was judged by its state
    expect((await daemonStatus(dir)).pid).not.toBe(first.pid);
    expect(fs.readFileSync(path.join(dir, 'memtreed.log'), 'utf8')).toMatch(new RegExp(`took over the lock of pid ${first.pid}: its process is a zombie`));
    console.log(`memtree tree after a zombie daemon: ${ms.toFixed(0)} ms (including indexing simple.bin)`);
  });

  it('a lock naming a live process that is not memtreed (a reused pid) is stale, in either lock format', async () => {
    const other = bystander();
    for (const content of [JSON.stringify({ pid: other.pid, start: '1', socket: 'x' }), `${other.pid}\n`]) {
      const dir = stateDir();
      fs.writeFileSync(path.join(dir, 'memtreed.lock'), content, { mode: 0o600 });
      const r = await tree(dir);
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout).capture.peakMemory).toBe(SIMPLE_PEAK);
      expect(lockOwner(dir)?.pid).not.toBe(other.pid);
    }
    expect(procState(other.pid!)).not.toBe('Z'); // and the bystander is left alone
    expect(other.exitCode).toBeNull();
  });

  it('a daemon that holds the lock but does not answer (stopped) is replaced; it leaves the new socket alone', async () => {
    const dir = stateDir();
    expect((await tree(dir)).code).toBe(0);
    const old = (await daemonStatus(dir)).pid;
    process.kill(old, 'SIGSTOP');
    cleanup.push(() => {
      try {
        process.kill(old, 'SIGKILL');
      } catch {
        // Exited, as it should have.
      }
    });
    const r = await tree(dir);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).capture.peakMemory).toBe(SIMPLE_PEAK);
    const fresh = (await daemonStatus(dir)).pid;
    expect(fresh).not.toBe(old);
    // Woken up, the old daemon has its SIGTERM: it exits without touching the new one's socket.
    process.kill(old, 'SIGCONT');
    await waitFor(() => (procState(old) === undefined || procState(old) === 'Z' ? true : undefined), 20_000, 'the old daemon to exit');
    expect((await daemonStatus(dir)).pid).toBe(fresh);
  }, 120_000);
});

describe('a daemon that cannot start says why', () => {
  for (const kind of ['regular file', 'directory'] as const) {
    it(`a ${kind} at the socket path: a clear message, and it is still there`, async () => {
      const dir = stateDir();
      const sock = path.join(dir, 'memtreed.sock');
      if (kind === 'directory') fs.mkdirSync(sock);
      else fs.writeFileSync(sock, 'precious\n');
      const r = await tree(dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`memtree: memtreed could not start: ${sock} is a ${kind}, not a socket: refusing to replace it (move it away or choose another --socket)\n`);
      if (kind === 'directory') expect(fs.statSync(sock).isDirectory()).toBe(true);
      else expect(fs.readFileSync(sock, 'utf8')).toBe('precious\n');
    });
  }

  it('a regular file named by --socket or MEMTREE_SOCKET is never deleted', async () => {
    const dir = stateDir();
    const file = path.join(tempDir('memtree-sock-'), 'not-a-socket');
    fs.writeFileSync(file, 'keep me\n');
    for (const r of [await tree(dir, ['--socket', file]), await tree(dir, [], { MEMTREE_SOCKET: file })]) {
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`${file} is a regular file, not a socket`);
    }
    expect(fs.readFileSync(file, 'utf8')).toBe('keep me\n');
    // memtreed started by hand (detaching) says it too.
    const d = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, [MEMTREED_BIN, '--state-dir', dir, '--socket', file], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      p.on('close', (code) => resolve({ code, stderr }));
    });
    expect(d).toEqual({ code: 1, stderr: `memtreed: ${file} is a regular file, not a socket: refusing to replace it (move it away or choose another --socket)\n` });
    expect(fs.readFileSync(file, 'utf8')).toBe('keep me\n');
  });

  it('a read-only state dir: the reason, at once', async (ctx) => {
    const dir = tempStateDir();
    const root = process.getuid?.() === 0;
    if (root) {
      // Root writes through permission bits: a read-only mount it is.
      const m = spawn('mount', ['-t', 'tmpfs', '-o', 'ro,mode=0700,size=1m', 'tmpfs', dir], { stdio: 'ignore' });
      const code = await new Promise((r) => m.on('close', r));
      if (code !== 0) ctx.skip();
      cleanup.push(() => new Promise((r) => spawn('umount', [dir], { stdio: 'ignore' }).on('close', r)));
    } else {
      fs.chmodSync(dir, 0o500);
      cleanup.push(() => fs.chmodSync(dir, 0o700));
    }
    const t0 = performance.now();
    const r = await tree(dir);
    const ms = performance.now() - t0;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^memtree: memtreed could not start: cannot write in ${dir}: (read-only file system|permission denied) \\(open memtreed\\.lock\\.\\d+\\.tmp\\)\\n$`));
    console.log(`read-only state dir: message after ${ms.toFixed(0)} ms`);
  });
});

describe('a daemon that breaks the handshake', () => {
  /** A listener on the state dir's socket standing in for a daemon that fails mid-handshake. */
  async function fakeDaemonIn(dir: string, onConnection: (s: net.Socket, server: net.Server) => void): Promise<net.Server> {
    const server = await fakeListener(path.join(dir, 'memtreed.sock'), onConnection);
    // Closed after the state dir's daemon is stopped: closing unlinks the socket path, which a
    // daemon that took the socket over owns by then.
    cleanup.unshift(() => new Promise<void>((r) => server.close(() => r())));
    return server;
  }

  it('half an answer, then the connection closed (every time): exit 1 with one clear line', async () => {
    const dir = stateDir();
    await fakeDaemonIn(dir, (s) => s.once('data', () => s.end('Content-Length: 500\r\n\r\n{"jsonrpc"')));
    const r = await tree(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`memtree: memtreed could not start: another daemon answers on ${path.join(dir, 'memtreed.sock')}\n`);
  });

  it('every connection closed unanswered: the socket counts as stale, a new daemon takes it and answers', async () => {
    const dir = stateDir();
    await fakeDaemonIn(dir, (s) => s.destroy());
    const r = await tree(dir);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).capture.peakMemory).toBe(SIMPLE_PEAK);
  });

  it('dying during the handshake (its socket gone): a new daemon is started and answers', async () => {
    const dir = stateDir();
    await fakeDaemonIn(dir, (s, server) =>
      s.once('data', () => {
        server.close();
        s.destroy();
      }),
    );
    const r = await tree(dir);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).capture.peakMemory).toBe(SIMPLE_PEAK);
  });

  it('closing the connection right after the handshake: exit 1 saying so', async () => {
    const dir = stateDir();
    const server = await fakeDaemon(path.join(dir, 'memtreed.sock'), closesAfterHandshake);
    cleanup.unshift(() => new Promise<void>((r) => server.close(() => r())));
    const r = await tree(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^memtree: memtreed closed the connection before answering .*\n$/);
  });

  it('dying in the middle of an answer after the handshake: exit 1 at once, saying so', async () => {
    const dir = stateDir();
    const server = await fakeDaemon(path.join(dir, 'memtreed.sock'), diesMidAnswer);
    cleanup.unshift(() => new Promise<void>((r) => server.close(() => r())));
    const r = await tree(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^memtree: memtreed closed the connection before answering .*\n$/);
  });
});

describe('simultaneous cold starts', () => {
  it('ten memtree tree at once start one daemon; all answers are right', async () => {
    const dir = stateDir();
    const t0 = performance.now();
    const results = await Promise.all(Array.from({ length: 10 }, () => tree(dir)));
    const ms = performance.now() - t0;
    for (const r of results) {
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(results[0]!.stdout);
    }
    expect(JSON.parse(results[0]!.stdout).capture.peakMemory).toBe(SIMPLE_PEAK);
    const log = fs.readFileSync(path.join(dir, 'memtreed.log'), 'utf8');
    const pids = new Set([...log.matchAll(/"pid":(\d+)/g)].map((m) => m[1]));
    expect(pids.size).toBe(1); // one daemon process ever wrote to the log
    expect(log.match(/memtreed listening/g)).toHaveLength(1);
    // The one that started the daemon read the capture itself (cold-start.test.ts); the daemon
    // read it once for the other nine and its --prefetch, whichever came first.
    expect(log.match(/"kind":"index"/g)).toHaveLength(1);
    console.log(`10 cold memtree tree at once: ${ms.toFixed(0)} ms for all`);
  });
});

describe('private index dir and log', () => {
  it('are created 0700 / 0600, and so are the index files', async () => {
    const dir = stateDir();
    expect((await tree(dir)).code).toBe(0);
    const mode = (p: string) => fs.statSync(p).mode & 0o777;
    expect(mode(path.join(dir, 'index'))).toBe(0o700);
    expect(mode(path.join(dir, 'memtreed.log'))).toBe(0o600);
    for (const f of fs.readdirSync(path.join(dir, 'index'))) expect([f, mode(path.join(dir, 'index', f))]).toEqual([f, 0o600]);
  });

  it('a symlinked or open index dir and a symlinked log are refused; an old 0644 log is closed to others', async () => {
    const open = tempDir('memtree-open-');
    fs.chmodSync(open, 0o777);
    const linked = stateDir();
    fs.symlinkSync(open, path.join(linked, 'index'));
    expect((await tree(linked)).stderr).toBe(`memtree: memtreed could not start: refusing to use ${path.join(linked, 'index')}: it is a symbolic link (use the directory it points to)\n`);

    const wide = stateDir();
    fs.mkdirSync(path.join(wide, 'index'), { mode: 0o755 });
    fs.chmodSync(path.join(wide, 'index'), 0o755);
    expect((await tree(wide)).stderr).toMatch(/memtreed could not start: refusing to use .*index: its mode 755 lets group or others in/);

    const logLink = stateDir();
    const target = path.join(open, 'elsewhere.log');
    fs.writeFileSync(target, '');
    fs.symlinkSync(target, path.join(logLink, 'memtreed.log'));
    expect((await tree(logLink)).stderr).toBe(`memtree: memtreed could not start: refusing to use ${path.join(logLink, 'memtreed.log')}: it is a symbolic link\n`);
    expect(fs.readFileSync(target, 'utf8')).toBe('');

    const old = stateDir();
    fs.writeFileSync(path.join(old, 'memtreed.log'), '', { mode: 0o644 });
    fs.chmodSync(path.join(old, 'memtreed.log'), 0o644);
    expect((await tree(old)).code).toBe(0);
    expect(fs.statSync(path.join(old, 'memtreed.log')).mode & 0o777).toBe(0o600);
  });
});
