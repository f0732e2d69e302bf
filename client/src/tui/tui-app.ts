/**
 * The interactive view without the terminal: the progress phase while the capture is indexed,
 * then the tree; keys in, frames (Grids) out. tree-view.ts connects it to neo-blessed.
 */
import type { CaptureProgressParams } from '../../../protocol/src/capture.js';
import { Grid } from './cells.js';
import { drawDetail } from './draw-detail.js';
import { drawOverlay, viewStatus } from './draw-overlay.js';
import { drawFooter, drawHeader, drawTree } from './draw-tree.js';
import { PROGRESS_KEYS, TREE_KEYS, lookupKey } from './keys.js';
import { layout, viewportOf } from './layout.js';
import { STYLES } from './palette.js';
import { initialProgress, progressLines, reduceProgress, type ProgressState } from './progress-model.js';
import type { TreeController } from './tree-controller.js';
import type { TreeSource } from './tree-source.js';
import { rowWindow } from './tree-model.js';
import { footer, header, panel, status, waitingLine } from './tree-panel.js';
import { TimeStrip } from './time-strip.js';
import { capturesKeys, VIEW_KEYS } from './view-keys.js';
import { stringWidth } from './wcwidth.js';
import { ProvisionalMark } from './provisional-mark.js';
import { carryOf } from './tree-carry.js';
import type { ProvisionalOffer } from './provisional-feed.js';
import type { ProvisionalInfo } from '../../../protocol/src/tree.js';

/** What a TuiApp shows and whom it tells. */
export interface TuiAppOptions {
  readonly title?: string;
  /** Something visible changed: render a frame. */
  readonly onChange: () => void;
  /** The user quit (q, ctrl+c); `cancelled` when that was during indexing. */
  readonly onQuit: (cancelled: boolean) => void;
  /** ctrl+z. */
  readonly onSuspend: () => void;
  /** An exception outside a key press or render (while applying data): ends the view. */
  readonly onError: (err: unknown) => void;
  /** `r` after connectionLost(): a new source for the same capture (a daemon started if needed). */
  readonly onReconnect?: () => Promise<TreeSource>;
}

/** The view's state machine: progress, then tree, then closed. */
export class TuiApp {
  private progress: ProgressState;
  private controller: TreeController | undefined;
  private size = { cols: 80, rows: 24 };
  private closed = false;
  private warnings: readonly string[] = [];
  /** Why the data source went away (shown under the header until `r` reconnects), or undefined. */
  private lost: { readonly what: string; readonly log?: string; readonly again?: string } | undefined;
  private reconnecting = false;
  /** Whether the tree shown is provisional (the capture still being indexed), and its header mark. */
  private readonly provisional = new ProvisionalMark();
  /** Whether a key was pressed on a provisional tree (its successors then keep the view where it was). */
  private touched = false;
  /** The chart strip and range cursor (`g`, `[` `]`, Enter, `L`). */
  private readonly time: TimeStrip;

  constructor(private readonly opts: TuiAppOptions) {
    this.progress = initialProgress(opts.title ?? 'the capture');
    this.time = new TimeStrip((relayout) => {
      if (relayout) this.resize(this.size.cols, this.size.rows);
      this.opts.onChange();
    });
  }

  /** The chart strip (tests look at its state). */
  get timeStrip(): TimeStrip {
    return this.time;
  }

  /** The tree controller once attached (tests look at its state). */
  get tree(): TreeController | undefined {
    return this.controller;
  }

  /** A progress notification from the indexing job. */
  onProgress(p: CaptureProgressParams): void {
    if ((this.controller !== undefined && !this.provisional.shown) || this.closed) return;
    this.progress = reduceProgress(this.progress, { type: 'progress', progress: p });
    this.opts.onChange();
  }

