/**
 * Runs the time model (range-cursor.ts) in the view: asks the tree's source for the memory
 * series in as many buckets as the chart has columns (again when the width changes), hands
 * the keys of RANGE_KEYS to the model and the views it chooses to the tree controller.
 */
import type { Grid } from './cells.js';
import { drawChartStrip, plotWidth, stripHeight } from './chart-strip.js';
import { lookupKey } from './keys.js';
import type { Rect } from './layout.js';
import { initialRangeState, memoryFailed, memoryLoaded, RANGE_KEYS, rangeKey, type RangeState } from './range-cursor.js';
import type { TreeController } from './tree-controller.js';

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The chart strip and range cursor of one view. */
export class TimeStrip {
  private model: RangeState | null = null;
  private tree: TreeController | undefined;
  private cols = 80;
  /** The bucket count asked for (or answered), and the request in flight. */
  private asked: { points: number; ac: AbortController } | undefined;
  private closed = false;

  /** `changed(relayout)`: something visible changed; relayout when the strip's height did. */
  constructor(private readonly changed: (relayout: boolean) => void) {}

  /** The model's state (tests look at it). */
  get state(): RangeState | null {
    return this.model;
  }

  /**
   * The tree is there: the strip starts shown when the tree starts on a range, or when it was
   * shown over the tree this one replaces (the final tree after a provisional one). A
   * provisional tree's capture has no series yet (it is built with the index): the strip says
   * so and asks when the final tree comes.
   */
  attach(tree: TreeController, provisional = false): void {
    const wasShown = this.model?.shown === true;
    this.tree = tree;
    this.asked?.ac.abort();
    this.asked = undefined;
    const start = initialRangeState(tree.state.view);
    this.model = { ...start, shown: start.shown || wasShown, waiting: provisional };
    if (this.model.shown) this.load();
  }

  /** Rows the strip takes on a terminal `rows` high. */
  height(rows: number): number {
    return this.model?.shown === true ? stripHeight(rows) : 0;
  }

  /** The terminal is `cols` wide: a chart of another width asks for its buckets again. */
  resize(cols: number): void {
    this.cols = cols;
    if (this.model?.shown === true) this.load();
  }

  /** A key (neo-blessed's `key.full`); false when it is not the strip's. */
  key(full: string): boolean {
    const tree = this.tree;
    const action = lookupKey(RANGE_KEYS, full);
    if (tree === undefined || this.model === null || action === undefined) return false;
    const result = rangeKey(this.model, action, tree.state.view);
    if (result === null) return false;
    const wasShown = this.model.shown;
    this.model = result.state;
    if (this.model.shown) this.load();
    if (result.view !== undefined) tree.dispatch({ type: 'view', view: result.view });
    this.changed(wasShown !== this.model.shown);
    return true;
  }

  draw(grid: Grid, rect: Rect): void {
    if (this.model?.shown === true) drawChartStrip(grid, rect, this.model, this.tree?.state.view.range);
  }

  close(): void {
    this.closed = true;
    this.asked?.ac.abort();
  }

  /** Asks for the series at the chart's width unless it is there or on its way. */
  private load(): void {
    const tree = this.tree;
    const points = plotWidth(this.cols);
    if (tree === undefined || this.closed || this.model?.waiting === true || this.asked?.points === points) return;
    this.asked?.ac.abort();
    const ac = new AbortController();
    this.asked = { points, ac };
    tree.memory(points, ac.signal).then(
      (memory) => {
        if (ac.signal.aborted || this.closed || this.model === null) return;
        this.model = memoryLoaded(this.model, memory, tree.state.view);
        this.changed(false);
      },
      (err: unknown) => {
        if (ac.signal.aborted || this.closed || this.model === null) return;
        this.asked = undefined; // asked again at the next key or resize
        this.model = memoryFailed(this.model, message(err));
        this.changed(false);
      },
    );
  }
}
