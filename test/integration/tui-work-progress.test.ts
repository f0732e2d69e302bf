/**
 * A view switched to a mode memtreed computes on first use (a temporary threshold: the daemon
 * reads the capture again) says how far that work has come, above the tree still to come, instead
 * of a blank screen, from the capture/progress memtreed sends for it; a view of another capture on the
 * same connection hears none of it. A real memtreed, the real DaemonTreeSource, controller and
 * header line: the progress is sent before the answer on the same connection, so the view
 * hears it while the tree is pending at any machine's pace.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CaptureOpenRequest } from '../../protocol/src/capture.js';
import type { ViewOptions } from '../../protocol/src/tree.js';
import { DaemonTreeSource } from '../../client/src/tui/daemon-source.js';
import { startTree } from '../../client/src/tui/tree-controller.js';
import { header, waitingLine } from '../../client/src/tui/tree-panel.js';
import type { WorkProgress } from '../../client/src/tui/tree-source.js';
import { onCaptureProgress } from '../../client/src/daemon/progress-hub.js';
import { DaemonInstance, waitFor } from '../helpers/daemon-instance.js';
import { CAPTURES, tempDir } from '../helpers/paths.js';
import { DEFAULT_VIEW } from '../helpers/tui-tree.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

describe('the view while memtreed computes a mode on first use', () => {
  it('GIVEN an open tree WHEN the view switches to temporary allocations THEN the line above the tree shows the daemon\'s progress while it waits, then the new tree\'s header; another capture\'s view hears none of it', async () => {
    const dir = tempDir('memtree-work-progress-');
    const files = ['threads', 'simple'].map((name) => {
      const to = path.join(dir, `${name}.bin`);
      fs.copyFileSync(path.join(CAPTURES, `${name}.bin`), to);
      return to;
    });
    const daemon = await DaemonInstance.start();
    cleanup.push(() => daemon.stop());
    const rpc = await daemon.connect();
    cleanup.push(() => rpc.close());
    const [a, b] = await Promise.all(files.map((f) => rpc.conn.sendRequest(CaptureOpenRequest.type, { path: f })));
    // The connection's progress also still reaches other listeners (the open's progress view).
    const heard: number[] = [];
    cleanup.push(onCaptureProgress(rpc.conn, (p) => heard.push(p.percent)));
    const view: ViewOptions = DEFAULT_VIEW;
    const other: WorkProgress[] = [];
    const sourceB = new DaemonTreeSource(rpc.conn, b!.captureId, b!.searchPath);
    cleanup.push(sourceB.onWork((w) => other.push(w)));

    const tree = startTree(new DaemonTreeSource(rpc.conn, a!.captureId, a!.searchPath), view);
    cleanup.push(() => tree.close());
    const statuses: string[] = [];
    tree.listen({ onChange: (s) => statuses.push(header(s) || waitingLine(s, tree.waitingFor)) });
    await tree.idle();
    expect(tree.waitingFor).toBeUndefined();
    statuses.length = 0;

    tree.dispatch({ type: 'view', view: { ...view, mode: { kind: 'temporary', threshold: 7 } } });
    await waitFor(() => (tree.pending === 0 && tree.state.view.mode.kind === 'temporary' ? true : undefined), 60_000, 'the temporary tree');
    await tree.idle();
    const working = statuses.filter((t) => /^memtreed is reading the capture for this view: \d+ %/.test(t));
    expect(working.length).toBeGreaterThan(0);
    for (const t of working) expect(Number(/(\d+) %/.exec(t)![1])).toBeLessThanOrEqual(100);
    expect(heard.length).toBeGreaterThan(0);
    expect(statuses.at(-1)).toMatch(/^Temporary allocations \(threshold 7\)/);
    expect(tree.waitingFor).toBeUndefined();
    expect(other).toEqual([]);
  }, 120_000);
});
