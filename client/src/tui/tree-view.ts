/**
 * `memtree tree`'s interactive view on a terminal: neo-blessed owns the terminal (alternate
 * screen, raw keys, resize, suspend) and one full-screen element paints the frames TuiApp
 * composes; one screen.render() per burst of state changes. The terminal is restored on every way out:
 * quit, a thrown error (finally), and a crash or process.exit (neo-blessed's exit handlers).
 * Nothing is ever logged to the terminal.
 */
import type blessed from 'neo-blessed';
import * as widgets from './blessed-lite.js';
import type { CaptureProgressParams } from '../../../protocol/src/capture.js';
import { paintGrid } from './blessed-canvas.js';
import { terminalProfile, type ColorMode, type TerminalProfile } from './terminal.js';
import type { ProvisionalOffer } from './provisional-feed.js';
import type { TreeController } from './tree-controller.js';
import type { TreeSource } from './tree-source.js';
import { TuiApp } from './tui-app.js';

/** What runTreeTui shows and where. */
export interface RunTreeTuiOptions {
  /**
   * The tree (tree-controller.ts startTree: its first requests may be under way already); a
   * promise while the daemon indexes the capture (a progress view shows meanwhile).
   */
  readonly tree: TreeController | Promise<TreeController>;
  /** Shown at the top right, e.g. the capture's file name (the terminal's own title is left alone). */
  readonly title?: string;
  /** Subscribes to indexing progress; returns the unsubscribe function. */
  readonly progress?: (listener: (p: CaptureProgressParams) => void) => () => void;
  /** Warnings about the capture, shown under the header (a promise: they come with the open capture). */
  readonly warnings?: readonly string[] | Promise<readonly string[]>;
  /**
   * The daemon behind the tree: `onLost` reports a lost connection (returns the unsubscribe
   * function), `reconnect` opens the capture again through a new one (`r` in the view).
   */
  readonly connection?: {
    readonly onLost: (listener: (what: string, log?: string) => void) => () => void;
    readonly reconnect: () => Promise<TreeSource>;
  };
  /** Subscribes to the provisional trees of the capture being indexed (provisional-feed.ts); returns the unsubscribe function. */
  readonly provisional?: (listener: (offer: ProvisionalOffer) => void) => () => void;
  /** Called when the user quits while `tree` is still pending: cancel the indexing there. */
  readonly onCancel?: () => void;
  /** Defaults to process.stdin / process.stdout. */
  readonly input?: NodeJS.ReadableStream;
  readonly output?: NodeJS.WritableStream;
  /** The terminal, or a TERM name (default: $TERM; the built-in xterm-256color when that cannot run the view). */
  readonly terminal?: TerminalProfile | string;
  /** Default: the terminal's (terminal.ts colorModeOf). */
  readonly colorMode?: ColorMode;
  /**
   * ctrl+z. The default stops the process (SIGTSTP) when reading process.stdin and redraws
   * after `fg`; with other inputs (tests, embedding) it does nothing.
   */
  readonly suspend?: (resume: () => void) => void;
  /**
   * End the view on SIGINT, SIGTERM and SIGHUP (terminal restored, runTreeTui resolves with the
   * signal). Default: when reading process.stdin.
   */
  readonly signals?: boolean;
  /** Receives the screen once created (headless tests inspect screen.lines). */
  readonly onScreen?: (screen: blessed.Screen, app: TuiApp) => void;
}

/**
 * Stops the process like ctrl+z in a cooked terminal, then resumes the view. neo-blessed's own
 * sigtstp waits for SIGCONT, which never comes when the kernel discards the stop (an orphaned
 * process group, i.e. no job control): the view would stay paused for good. A self-sent stop
 * takes effect before kill() returns, so once kill() has returned we run again either way.
 */
function suspendProcess(program: blessed.Program, redraw: () => void): void {
  // pause() writes "leave the alternate screen, show the cursor" through neo-blessed's buffer,
  // flushed on the next tick, and then silences the output until resumed: those sequences
  // would never reach the terminal (the shell would print over our frame). So write them
  // unbuffered here.
  program.flush();
  program.useBuffer = false;
  let resume: () => void;
  try {
    resume = program.pause();
  } finally {
    program.useBuffer = true;
  }
  let resumed = false;
  const cont = (): void => {
    if (resumed) return;
    resumed = true;
    process.removeListener('SIGCONT', cont);
    resume();
    redraw();
  };
  process.on('SIGCONT', cont);
  try {
    process.kill(process.pid, 'SIGTSTP');
  } finally {
    setImmediate(cont);
  }
}

