/**
 * bin/memtree.js keeps the client bundle's compiled code in a V8 code cache beside it. On a
 * copy of the installed layout (bin/, dist/memtree.cjs, package.json, node_modules): the cache
 * is written by a successful `memtree tree`, reused unchanged, and a missing, damaged,
 * truncated or stale cache (a rebuilt bundle) never changes the output or the exit status; it
 * is replaced. V8 does not check a cache's data itself: a damaged one used to abort node.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CAPTURES, MEMTREE_BIN, ROOT, tempDir } from '../helpers/paths.js';

const SIMPLE = path.join(CAPTURES, 'simple.bin');

let root: string;
let bin: string;
let cache: string;

function run(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tree(): { code: number | null; stdout: string; stderr: string } {
  return run('tree', '--json', '--no-daemon', SIMPLE);
}

/** The cache's key (what it was made for) when its data matches its checksum, else undefined. */
function validKey(b: Buffer): string | undefined {
  const nl = b.indexOf(10);
  const header = b.subarray(0, nl).toString('latin1');
  const sha = header.slice(header.lastIndexOf(' ') + 1);
  return createHash('sha256').update(b.subarray(nl + 1)).digest('hex') === sha ? header.slice(0, header.lastIndexOf(' ')) : undefined;
}

beforeAll(() => {
  root = tempDir('memtree-code-cache-');
  fs.mkdirSync(path.join(root, 'bin'));
  fs.mkdirSync(path.join(root, 'dist'));
  for (const f of ['memtree.js', 'code-cache.js', 'package.json']) fs.copyFileSync(path.join(path.dirname(MEMTREE_BIN), f), path.join(root, 'bin', f));
  fs.copyFileSync(path.join(ROOT, 'dist/memtree.cjs'), path.join(root, 'dist/memtree.cjs'));
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(root, 'package.json'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'));
  bin = path.join(root, 'bin/memtree.js');
  cache = path.join(root, 'dist/memtree.cjs.cache');
});

describe('the client code cache', () => {
  let reference: string;

  it('is written by a successful memtree tree, then reused as it is, with the same output', () => {
    expect(fs.existsSync(cache)).toBe(false);
    const first = tree();
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    reference = first.stdout;
    const doc = JSON.parse(reference) as { capture: { path: string } };
    expect(doc.capture.path).toBe(SIMPLE);
    const written = fs.readFileSync(cache);
    expect(written.toString('latin1', 0, 19)).toBe('memtree code cache ');
    const second = tree();
    expect(second).toEqual(first);
    expect(fs.readFileSync(cache).equals(written)).toBe(true); // accepted: not written again
  });

  it('with a cache, a command that loads an external module at run time works (memtree daemon logs: pino-pretty)', () => {
    expect(fs.existsSync(cache)).toBe(true);
    const state = tempDir('memtree-code-cache-state-');
    fs.writeFileSync(path.join(state, 'memtreed.log'), `${JSON.stringify({ level: 30, time: Date.now(), pid: 1, msg: 'hello from the log' })}\n`, { mode: 0o600 });
    const r = run('daemon', 'logs', '--state-dir', state);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/INFO \(1\): hello from the log/);
  });

  it('a failed command and other commands write none', () => {
    fs.rmSync(cache);
    expect(run('tree', '--json', '--no-daemon', path.join(root, 'missing.bin')).code).not.toBe(0);
    expect(run('--version').code).toBe(0);
    expect(fs.existsSync(cache)).toBe(false);
    expect(tree().code).toBe(0);
    expect(fs.existsSync(cache)).toBe(true);
  });

  const damages: [string, (b: Buffer) => Buffer][] = [
    ['bytes of its data flipped', (b) => {
      const d = Buffer.from(b);
      for (let i = d.indexOf(10) + 5000; i < d.length; i += 997) d[i]! ^= 0x5a;
      return d;
    }],
    ['its checksum damaged', (b) => {
      const d = Buffer.from(b);
      const nl = d.indexOf(10);
      d[nl - 1] = d[nl - 1] === 0x30 ? 0x31 : 0x30;
      return d;
    }],
    ['cut short', (b) => b.subarray(0, b.indexOf(10) + 1000)],
    ['cut inside its header', (b) => b.subarray(0, 20)],
    ['garbage', () => Buffer.alloc(4096, 0xa7)],
  ];
  for (const [what, damage] of damages) {
    it(`a cache with ${what}: the same output, status 0, and a good cache again`, () => {
      const good = fs.readFileSync(cache);
      fs.writeFileSync(cache, damage(good));
      const r = tree();
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(reference);
      const rewritten = fs.readFileSync(cache);
      expect(validKey(rewritten)).toBe(validKey(good));
      expect(validKey(good)).toBeDefined();
      expect(tree().stdout).toBe(reference);
      expect(fs.readFileSync(cache).equals(rewritten)).toBe(true);
    });
  }

  it('a rebuilt bundle (another file) does not use the old cache; a new one replaces it', () => {
    const old = fs.readFileSync(cache);
    const bundle = path.join(root, 'dist/memtree.cjs');
    // What a rebuild does: a new file in its place, here with the same length (V8's own check).
    const text = fs.readFileSync(bundle, 'utf8').replace('memtree: cannot write the output', 'memtree: CANNOT write the output');
    fs.writeFileSync(`${bundle}.new`, text);
    fs.renameSync(`${bundle}.new`, bundle);
    const r = tree();
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(reference);
    const now = validKey(fs.readFileSync(cache));
    expect(now).toBeDefined();
    expect(now).not.toBe(validKey(old));
  });
});
