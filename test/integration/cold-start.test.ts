/**
 * A cold start of a small capture, with real processes: the command that starts memtreed reads
 * the capture itself (the --no-daemon document, byte for byte) while the daemon starts with
 * --prefetch and indexes it for the commands that follow; a capture that cannot be read gets
 * the daemon's own error. memtreed --prefetch of a bad path logs it and serves on; of a capture
 * replaced meanwhile, every answer is the new version's tree, never a mix.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { generateCapture } from '../bench/generate-capture.js';
import { tempStateDir, waitFor } from '../helpers/daemon-instance.js';
import { CAPTURES, MEMTREED_BIN, tempDir } from '../helpers/paths.js';
import { runMemtree, type CliResult } from '../helpers/run-cli.js';

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** A state dir whose daemon (if any is started) is stopped after the test. */
function stateDir(): string {
  const dir = tempStateDir();
  cleanup.push(() => runMemtree(['daemon', 'stop', '--state-dir', dir]));
  return dir;
}

/** The daemon log's lines, parsed. */
function logOf(dir: string): { msg: string; path?: string; kind?: string; indexed?: boolean; err?: { message: string } }[] {
  const text = fs.readFileSync(path.join(dir, 'memtreed.log'), 'utf8');
  // Complete lines only: the daemon may be writing the next one.
  return text
    .split('\n')
    .slice(0, -1)
    .map((l) => JSON.parse(l) as { msg: string });
}

/** Waits for the daemon's word on its --prefetch (it runs on after the command that started it). */
function prefetchLine(dir: string): Promise<ReturnType<typeof logOf>[number]> {
  return waitFor(() => logOf(dir).find((l) => l.msg === 'prefetched' || l.msg === 'prefetch failed'), 20_000, 'the prefetch to end');
}

/** `memtreed --state-dir dir ...args`, detaching once it listens (as a user starts it). */
function startMemtreed(dir: string, args: string[]): void {
  const r = spawnSync(process.execPath, [MEMTREED_BIN, '--state-dir', dir, ...args], { encoding: 'utf8', timeout: 30_000 });
  expect(r.status, r.stderr).toBe(0);
}

