/**
 * The conventions scripts and people rely on, with real processes: --version and --help on
 * every command, usage errors on stderr with status 2, the same -b rules through the daemon and
 * without it, a closed stdout (`| head`) ending quietly with 0, and a daemon that dies
 * mid-request failing the command (status 1, a message naming its log), never an empty success.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonStatusRequest } from '../../protocol/src/daemon.js';
import { memtreePaths } from '../../protocol/src/node/paths.js';
import { DaemonInstance, tempStateDir, waitFor } from '../helpers/daemon-instance.js';
import { CAPTURES, MEMTREE_BIN, tempDir } from '../helpers/paths.js';
import { runMemtree, runTreeBothWays, type CliResult } from '../helpers/run-cli.js';
import { generateWorkerCapture } from '../helpers/big-capture.js';

const SIMPLE = path.join(CAPTURES, 'simple.bin');
const DEEP = path.join(CAPTURES, 'deep_recursion.bin');

let daemon: DaemonInstance;
beforeAll(async () => {
  daemon = await DaemonInstance.start();
});
afterAll(async () => {
  await daemon.stop();
});

/** `memtree tree ...args` without and through the daemon; both must agree in everything. */
const bothPaths = (...args: string[]): Promise<CliResult> => runTreeBothWays(daemon.stateDir, args);

describe('--version and --help', () => {
  it('memtree --version / -V print the package version', async () => {
    const version = (JSON.parse(fs.readFileSync(path.join(MEMTREE_BIN, '../../package.json'), 'utf8')) as { version: string }).version;
    for (const flag of ['--version', '-V']) {
      expect(await runMemtree([flag])).toEqual({ code: 0, stdout: `memtree ${version}\n`, stderr: '' });
    }
  });

  it('-h and --help on every command and subcommand: status 0, on stdout', async () => {
    const commands = [[], ['tree'], ['rpc'], ['daemon'], ['daemon', 'status'], ['daemon', 'stop'], ['daemon', 'logs']];
    const runs = commands.flatMap((c) => ['-h', '--help'].map((h) => [...c, h]));
    const results = await Promise.all(runs.map((args) => runMemtree([...args, '--state-dir', daemon.stateDir])));
    results.forEach((r, i) => {
      const what = runs[i]!.join(' ');
      expect(r.code, what).toBe(0);
      expect(r.stderr, what).toBe('');
      expect(r.stdout, what).toMatch(/^usage: memtree/);
    });
  });
});

describe('usage errors go to stderr with status 2', () => {
  const cases: string[][] = [
    [],
    ['nosuchcommand'],
    ['--nosuchoption'],
    ['rpc'],
    ['rpc', 'daemon/status', '{not json'],
    ['daemon'],
    ['daemon', 'restart'],
    ['daemon', 'status', '--nosuchoption'],
  ];
  for (const args of cases) {
    it(`memtree ${args.join(' ')}`, async () => {
      const r = await runMemtree([...args, ...(args.length > 0 ? ['--state-dir', daemon.stateDir] : [])]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^usage: memtree/);
      expect(r.stderr).toMatch(/error: .+\n$/);
    });
  }

  it('memtree tree: the same usage errors through both paths', async () => {
    for (const args of [[], ['--leaks', '--temporary-allocations', SIMPLE], ['--json', '--print', SIMPLE], ['--nope', SIMPLE], [SIMPLE, SIMPLE]]) {
      const r = await bothPaths(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^usage: memtree tree .*\nmemtree tree: error: /s);
    }
  });
});

describe('-b takes any integer (memray: argparse int), identically through both paths', () => {
  it('valid values give the same tree either way', async () => {
    for (const b of ['0', '3', '-5', '1_0', ' 7 ', '9007199254740991', '-9007199254740991']) {
      const r = await bothPaths('--print', '-b', b, SIMPLE);
      expect(r.code, b).toBe(0);
      expect(r.stdout, b).toMatch(/^Peak memory: /);
    }
    // Python's int(): underscores between digits are allowed, -b 1_0 is -b 10.
    const [ten, underscored] = await Promise.all([runMemtree(['tree', '--no-daemon', '-b', '10', SIMPLE]), runMemtree(['tree', '--no-daemon', '-b', '1_0', SIMPLE])]);
    expect(underscored.stdout).toBe(ten.stdout);
  });

  it('past 2^53 - 1: one clear usage error (status 2) on both paths', async () => {
    for (const b of ['9007199254740992', '99999999999999999999', '-99999999999999999999']) {
      const r = await bothPaths('--json', '-b', b, SIMPLE);
      expect(r.code, b).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`memtree tree: error: argument -b/--biggest-allocs: ${b} is out of range: memtree takes integers from -9,007,199,254,740,991 to 9,007,199,254,740,991`);
    }
  });

  it('not an integer: argparse’s message, status 2, on both paths', async () => {
    for (const b of ['1e3', '1.5', 'x', '1__0', '_1']) {
      const r = await bothPaths('--json', `--biggest-allocs=${b}`, SIMPLE);
      expect(r.code, b).toBe(2);
      expect(r.stderr).toContain(`memtree tree: error: argument -b/--biggest-allocs: invalid int value: '${b}'`);
    }
  });
});

