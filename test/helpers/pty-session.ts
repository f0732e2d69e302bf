/**
 * Runs a real command in a pseudo-terminal (node-pty) and keeps the screen a real terminal
 * would show (@xterm/headless, with Unicode 11 widths so emoji take two cells).
 *
 * The command runs under a small `sh` that stays after it: on Linux, node-pty drops whatever
 * the terminal still holds when its last process exits (microsoft/node-pty#72, #726), which
 * lost the end of the output (the restored screen, the shell's `stty -a`) once in a while
 * under load. The shell prints an invisible mark (an OSC sequence xterm ignores) after the
 * command and waits for a line; the session answers the mark with Enter, so every byte the
 * command wrote has arrived before the shell lets the terminal close.
 */
import pty from 'node-pty';
import xterm from '@xterm/headless';
import unicode11 from '@xterm/addon-unicode11';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KEY } from './keys.js';
import { MEMTREE_BIN } from './paths.js';

/** The mark the shell prints after the command: OSC 7777 with the command's status. */
const MARK = '\x1b]7777;';

/**
 * `sh -c WRAPPER sh FILE ARGS…`: the command, then `after` (which may use `$s`, the command's
 * status), the mark, a line read, and the command's status as the shell's. INT and TSTP are
 * caught (so they reach the command alone, as when it ran by itself, and are reset for it);
 * HUP is not, so killing the shell still hangs up the command.
 */
function wrapper(after: string): string {
  return `trap : INT TSTP; "$@"; s=$?; ${after === '' ? '' : `${after}; `}printf '\\033]7777;%s\\007' "$s"; read -r _ || :; exit "$s"`;
}

export interface PtyOptions {
  cols?: number;
  rows?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Shell commands run in the terminal after the command (e.g. `stty -a`); `$s` is its status. */
  after?: string;
}

export class PtySession {
  readonly term: xterm.Terminal;
  raw = '';
  exitCode: number | undefined;
  private readonly proc: pty.IPty;
  private readonly exit: Promise<number>;
  private marked = false;
  /** performance.now() of the last output chunk. */
  lastOutput = performance.now();

  private constructor(file: string, args: string[], opts: PtyOptions & { cols: number; rows: number }) {
    this.term = new xterm.Terminal({ cols: opts.cols, rows: opts.rows, allowProposedApi: true });
    this.term.loadAddon(new unicode11.Unicode11Addon());
    this.term.unicode.activeVersion = '11';
    this.proc = pty.spawn('/bin/sh', ['-c', wrapper(opts.after ?? ''), 'sh', file, ...args], {
      // node-pty sets TERM to this name, whatever the environment says.
      name: opts.env?.TERM ?? 'xterm-256color',
      cols: opts.cols,
      rows: opts.rows,
      cwd: opts.cwd,
      env: { ...process.env, TERM: 'xterm-256color', COLORTERM: 'truecolor', ...opts.env } as Record<string, string>,
    });
    this.proc.onData((d) => {
      this.raw += d;
      this.lastOutput = performance.now();
      this.term.write(d);
      if (!this.marked && this.raw.includes(MARK, Math.max(0, this.raw.length - d.length - MARK.length))) {
        this.marked = true;
        // Everything the command wrote came before the mark: the shell may end now. (\r for a
        // terminal left in canonical mode, \n for one the command left raw.)
        try {
          this.proc.write('\r\n');
        } catch {
          // The shell is gone already (killed): nothing to release.
        }
      }
    });
    this.exit = new Promise((resolve) =>
      this.proc.onExit(({ exitCode }) => {
        this.exitCode = exitCode;
        // Let xterm digest the last bytes before anyone reads the screen.
        this.term.write('', () => resolve(exitCode));
      }),
    );
  }

  /** `memtree ...args` in a terminal of the given size. */
  static memtree(args: string[], opts: PtyOptions = {}): PtySession {
    return new PtySession(process.execPath, [MEMTREE_BIN, ...args], { ...opts, cols: opts.cols ?? 120, rows: opts.rows ?? 40 });
  }

  /** Any command (e.g. `sh -c '…'`) in a terminal. */
  static command(file: string, args: string[], opts: PtyOptions = {}): PtySession {
    return new PtySession(file, args, { ...opts, cols: opts.cols ?? 120, rows: opts.rows ?? 40 });
  }

  /** The process id of the shell the command runs under (the command is its only child). */
  get pid(): number {
    return this.proc.pid;
  }

