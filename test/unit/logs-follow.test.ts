// `memtree daemon logs -f` across the daemon's rotation (memtreed.log renamed to .1, a new one
// started), in-process: a line the daemon wrote to the old file after -f last read it, just
// before the rotation, is still printed, before the new file's lines. The rotation is made to
// fall between -f's last read of the old file and its look at the path (the moment that lost
// such a line when the machine was slow), by doing it inside that look.
import * as fs from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { showLogs } from '../../client/src/commands/daemon-logs.js';
import type { CommandIO } from '../../client/src/commands/common.js';
import { waitFor } from '../helpers/daemon-instance.js';
import { tempDir } from '../helpers/paths.js';

const cjsFs = createRequire(import.meta.url)('node:fs') as { statSync: typeof fs.statSync };
const realStatSync = cjsFs.statSync;
afterEach(() => {
  cjsFs.statSync = realStatSync;
  syncBuiltinESMExports();
});

const line = (msg: string): string => `${JSON.stringify({ level: 30, time: 1, pid: 1, msg })}\n`;

describe('memtree daemon logs -f', () => {
  it('prints a line written to the old file right before a rotation, then the new file’s', async () => {
    const file = path.join(tempDir('memtree-follow-'), 'memtreed.log');
    fs.writeFileSync(file, line('old'));
    let rotate = true;
    // Every look -f takes at the path: the first one rotates, as the daemon would, just before.
    cjsFs.statSync = ((p: fs.PathLike, opts?: fs.StatSyncOptions) => {
      if (rotate && p === file) {
        rotate = false;
        fs.appendFileSync(file, line('last before rotation'));
        fs.renameSync(file, `${file}.1`);
        fs.writeFileSync(file, line('first after rotation'));
      }
      return realStatSync(p, opts);
    }) as typeof fs.statSync;
    syncBuiltinESMExports();
    let out = '';
    const io = { stdout: { write: (s: string) => ((out += s), true) }, stderr: { write: () => true }, env: {} } as unknown as CommandIO;
    const stop = new AbortController();
    const following = showLogs({ file, lines: 10, json: true, follow: true, signal: stop.signal, pollMs: 5 }, io);
    try {
      await waitFor(() => (out.includes('first after rotation') ? true : undefined), 30_000, 'the new file’s line');
    } finally {
      stop.abort();
      await following;
    }
    expect(rotate).toBe(false);
    expect(out.trim().split('\n').map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['old', 'last before rotation', 'first after rotation']);
  });
});