/** Runs `memtree ARGS | head ...` in bash; memtree's exit status and its stderr. */
function pipeIntoHead(args: readonly string[], head: string): Promise<{ status: number; stderr: string; head: string }> {
  const dir = tempDir('memtree-pipe-');
  const errFile = path.join(dir, 'stderr');
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `"$NODE" "$BIN" "$@" 2>"$ERR" | ${head}; echo "status=\${PIPESTATUS[0]}" >&2`, 'memtree', ...args], {
      env: { ...process.env, NODE: process.execPath, BIN: MEMTREE_BIN, ERR: errFile, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const m = /status=(\d+)/.exec(err);
      if (m === null) return reject(new Error(`no status from bash: ${err}`));
      resolve({ status: Number(m[1]), stderr: fs.readFileSync(errFile, 'utf8'), head: out });
    });
  });
}

describe('a closed stdout (EPIPE) ends any command quietly with status 0', () => {
  // deep_recursion prints ~550 kB as text and ~120 kB as JSON: far more than a pipe holds, so
  // memtree is still writing when head exits.
  it('memtree tree deep_recursion.bin | head -1 (through the daemon and without)', async () => {
    for (const how of [['--state-dir', daemon.stateDir], ['--no-daemon']]) {
      const r = await pipeIntoHead(['tree', ...how, DEEP], 'head -1');
      expect(r, how.join(' ')).toMatchObject({ status: 0, stderr: '' });
      expect(r.head).toMatch(/^Peak memory: .*\n$/);
    }
  });

  it('memtree tree --json ... | head -c 10', async () => {
    for (const how of [['--state-dir', daemon.stateDir], ['--no-daemon']]) {
      const r = await pipeIntoHead(['tree', '--json', ...how, DEEP], 'head -c 10');
      expect(r, how.join(' ')).toMatchObject({ status: 0, stderr: '', head: '{"capture"' });
    }
  });

  it('memtree daemon logs | head -1 (a log longer than a pipe holds)', async () => {
    const stateDir = tempStateDir();
    const log = memtreePaths({ stateDir, socket: undefined }, process.env).logFile;
    const line = (i: number): string => JSON.stringify({ level: 30, time: 1_700_000_000_000 + i, pid: 1, hostname: 'h', msg: `line ${i} ${'x'.repeat(100)}` });
    fs.writeFileSync(log, `${Array.from({ length: 5000 }, (_, i) => line(i)).join('\n')}\n`, { mode: 0o600 });
    const r = await pipeIntoHead(['daemon', 'logs', '-n', '5000', '--state-dir', stateDir], 'head -1');
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(r.head).toContain('line 0');
  });

  it('memtree rpc and memtree --help | head -c 1', async () => {
    for (const args of [['--help'], ['tree', '--help'], ['rpc', '--state-dir', daemon.stateDir, 'daemon/status']]) {
      expect(await pipeIntoHead(args, 'head -c 1 >/dev/null'), args.join(' ')).toMatchObject({ status: 0, stderr: '' });
    }
  });
});

describe('a daemon that dies mid-request fails the command: status 1, a message, no output', () => {
  let big: string;
  beforeAll(() => {
    // About two seconds of indexing on this machine: time to kill the daemon while it works.
    big = path.join(tempDir('memtree-lost-'), 'big.bin');
    generateWorkerCapture(big);
  });

  for (const mode of ['--json', '--print']) {
    it(`memtree tree ${mode}, memtreed killed with SIGKILL while indexing`, async () => {
      const d = await DaemonInstance.start();
      try {
        const run = runMemtree(['tree', mode, '--state-dir', d.stateDir, big]);
        const rpc = await d.connect();
        try {
          // Killed once it is working for this client, not before it was asked.
          await waitFor(async () => ((await rpc.conn.sendRequest(DaemonStatusRequest.type)).jobs.length > 0 ? true : undefined), 30_000, 'indexing');
        } finally {
          rpc.close();
        }
        await d.kill9();
        const r = await run;
        expect(r.code).toBe(1);
        expect(r.stdout).toBe('');
        const log = memtreePaths({ stateDir: d.stateDir, socket: undefined }, process.env).logFile;
        expect(r.stderr).toBe(`memtree: memtreed closed the connection before answering (it exited or was stopped); its log: ${log}\n`);
      } finally {
        await d.stop();
      }
    });
  }
});
