// The interactive view while a capture is indexed (issue 13 item 3), in a real pseudo-terminal
// against a real memtreed: the provisional tree of the peak so far shows with its mark and the
// percentage read, then the final tree replaces it (no mark); `q` on the provisional tree
// cancels the indexing (status 130, as on the progress view). A generated capture that takes
// seconds to index (cancelled first, then indexed); conditions waited for with generous deadlines, no timing asserts.
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCapture } from '../bench/generate-capture.js';
import { DaemonInstance } from '../helpers/daemon-instance.js';
import { tempDir } from '../helpers/paths.js';
import { PtySession } from '../helpers/pty-session.js';

let daemon: DaemonInstance;
let capture: string;

beforeAll(async () => {
  capture = path.join(tempDir('memtree-provisional-tui-'), 'big.bin');
  generateCapture(capture, { records: 5_000_000, distinctStacks: 20_000, threads: 3, seed: 5 });
  daemon = await DaemonInstance.start();
}, 120_000);

afterAll(async () => {
  await daemon?.stop();
});

const MARK = /provisional · \d+ % read/;

describe('the view while the capture is indexed', () => {
  it('q on the provisional tree cancels the indexing: status 130', async () => {
    const s = PtySession.memtree(['tree', '--state-dir', daemon.stateDir, capture], { cols: 120, rows: 30 });
    try {
      await s.waitFor((l) => MARK.test(l[0]!) && l.some((x) => x.includes('<ROOT>')), 60_000, 'a provisional tree');
      await s.settle();
      s.write('q');
      expect(await s.exited()).toBe(130);
      expect(s.screen().join('\n')).toContain('cancelled');
    } finally {
      s.kill();
    }
  }, 200_000);

  it('shows the provisional tree of the peak so far, marked, then the final tree without the mark', async () => {
    const s = PtySession.memtree(['tree', '--state-dir', daemon.stateDir, capture], { cols: 120, rows: 30 });
    try {
      const provisional = await s.waitFor((l) => MARK.test(l[0]!) && l.some((x) => x.includes('<ROOT>')), 60_000, 'a provisional tree');
      expect(provisional.join('\n')).toContain('📂');
      const final = await s.waitFor((l) => !MARK.test(l[0]!) && l.some((x) => x.includes('<ROOT>')) && l[0]!.startsWith('Peak memory'), 120_000, 'the final tree');
      expect(final.join('\n')).not.toMatch(MARK);
      s.write('q');
      expect(await s.exited()).toBe(0);
    } finally {
      s.kill();
    }
  }, 200_000);
});
