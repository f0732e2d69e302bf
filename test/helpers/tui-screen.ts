/**
 * A headless terminal for the interactive view: neo-blessed on PassThrough streams
 * (house-style: verified to render into screen.lines), keys written as terminal bytes.
 */
import { PassThrough } from 'node:stream';
import type blessed from 'neo-blessed';
import type { ViewOptions } from '../../protocol/src/tree.js';
import { screenLines } from '../../client/src/tui/blessed-canvas.js';
import { startTree } from '../../client/src/tui/tree-controller.js';
import type { TreeSource } from '../../client/src/tui/tree-source.js';
import { runTreeTui, type RunTreeTuiOptions, type TuiOutcome } from '../../client/src/tui/tree-view.js';
import type { TuiApp } from '../../client/src/tui/tui-app.js';

export { KEY } from './keys.js';

type Output = PassThrough & { columns: number; rows: number; isTTY: boolean };

/** What a HeadlessTui shows: runTreeTui's options, with the tree made from a source as `memtree tree` makes it. */
export interface HeadlessOptions extends Omit<RunTreeTuiOptions, 'input' | 'output' | 'tree'> {
  /** The data; a promise while "indexing" (the progress view shows meanwhile). */
  readonly source: TreeSource | Promise<TreeSource>;
  readonly view: ViewOptions;
  /** Delay before source lines are read for the cursor's node (default 0 here). */
  readonly detailDelayMs?: number;
}

/** A running view on a fake terminal. */
export class HeadlessTui {
  readonly input = new PassThrough();
  readonly output: Output;
  /** Everything written to the terminal. */
  written = '';
  screen!: blessed.Screen;
  app!: TuiApp;
  readonly done: Promise<TuiOutcome>;
  private renders = 0;

  constructor(cols: number, rows: number, opts: HeadlessOptions) {
    this.output = Object.assign(new PassThrough(), { columns: cols, rows, isTTY: true });
    this.output.on('data', (d: Buffer) => {
      this.written += d.toString('utf8');
    });
    const { source, view, detailDelayMs = 0, ...rest } = opts;
    const tree = Promise.resolve(source).then((s) => startTree(s, view, { terminal: { cols, rows }, detailDelayMs }));
    this.done = runTreeTui({
      terminal: 'xterm-256color',
      colorMode: '256',
      ...rest,
      tree,
      input: this.input,
      output: this.output,
      onScreen: (screen, app) => {
        this.screen = screen;
        this.app = app;
        screen.on('render', () => this.renders++);
        opts.onScreen?.(screen, app);
      },
    });
  }

  /** screen.render() calls so far. */
  get renderCount(): number {
    return this.renders;
  }

  /** Lets input, requests and renders run to completion. */
  async settle(): Promise<void> {
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setImmediate(r));
      await this.app?.tree?.idle();
    }
  }

  /** Writes key bytes, one key at a time, settling after each. */
  async keys(...seq: string[]): Promise<void> {
    for (const k of seq) {
      this.input.write(k);
      await this.settle();
    }
  }

  /** Resizes the terminal as a SIGWINCH would. */
  async resize(cols: number, rows: number): Promise<void> {
    // neo-blessed debounces (resizeTimeout) before it reallocates and emits 'resize'.
    const resized = new Promise((r) => this.screen.once('resize', () => r(undefined)));
    this.output.columns = cols;
    this.output.rows = rows;
    this.output.emit('resize');
    await resized;
    await this.settle();
  }

  /** The screen buffer as text, trailing spaces removed. */
  lines(): string[] {
    return screenLines(this.screen).map((l) => l.trimEnd());
  }
}
