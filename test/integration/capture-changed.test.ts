/**
 * A capture replaced or rewritten after, or during, indexing, against a real memtreed: every
 * answer is CaptureChanged or the new file's correct tree (never the old file's numbers with
 * the new file's stacks), through the CLI (which reopens by itself) and through a script
 * holding the old capture id; nothing is ever written into the old index.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResponseError } from 'vscode-jsonrpc';
import { CaptureForgetRequest, CaptureOpenRequest, CaptureProgressNotification, type CaptureProgressParams } from '../../protocol/src/capture.js';
import { DaemonStatusRequest } from '../../protocol/src/daemon.js';
import { MemtreeErrorCodes } from '../../protocol/src/errors.js';
import type { SnapshotMode, TreeDocument } from '../../protocol/src/tree-document.js';
import { TreeExpandRequest, TreeExportRequest, TreeRootRequest } from '../../protocol/src/tree.js';
import { DaemonInstance, tempStateDir, waitFor, type Rpc } from '../helpers/daemon-instance.js';
import { CAPTURES } from '../helpers/paths.js';
import { runMemtree } from '../helpers/run-cli.js';
import { generateWorkerCapture } from '../helpers/big-capture.js';

/** What each step asks: `memtree tree` flags and the same request for a script. */
const ASKS: { flags: string[]; mode: SnapshotMode; b: number }[] = [
  { flags: [], mode: { kind: 'peak' }, b: 200 },
  { flags: ['--leaks'], mode: { kind: 'leaks' }, b: 200 },
  { flags: ['--temporary-allocations'], mode: { kind: 'temporary', threshold: 1 }, b: 200 },
  { flags: ['--temporary-allocation-threshold', '3'], mode: { kind: 'temporary', threshold: 3 }, b: 200 },
  { flags: ['-b', '1000000'], mode: { kind: 'peak' }, b: 1000000 },
];

let daemon: DaemonInstance;
let dir: string;
let big: string;
beforeAll(async () => {
  dir = tempStateDir('memtree-changed-');
  big = path.join(dir, 'big.bin');
  // A few seconds of indexing on a loaded machine: time to replace the file mid-read.
  generateWorkerCapture(big);
  daemon = await DaemonInstance.start();
});
afterAll(async () => {
  await daemon?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** `memtree tree --json` of `file` without the daemon: the correct answers. */
async function local(file: string, flags: string[]): Promise<string> {
  const r = await runMemtree(['tree', '--json', '--no-daemon', ...flags, file]);
  expect(r.code).toBe(0);
  return r.stdout;
}

/** Replaces `file` with a copy of `source`: by rename (a new inode) or rewritten in place. */
function replace(file: string, source: string, how: 'rename' | 'rewrite'): void {
  if (how === 'rename') {
    fs.copyFileSync(source, `${file}.new`);
    fs.renameSync(`${file}.new`, file);
  } else {
    fs.writeFileSync(file, fs.readFileSync(source));
  }
}

function indexFileOf(captureId: string): string | undefined {
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.name.endsWith(`-${captureId}.sqlite`)) found.push(path.join(d, e.name));
    }
  };
  walk(daemon.stateDir);
  return found[0];
}