/** How the view ended: the user quit, quit while the capture was being indexed, or a signal. */
export type TuiOutcome = 'quit' | 'cancelled' | 'SIGINT' | 'SIGTERM' | 'SIGHUP';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Runs the interactive tree until the user quits or a signal comes; the terminal is restored before it settles. */
export async function runTreeTui(opts: RunTreeTuiOptions): Promise<TuiOutcome> {
  const input = opts.input ?? process.stdin;
  const output = opts.output ?? process.stdout;
  const profile = typeof opts.terminal === 'object' ? opts.terminal : terminalProfile(opts.terminal ?? process.env.TERM ?? '');
  const mode = opts.colorMode ?? profile.colorMode;
  const screen = widgets.screen({
    input,
    output,
    smartCSR: true,
    fullUnicode: false, // we lay out wide characters ourselves (blessed-canvas.ts)
    forceUnicode: true,
    autoPadding: false,
    warnings: false,
    resizeTimeout: 30,
  }, profile);
  const cleanups: (() => void)[] = [];
  try {
    return await new Promise<TuiOutcome>((resolve, reject) => {
      let settled = false;
      const finish = (err?: unknown, outcome: TuiOutcome = 'quit'): void => {
        if (settled) return;
        settled = true;
        if (err === undefined) resolve(outcome);
        else reject(err instanceof Error ? err : new Error(String(err)));
      };
      if (opts.signals ?? input === process.stdin) {
        for (const sig of SIGNALS) {
          const onSignal = (): void => finish(undefined, sig);
          process.on(sig, onSignal);
          cleanups.push(() => process.removeListener(sig, onSignal));
        }
      }
      // Every callback into our code goes through here: an exception ends the view (and
      // restores the terminal in the finally below) instead of escaping into neo-blessed.
      const guard =
        <A extends unknown[]>(fn: (...args: A) => void) =>
        (...args: A): void => {
          if (settled) return;
          try {
            fn(...args);
          } catch (err) {
            finish(err);
          }
        };
      const render = guard(() => screen.render());
      // Answers often arrive in bursts (the first-child chain, a page and its source lines):
      // draw once per burst, after the current macrotask, instead of once per answer.
      let scheduled = false;
      const scheduleRender = (): void => {
        if (scheduled) return;
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          render();
        });
      };
      const suspend = (): void => {
        const redraw = guard(() => {
          screen.alloc();
          screen.render();
        });
        if (opts.suspend !== undefined) opts.suspend(redraw);
        else if (input === process.stdin && process.platform !== 'win32') suspendProcess(screen.program, redraw);
      };
      const app = new TuiApp({
        title: opts.title,
        onChange: scheduleRender,
        onQuit: (cancelled) => {
          if (cancelled) opts.onCancel?.();
          finish(undefined, cancelled ? 'cancelled' : 'quit');
        },
        onSuspend: suspend,
        onError: finish,
        onReconnect: opts.connection?.reconnect,
      });
      if (opts.connection !== undefined) cleanups.push(opts.connection.onLost(guard((what: string, log?: string) => app.connectionLost(what, log))));
      cleanups.push(() => app.close());

      // One element covering the screen; its render paints the current frame. neo-blessed also
      // renders on its own (after a resize), hence the guard here too.
      const canvas = widgets.box({ parent: screen, top: 0, left: 0, width: '100%', height: '100%' });
      canvas.render = guard(() => paintGrid(screen, app.compose(screen.width, screen.height), mode));
      screen.on(
        'keypress',
        guard((ch: string | undefined, key: blessed.Key) => {
          // neo-blessed reports Enter twice (as 'enter' and 'return'): only 'enter' counts.
          if (key?.full !== undefined && key.full !== 'return') app.key(key.full, ch);
        }),
      );
      screen.on(
        'resize',
        guard(() => app.resize(screen.width, screen.height)),
      );
      if (opts.progress !== undefined) cleanups.push(opts.progress(guard((p: CaptureProgressParams) => app.onProgress(p))));
      if (opts.provisional !== undefined) cleanups.push(opts.provisional(guard((o: ProvisionalOffer) => app.offerProvisional(o))));
      opts.onScreen?.(screen, app);
      app.resize(screen.width, screen.height);
      const attach = guard((tree: TreeController) => app.attach(tree));
      Promise.resolve(opts.warnings ?? []).then(
        guard((w: readonly string[]) => {
          if (w.length > 0) app.setWarnings(w);
        }),
        () => {}, // a capture that failed to open is reported through `tree`
      );
      Promise.resolve(opts.tree).then(
        (tree) => {
          if (settled) tree.close(); // the view ended first: its requests are not wanted
          else attach(tree);
        },
        (err: unknown) => finish(err),
      );
      // The first frame after this macrotask: a tree whose answers come from this process (a
      // cold start's or --no-daemon's) has its root and first-child chain by then, so the first
      // paint is the tree instead of an empty frame painted over at once (~15 ms of 120x40).
      scheduleRender();
    });
  } finally {
    for (const c of cleanups.splice(0).reverse()) {
      try {
        c();
      } catch {
        // Cleanup must go on: restoring the terminal below matters more than any one step.
      }
    }
    screen.destroy();
  }
}