  /** The visible screen as text lines (wide characters once, trailing blanks trimmed). */
  screen(): string[] {
    const b = this.term.buffer.active;
    const out: string[] = [];
    for (let i = 0; i < this.term.rows; i++) out.push(b.getLine(b.viewportY + i)?.translateToString(true) ?? '');
    return out;
  }

  /** performance.now() of the last write (key press). */
  lastWrite = 0;

  write(s: string): void {
    this.lastWrite = performance.now();
    this.proc.write(s);
  }

  resize(cols: number, rows: number): void {
    this.lastWrite = performance.now();
    this.term.resize(cols, rows);
    this.proc.resize(cols, rows);
  }

  /**
   * Whether the output so far ends inside a frame of the view. neo-blessed writes each frame
   * as one `ESC 7 … ESC 8` (save and restore the cursor), often tens of kilobytes, which
   * reach us in several chunks: between two of them the screen is half the new frame, half the
   * old (a cursor row of the new frame with the rest of an old row's text, two rows
   * highlighted), more often on a loaded machine. Screens are looked at between frames only.
   */
  private midFrame(): boolean {
    return this.raw.lastIndexOf('\x1b7') > this.raw.lastIndexOf('\x1b8');
  }

  /** Resolves when `check(screen)` holds (after xterm has digested all output so far, never mid-frame). */
  async waitFor(check: (lines: string[]) => boolean, timeoutMs = 30_000, what = 'the screen'): Promise<string[]> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      await new Promise<void>((r) => this.term.write('', r));
      const lines = this.screen();
      if (!this.midFrame() && check(lines)) return lines;
      if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}; screen:\n${lines.join('\n')}\nlast output: ${JSON.stringify(this.raw.slice(-600))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /**
   * Resolves with the screen once `expectations(screen)` stop throwing; at the deadline their
   * last failure is thrown (with its diff). For a screen drawn in chunks under load: a snapshot
   * taken between two chunks is half old, half new.
   */
  async until(expectations: (lines: string[]) => void, timeoutMs = 30_000): Promise<string[]> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      await new Promise<void>((r) => this.term.write('', r));
      const lines = this.screen();
      try {
        expectations(lines);
        if (!this.midFrame()) return lines;
      } catch (err) {
        if (performance.now() > deadline) throw err;
      }
      if (performance.now() > deadline) throw new Error(`the view never finished a frame; last output: ${JSON.stringify(this.raw.slice(-600))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /**
   * Waits for the reaction to the last key: some output after it (at most `firstMs`), then no
   * output for `quietMs`: the view has finished redrawing.
   */
  async settle(quietMs = 150, timeoutMs = 30_000, firstMs = 3_000): Promise<string[]> {
    const deadline = performance.now() + timeoutMs;
    const firstBy = performance.now() + firstMs;
    while (this.lastOutput < this.lastWrite && performance.now() < firstBy) await new Promise((r) => setTimeout(r, 5));
    while (performance.now() - this.lastOutput < quietMs) {
      if (performance.now() > deadline) throw new Error('the screen never settled');
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise<void>((r) => this.term.write('', r));
    return this.screen();
  }

  /** The command's exit status, once every byte it wrote has arrived (rejects with the screen after `timeoutMs`). */
  async exited(timeoutMs = 30_000): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out waiting for the command to end; screen:\n${this.screen().join('\n')}\nlast output: ${JSON.stringify(this.raw.slice(-600))}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exit, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    if (this.exitCode === undefined) this.proc.kill();
  }
}

/**
 * Replaces the capture `file` a view shows by peak_then_free.bin (the way writers do: a new file
 * renamed over the old one), waits for the changed-capture banner over the old rows (simple.bin's,
 * with `level1`), presses `r` and waits for the new version's tree.
 */
export async function replaceCaptureUnderView(s: PtySession, file: string, captures: string): Promise<void> {
  fs.copyFileSync(path.join(captures, 'peak_then_free.bin'), `${file}.new`);
  fs.renameSync(`${file}.new`, file);
  s.write(KEY.down); // a key: the view checks the capture
  const name = path.basename(file);
  const banner = await s.waitFor((l) => l[1]!.includes(`${name} changed on disk`) && l[2]!.includes('<ROOT>'), 20_000, 'the changed-capture banner over the rows');
  if (!banner[1]!.includes('press r to open its new version')) throw new Error(`the banner does not offer r: ${banner[1]}`);
  if (!banner.join('\n').includes('level1')) throw new Error('the old rows did not stay until r');
  s.write('r');
  await s.waitFor((l) => !l[1]!.includes('changed on disk') && l.some((x) => x.includes('<ROOT>')) && !l.join('\n').includes('level1'), 30_000, 'the new version after r');
}