function ok(r: CliResult): string {
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

describe('a cold start of a small capture', () => {
  it('prints the --no-daemon document while memtreed starts and indexes the capture for the next command', async () => {
    const dir = stateDir();
    const work = tempDir();
    fs.copyFileSync(path.join(CAPTURES, 'imports.bin'), path.join(work, 'app.bin'));
    // A relative path, resolved against the command's directory in both the document and the daemon.
    const cold = ok(await runMemtree(['tree', '--json', '--state-dir', dir, 'app.bin'], { cwd: work }));
    expect(cold).toBe(ok(await runMemtree(['tree', '--json', '--no-daemon', 'app.bin'], { cwd: work })));
    expect(JSON.parse(cold).capture.path).toBe(path.join(work, 'app.bin'));
    const line = await prefetchLine(dir);
    expect(line).toMatchObject({ msg: 'prefetched', path: path.join(work, 'app.bin'), indexed: true });
    // The next commands are answered from that index: the same document, and no second pass.
    expect(ok(await runMemtree(['tree', '--json', '--state-dir', dir, 'app.bin'], { cwd: work }))).toBe(cold);
    const printed = ok(await runMemtree(['tree', '--print', '--state-dir', dir, 'app.bin'], { cwd: work }));
    expect(printed).toBe(ok(await runMemtree(['tree', '--print', '--no-daemon', 'app.bin'], { cwd: work })));
    expect(logOf(dir).filter((l) => l.msg === 'job started' && l.kind === 'index')).toHaveLength(1);
  });

  it('--print on a cold start is the --no-daemon text too', async () => {
    const dir = stateDir();
    const file = path.join(CAPTURES, 'simple.bin');
    const cold = ok(await runMemtree(['tree', '--print', '--state-dir', dir, file]));
    expect(cold).toBe(ok(await runMemtree(['tree', '--print', '--no-daemon', file])));
    expect((await prefetchLine(dir)).msg).toBe('prefetched');
  });

  for (const name of ['bad_random.bin', 'bad_truncated.bin', 'bad_empty.bin']) {
    it(`${name}: the daemon's error, as when it was already running; the daemon serves on`, async () => {
      const file = path.join(CAPTURES, name);
      const cold = stateDir();
      const first = await runMemtree(['tree', '--json', '--state-dir', cold, file]);
      const again = await runMemtree(['tree', '--json', '--state-dir', cold, file]);
      expect(first.code).not.toBe(0);
      expect(first.stderr).not.toBe('');
      expect(first).toEqual(again);
      expect(JSON.parse(ok(await runMemtree(['tree', '--json', '--state-dir', cold, path.join(CAPTURES, 'simple.bin')]))).capture.peakMemory).toBe(19138731);
    });
  }
});

describe('memtreed --prefetch', () => {
  it('a path that is missing, a directory, empty or not a capture is logged; the daemon serves on', async () => {
    const work = tempDir();
    fs.writeFileSync(path.join(work, 'empty.bin'), '');
    for (const bad of [path.join(work, 'missing.bin'), work, path.join(work, 'empty.bin'), path.join(CAPTURES, 'bad_random.bin'), '']) {
      const dir = stateDir();
      startMemtreed(dir, ['--prefetch', bad]);
      const line = await prefetchLine(dir);
      expect(line.msg, bad).toBe('prefetch failed');
      expect(line.err?.message).toBeTruthy();
      expect(JSON.parse(ok(await runMemtree(['tree', '--json', '--state-dir', dir, path.join(CAPTURES, 'simple.bin')]))).capture.peakMemory).toBe(19138731);
    }
  }, 120_000);

  it('waits for its starter to close the --ready-fd pipe (the client reads the capture itself meanwhile)', async () => {
    const dir = stateDir();
    const file = path.join(CAPTURES, 'imports.bin');
    const child = spawn(process.execPath, [MEMTREED_BIN, '--foreground', '--state-dir', dir, '--prefetch', file, '--ready-fd', '3'], {
      stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
    });
    cleanup.push(() => void child.kill());
    const pipe = child.stdio[3] as Readable;
    let said = '';
    pipe.on('data', (b: Buffer) => (said += b.toString()));
    await waitFor(() => (said.includes('\n') ? true : undefined), 20_000, 'the word on the pipe');
    expect(said).toBe('ready\n');
    // Answered after anything the daemon started at once: nothing is being indexed or open.
    const held = JSON.parse(ok(await runMemtree(['rpc', '--no-spawn', '--state-dir', dir, 'daemon/status'])));
    expect({ captures: held.captures, jobs: held.jobs }).toEqual({ captures: [], jobs: [] });
    pipe.destroy(); // the starter is done
    expect(await prefetchLine(dir)).toMatchObject({ msg: 'prefetched', path: file, indexed: true });
  });

  it('a capture replaced while (or before) it is prefetched: the new version, never a mix', async () => {
    const work = tempDir();
    // Big enough that a pass takes a while on the daemon's thread (still at most 1 MiB).
    const older = path.join(work, 'older.bin');
    const newer = path.join(work, 'newer.bin');
    generateCapture(older, { records: 600_000, seed: 1 });
    generateCapture(newer, { records: 600_000, seed: 2, threads: 2 });
    const expected = ok(await runMemtree(['tree', '--json', '--no-daemon', newer]));
    const old = ok(await runMemtree(['tree', '--json', '--no-daemon', older]));
    expect(JSON.parse(expected).capture.peakMemory).not.toBe(JSON.parse(old).capture.peakMemory);
    for (const delayMs of [0, 20, 80]) {
      const dir = stateDir();
      const file = path.join(work, `app-${delayMs}.bin`);
      fs.copyFileSync(older, file);
      startMemtreed(dir, ['--prefetch', file]);
      await new Promise((r) => setTimeout(r, delayMs)); // how far the pass got varies; any point must do
      fs.copyFileSync(newer, `${file}.new`);
      fs.renameSync(`${file}.new`, file); // replaced the way writers do
      const doc = ok(await runMemtree(['tree', '--json', '--state-dir', dir, file]));
      expect(doc.replace(file, newer), `replaced after ${delayMs} ms`).toBe(expected);
      expect(JSON.parse(doc).capture.path).toBe(file);
      await prefetchLine(dir); // either outcome (the old version indexed, or CaptureChanged): never served for the new file
    }
  }, 120_000);
});