  /**
   * A provisional tree of the capture being indexed (provisional-feed.ts): shown in place of
   * the progress view, and in place of an older one unless the user moved in the last seconds.
   */
  offerProvisional(offer: ProvisionalOffer): void {
    if (this.closed || (this.controller !== undefined && !this.provisional.shown) || !this.provisional.wants()) return;
    if (offer.info.tree === this.provisional.tree) return; // shown already
    this.attach(offer.start(), offer.info);
  }

  /**
   * The data is ready: switch to the tree, whose controller may have started before this view.
   * `provisional`: a tree of the capture still being indexed, which the next one replaces.
   */
  attach(tree: TreeController, provisional?: ProvisionalInfo): void {
    if ((this.controller !== undefined && !this.provisional.shown) || this.closed) {
      tree.close();
      return;
    }
    // A newer version of the tree shown (a provisional tree replaced): the view stays where the
    // user put it, by path of frames (tree-carry.ts). Untouched, the new tree opens as at start-up.
    const carry = this.controller !== undefined && this.touched ? carryOf(this.controller.state) : undefined;
    this.controller?.close();
    this.provisional.showing(provisional);
    this.controller = tree;
    this.time.attach(tree, provisional !== undefined);
    tree.listen({
      onError: this.opts.onError,
      // The rows shown are the old version's: `r` opens the new one (as after a lost daemon).
      onCaptureChanged: () => this.connectionLost(`${this.opts.title ?? 'the capture'} changed on disk`, undefined, 'open its new version'),
      onChange: (s) => {
        if (s.quit) this.quit();
        else this.opts.onChange();
      },
    });
    this.resize(this.size.cols, this.size.rows);
    if (carry !== undefined) tree.dispatch({ type: 'carry', carry });
    this.opts.onChange();
  }

  /**
   * Warnings about the capture (damaged, not finished): one line under the header for the
   * rest of the session, the first warning and how many more.
   */
  setWarnings(warnings: readonly string[]): void {
    if (this.closed) return;
    this.warnings = warnings;
    this.resize(this.size.cols, this.size.rows);
    this.opts.onChange();
  }

  /**
   * The data source went away (the daemon exited, the connection dropped): say so under the
   * header; the loaded rows stay browsable and `r` reconnects.
   */
  connectionLost(what: string, log?: string, again = 'reconnect'): void {
    if (this.closed || this.reconnecting) return;
    this.lost = { what, log, again };
    this.resize(this.size.cols, this.size.rows);
    this.opts.onChange();
  }

  private reconnect(): void {
    const again = this.opts.onReconnect;
    if (again === undefined || this.reconnecting) return;
    this.reconnecting = true;
    this.opts.onChange();
    again().then(
      (source) => {
        this.reconnecting = false;
        if (this.closed) return;
        this.lost = undefined;
        this.resize(this.size.cols, this.size.rows);
        this.controller?.reopen(source);
        this.opts.onChange();
      },
      (err: unknown) => {
        this.reconnecting = false;
        if (this.closed) return;
        this.lost = { what: `could not reconnect (${err instanceof Error ? err.message : String(err)})`, log: this.lost?.log };
        this.opts.onChange();
      },
    );
  }

  /** A key, as neo-blessed's `key.full`, and the character typed (for the search query). */
  key(full: string, ch?: string): void {
    if (this.closed) return;
    this.provisional.key();
    if (this.provisional.shown) this.touched = true;
    if (full === 'r' && this.lost !== undefined && this.controller !== undefined) {
      this.reconnect();
      return;
    }
    if (this.controller === undefined) {
      const action = lookupKey(PROGRESS_KEYS, full);
      if (action === 'suspend') this.opts.onSuspend();
      else if (action === 'quit') {
        this.progress = reduceProgress(this.progress, { type: 'cancel' });
        this.quit();
      }
      return;
    }
    // memtree's view keys first; while a query is typed or an overlay is open they take every key
    // they handle (memray's keys still move the tree under a query being typed); Esc without a search
    // is the time strip's.
    const before = this.controller.state;
    if (capturesKeys(before) || VIEW_KEYS.has(full)) {
      this.controller.dispatch({ type: 'viewKey', full, ch });
      if (this.controller.state !== before || before.ui.overlay !== null) return;
    }
    if (this.time.key(full)) return;
    const action = lookupKey(TREE_KEYS, full);
    if (action === 'suspend') this.opts.onSuspend();
    else if (action !== undefined) this.controller.dispatch({ type: 'key', key: action });
  }

