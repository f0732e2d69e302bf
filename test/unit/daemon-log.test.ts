/**
 * The daemon's log writer on real files: rotation at the size limit keeps the newest lines in
 * order across `log` and `log.1`, and a writer that cannot write (a full disk: /dev/full
 * answers every write with ENOSPC) never throws into the daemon.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, rotatedLog } from '../../daemon/src/log.js';
import { tempDir } from '../helpers/paths.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function seqs(file: string): number[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { seq?: number })
    .filter((l) => l.seq !== undefined)
    .map((l) => l.seq!);
}

describe('daemon log', () => {
  it('rotates to .1 at the size limit; the newest lines stay, in order, none lost across the two files', () => {
    const dir = tempDir('memtree-log-');
    dirs.push(dir);
    const file = path.join(dir, 'memtreed.log');
    const { log } = createLogger(file, 'info', { maxBytes: 20_000 });
    const n = 2000; // about 200 kB of lines: ten rotations
    for (let seq = 0; seq < n; seq++) log.info({ seq, pad: 'x'.repeat(40) }, 'line');
    const all = [...seqs(rotatedLog(file)), ...seqs(file)];
    expect(all.length).toBeGreaterThan(100);
    expect(all).toEqual(Array.from({ length: all.length }, (_, i) => n - all.length + i));
    expect(fs.statSync(file).size).toBeLessThan(20_000 + 200);
    expect(fs.statSync(rotatedLog(file)).size).toBeGreaterThanOrEqual(20_000);
    expect(fs.statSync(rotatedLog(file)).size).toBeLessThan(20_000 + 200);
    expect(fs.readdirSync(dir).sort()).toEqual(['memtreed.log', 'memtreed.log.1']);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it.skipIf(!fs.existsSync('/dev/full'))('a log that cannot be written (ENOSPC) never throws and counts what it lost', () => {
    const { log, flush, troubles } = createLogger('/dev/full');
    for (let i = 0; i < 20_000; i++) log.info({ i, pad: 'y'.repeat(100) }, 'to a full disk');
    log.error({ err: new Error('still here') }, 'more');
    flush();
    expect(troubles().lostLines).toBe(20_001);
  });

  it('lines are lost while the file cannot be opened; after a reopen the log says how many', () => {
    const dir = tempDir('memtree-log-');
    dirs.push(dir);
    const sub = path.join(dir, 'logs');
    const file = path.join(sub, 'memtreed.log');
    const { log, reopen, troubles } = createLogger(file, 'info', { maxBytes: 4000 });
    log.info('first');
    fs.rmSync(sub, { recursive: true });
    // The next rotation cannot open a new file: from then on lines are counted as lost.
    for (let i = 0; i < 100; i++) log.info({ i, pad: 'z'.repeat(50) }, 'into the void');
    expect(troubles().lostLines).toBeGreaterThan(50);
    fs.mkdirSync(sub, { mode: 0o700 });
    reopen();
    log.info('back');
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.msg)).toEqual(['back', 'log lines were lost: the log file could not be written']);
    expect(lines[1].lostLines).toBe(troubles().lostLines);
    expect(lines[1].err.code).toBe('ENOENT');
  });
});