const sha = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** Every request of a script holding `captureId`: CaptureChanged, or (never for an old id, but allowed) the new file's tree. */
async function askWithOldId(rpc: Rpc, captureId: string, newFile: string): Promise<number> {
  let changed = 0;
  const requests: [string, () => Promise<unknown>, string[] | undefined][] = [
    ...ASKS.map((a) => [`export ${a.flags.join(' ')}`, () => rpc.conn.sendRequest(TreeExportRequest.type, { captureId, mode: a.mode, biggestAllocs: a.b }), a.flags] as [string, () => Promise<unknown>, string[]]),
    ['root', () => rpc.conn.sendRequest(TreeRootRequest.type, { captureId, view: { mode: { kind: 'peak' }, biggestAllocs: 200, hideImportSystem: false, hideUninteresting: true } }), undefined],
    ['expand', () => rpc.conn.sendRequest(TreeExpandRequest.type, { captureId, view: { mode: { kind: 'peak' }, biggestAllocs: 200, hideImportSystem: false, hideUninteresting: true }, nodeId: 0 }), undefined],
  ];
  for (const [what, send, flags] of requests) {
    try {
      const doc = (await send()) as TreeDocument;
      expect(flags, `${what}: only a full export may answer`).toBeDefined();
      const want = JSON.parse(await local(newFile, flags!)) as TreeDocument;
      expect({ root: doc.root, peak: doc.capture.peakMemory }, what).toEqual({ root: want.root, peak: want.capture.peakMemory });
    } catch (err) {
      expect(err, what).toBeInstanceOf(ResponseError);
      expect((err as ResponseError<unknown>).code, `${what}: ${(err as Error).message}`).toBe(MemtreeErrorCodes.CaptureChanged);
      changed++;
    }
  }
  return changed;
}

/** `memtree tree --json` through the daemon for every ask: the new file's correct tree each time. */
async function cliAnswersNewFile(file: string, newSource: string): Promise<void> {
  for (const a of ASKS) {
    const r = await runMemtree(['tree', '--json', '--state-dir', daemon.stateDir, ...a.flags, file]);
    expect(r.stderr, a.flags.join(' ')).toBe('');
    expect(r.code).toBe(0);
    // The path is the replaced file's; the content must be the new source's.
    expect(r.stdout.replace(JSON.stringify(file), JSON.stringify(newSource))).toBe(await local(newSource, a.flags));
  }
}

describe('a capture replaced after indexing', () => {
  for (const how of ['rename', 'rewrite'] as const) {
    it(`(${how}): the old id answers CaptureChanged for every mode, its index is untouched; memtree reopens and shows the new file`, async () => {
      const file = path.join(dir, `after-${how}.bin`);
      fs.copyFileSync(path.join(CAPTURES, 'threads.bin'), file);
      const rpc = await daemon.connect();
      try {
        const open = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: file, modes: [{ kind: 'peak' }] });
        await rpc.conn.sendRequest(TreeExportRequest.type, { captureId: open.captureId, mode: { kind: 'peak' }, biggestAllocs: 200 });
        const index = indexFileOf(open.captureId)!;
        expect(index).toBeDefined();
        const before = sha(index);
        replace(file, path.join(CAPTURES, 'temporary.bin'), how);
        expect(await askWithOldId(rpc, open.captureId, path.join(CAPTURES, 'temporary.bin'))).toBe(ASKS.length + 2);
        expect(sha(index), 'the old index is unchanged').toBe(before);
      } finally {
        rpc.close();
      }
      await cliAnswersNewFile(file, path.join(CAPTURES, 'temporary.bin'));
    });
  }
});

describe('a capture replaced while it is indexed', () => {
  it('the open fails with CaptureChanged (or the old id does afterwards), nothing is stored for the old version; memtree shows the new file', async () => {
    const file = path.join(dir, 'during.bin');
    fs.copyFileSync(big, file);
    const rpc = await daemon.connect();
    try {
      let progress: CaptureProgressParams | undefined;
      rpc.conn.onNotification(CaptureProgressNotification.type, (p) => {
        if (p.phase === 'reading') progress ??= p;
      });
      const opening = rpc.conn.sendRequest(CaptureOpenRequest.type, { path: file }).then(
        (r) => ({ ok: true as const, captureId: r.captureId }),
        (err: unknown) => ({ ok: false as const, err }),
      );
      const p = await waitFor(() => progress, 60_000, 'indexing progress');
      replace(file, path.join(CAPTURES, 'threads.bin'), 'rename');
      const r = await opening;
      if (!r.ok) {
        expect((r.err as ResponseError<unknown>).code, String(r.err)).toBe(MemtreeErrorCodes.CaptureChanged);
        expect(indexFileOf(p.captureId), 'no index of the old version').toBeUndefined();
      }
      expect(await askWithOldId(rpc, p.captureId, path.join(CAPTURES, 'threads.bin'))).toBe(ASKS.length + 2);
    } finally {
      rpc.close();
    }
    await cliAnswersNewFile(file, path.join(CAPTURES, 'threads.bin'));
  });

  it('memtree tree reopens by itself when the file is replaced while the daemon reads it', async () => {
    const file = path.join(dir, 'cli-during.bin');
    fs.copyFileSync(big, file);
    const rpc = await daemon.connect();
    try {
      const cli = runMemtree(['tree', '--json', '--state-dir', daemon.stateDir, file]);
      await waitFor(async () => {
        const s = await rpc.conn.sendRequest(DaemonStatusRequest.type);
        return s.jobs.some((j) => j.phase === 'reading') ? true : undefined;
      }, 60_000, 'the index job of the big capture');
      replace(file, path.join(CAPTURES, 'simple.bin'), 'rename');
      const r = await cli;
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout.replace(JSON.stringify(file), JSON.stringify(path.join(CAPTURES, 'simple.bin')))).toBe(await local(path.join(CAPTURES, 'simple.bin'), []));
    } finally {
      rpc.close();
    }
  });
});