  /** The terminal's size changed (also called once at start). */
  resize(cols: number, rows: number): void {
    this.size = { cols, rows };
    this.time.resize(cols);
    this.controller?.dispatch({ type: 'resize', viewport: viewportOf(cols, rows, this.hasBanner(), this.time.height(rows)) });
  }

  /** Stops all requests; no more callbacks. */
  close(): void {
    this.closed = true;
    this.time.close();
    this.controller?.close();
  }

  private hasBanner(): boolean {
    return this.warnings.length > 0 || this.lost !== undefined;
  }

  /** The banner under the header: a lost connection first, else the capture's warnings. */
  private bannerText(title: string): string {
    if (this.lost !== undefined) {
      const log = this.lost.log === undefined ? '' : `; its log: ${this.lost.log}`;
      return `⚠ ${this.lost.what}: ${this.reconnecting ? 'reconnecting…' : `press r to ${this.lost.again ?? 'reconnect'}`}${log}`;
    }
    const more = this.warnings.length > 1 ? ` (+${this.warnings.length - 1} more)` : '';
    return `⚠ ${title === '' ? '' : `${title}: `}${this.warnings[0]}${more}`;
  }

  private quit(): void {
    if (this.closed) return;
    // Quitting a provisional tree cancels the indexing, as quitting the progress view does.
    const cancelled = this.controller === undefined || this.provisional.shown;
    this.close();
    this.opts.onQuit(cancelled);
  }

  /** The frame for a `cols` x `rows` terminal. */
  compose(cols: number, rows: number): Grid {
    const grid = new Grid(cols, rows);
    const l = layout(cols, rows, this.hasBanner(), this.controller === undefined ? 0 : this.time.height(rows));
    const title = this.opts.title ?? '';
    if (l.bannerRow >= 0) {
      grid.fill(0, l.bannerRow, cols, 1, STYLES.banner);
      grid.text(0, l.bannerRow, this.bannerText(title), STYLES.banner);
    }
    if (this.controller === undefined) {
      drawHeader(grid, l.headerRow, 'memtree', '');
      const lines = progressLines(this.progress, Math.min(cols - 4, 70));
      const top = Math.max(1, Math.floor((rows - lines.length) / 2));
      lines.forEach((line, i) => {
        const x = Math.max(0, Math.floor((cols - stringWidth(line)) / 2));
        grid.text(x, top + i, line, i === 0 ? STYLES.bold : STYLES.plain);
      });
      drawFooter(grid, l.footerRow, [{ key: 'q', label: 'Cancel' }], '');
      return grid;
    }
    const s = this.controller.state;
    drawHeader(grid, l.headerRow, this.provisional.mark(this.progress) + (header(s) || waitingLine(s, this.controller.waitingFor)), title);
    this.time.draw(grid, l.strip);
    drawTree(grid, l.tree, rowWindow(s, l.tree.width, s.scroll, l.tree.height), s.hscroll);
    drawDetail(grid, l, panel(s));
    // Overlays (the keys, the threads) cover the body up to 100 columns: the tree pane alone
    // (72 of 120) cut their lines short.
    drawOverlay(grid, { ...l.tree, width: Math.min(cols, Math.max(l.tree.width, 100)) }, s);
    const statusText = [viewStatus(s), status(s, this.controller.pending)].filter((t) => t !== '').join('  ');
    // A query being typed or a notice takes the whole footer: on narrow terminals the keys leave no room.
    const own = s.ui.search?.editing === true || s.ui.message !== null;
    drawFooter(grid, l.footerRow, own ? [] : footer(s), statusText);
    return grid;
  }
}