describe('capture/forget racing tree builds', () => {
  it('every racing request gets a tree or UnknownCapture (never an internal error); the index goes; a reopen is correct', async () => {
    const file = path.join(dir, 'forget.bin');
    fs.copyFileSync(path.join(CAPTURES, 'threads.bin'), file);
    const rpc = await daemon.connect();
    try {
      for (let round = 0; round < 3; round++) {
        const open = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: file });
        const id = open.captureId;
        // Temporary modes and big trees are jobs that write into the index while it is forgotten.
        const asks = [2, 3, 4, 6, 8].map((t) => ({ mode: { kind: 'temporary', threshold: t + round * 10 } as SnapshotMode, b: 200 }));
        asks.push({ mode: { kind: 'peak' }, b: 1000000 - round }, { mode: { kind: 'leaks' }, b: 999 + round });
        const racing = asks.map((a) =>
          rpc.conn.sendRequest(TreeExportRequest.type, { captureId: id, mode: a.mode, biggestAllocs: a.b }).then(
            () => 'tree',
            (err: unknown) => (err instanceof ResponseError ? (err.code === -32603 ? `${err.code} ${err.message}` : err.code) : String(err)),
          ),
        );
        const forgot = rpc.conn.sendRequest(CaptureForgetRequest.type, { captureId: id }).then(
          () => 'forgotten',
          (err: unknown) => (err instanceof ResponseError ? (err.code === -32603 ? `${err.code} ${err.message}` : err.code) : String(err)),
        );
        const after = rpc.conn.sendRequest(TreeExportRequest.type, { captureId: id, mode: { kind: 'peak' }, biggestAllocs: 10 }).then(
          () => 'tree',
          (err: unknown) => (err instanceof ResponseError ? (err.code === -32603 ? `${err.code} ${err.message}` : err.code) : String(err)),
        );
        const answers = await Promise.all([...racing, forgot, after]);
        for (const a of answers) expect(['tree', 'forgotten', MemtreeErrorCodes.UnknownCapture]).toContain(a);
        expect(answers.at(-2)).toBe('forgotten');
        expect(answers.at(-1)).toBe(MemtreeErrorCodes.UnknownCapture);
        expect(indexFileOf(id), 'the index is deleted').toBeUndefined();
      }
      const again = await rpc.conn.sendRequest(CaptureOpenRequest.type, { path: file, modes: [{ kind: 'temporary', threshold: 3 }] });
      expect(again.indexed).toBe(true);
      const doc = await rpc.conn.sendRequest(TreeExportRequest.type, { captureId: again.captureId, mode: { kind: 'temporary', threshold: 3 }, biggestAllocs: 200 });
      expect(JSON.stringify(doc)).toBe((await local(file, ['--temporary-allocation-threshold', '3'])).trimEnd());
    } finally {
      rpc.close();
    }
  });
});
