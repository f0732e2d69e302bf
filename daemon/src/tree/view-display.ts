/**
 * A built view tree as clients see it: nodes numbered in preorder of the display order
 * (children largest first), and for each combination of memray's two display toggles the
 * displayed children of every node. Ids do not depend on the toggles, so a client keeps its
 * place when toggling. Pages, search and export are reads of these arrays.
 */
import type { ViewFilter } from '../../../protocol/src/display.js';
import type { NodeFacts, TreeDocumentNode } from '../../../protocol/src/tree-document.js';
import type { ViewNode } from '../../../protocol/src/tree.js';
import type { BuiltTree } from './build-tree.js';

const TOO_DEEP = { function: '...', file: '...', line: 0, interesting: true, importSystem: false };

/** Which nodes a toggle combination displays, and under which displayed parent. */
export class Display {
  /** Displayed parent of each id (-1: not displayed; the root has -1 too). */
  readonly parent: Int32Array;
  readonly childCount: Int32Array;
  private readonly start: Int32Array;
  private readonly list: Int32Array;

  constructor(
    private readonly view: ViewTree,
    filter: ViewFilter,
  ) {
    const size = view.size;
    const parent = new Int32Array(size).fill(-1);
    // The displayed node a node's children attach to: itself, its anchor when spliced, -2 when removed.
    const anchor = new Int32Array(size);
    const count = new Int32Array(size);
    for (let id = 1; id < size; id++) {
      const pa = anchor[view.parentId[id]!]!;
      if (pa === -2 || (filter.hideImportSystem && view.flag(id, 'importSystem'))) anchor[id] = -2;
      else if (filter.hideUninteresting && !view.flag(id, 'interesting')) anchor[id] = pa;
      else {
        anchor[id] = id;
        parent[id] = pa;
        count[pa]!++;
      }
    }
    // Preorder ids make each node's displayed children, in id order, its display order.
    const start = new Int32Array(size + 1);
    for (let id = 0; id < size; id++) start[id + 1] = start[id]! + count[id]!;
    const fill = start.slice(0, size);
    const list = new Int32Array(start[size]!);
    for (let id = 1; id < size; id++) if (parent[id]! >= 0) list[fill[parent[id]!]!++] = id;
    this.parent = parent;
    this.childCount = count;
    this.start = start;
    this.list = list;
  }

  displayed(id: number): boolean {
    return id === 0 || (id > 0 && id < this.view.size && this.parent[id]! >= 0);
  }

  node(id: number): ViewNode {
    return { id, ...this.view.facts(id), childCount: this.childCount[id]! };
  }

  /** Displayed children of `id` from `offset`. */
  children(id: number, offset: number, limit: number): ViewNode[] {
    const from = this.start[id]! + offset;
    const to = Math.min(this.start[id + 1]!, from + limit);
    const out: ViewNode[] = [];
    for (let k = from; k < to; k++) out.push(this.node(this.list[k]!));
    return out;
  }

  /** Ids from the root down to `id`. */
  pathTo(id: number): number[] {
    const out = [id];
    for (let p = id; p !== 0; ) out.push((p = this.parent[p]!));
    return out.reverse();
  }

  /**
   * Displayed nodes (not the root) whose location matches (`byLocation[location] === 1`; cut-off
   * nodes, shown as "...", by `tooDeep`), in display order: one pass over typed arrays.
   */
  search(byLocation: Uint8Array, tooDeep: boolean, offset: number, limit: number): { ids: number[]; total: number } {
    const ids: number[] = [];
    const locs = this.view.locations();
    const parent = this.parent;
    let total = 0;
    for (let id = 1; id < locs.length; id++) {
      if (parent[id]! < 0) continue;
      const loc = locs[id]!;
      if (loc < 0 ? !tooDeep : byLocation[loc] !== 1) continue;
      if (total >= offset && ids.length < limit) ids.push(id);
      total++;
    }
    return { ids, total };
  }

  /** The displayed tree as document nodes (iterative: trees can be 400+ deep). */
  document(): TreeDocumentNode {
    type Mutable = Omit<TreeDocumentNode, 'children'> & { children: Mutable[] };
    const make = (id: number): Mutable => ({ ...this.view.facts(id), children: [] });
    const nodes = new Map<number, Mutable>();
    const root = make(0);
    nodes.set(0, root);
    for (let id = 1; id < this.view.size; id++) {
      const p = this.parent[id]!;
      if (p < 0) continue;
      const n = make(id);
      nodes.get(p)!.children.push(n);
      nodes.set(id, n);
    }
    return root;
  }
}

/** A built tree renumbered in preorder, with its displays made on demand. */
export class ViewTree {
  readonly size: number;
  /** Built node of each id. */
  private readonly nodeOf: Int32Array;
  /** Parent id of each id (-1 for the root). */
  readonly parentId: Int32Array;
  private readonly displays = new Map<number, Display>();

  constructor(readonly built: BuiltTree) {
    const size = built.size;
    this.size = size;
    this.nodeOf = new Int32Array(size);
    this.parentId = new Int32Array(size);
    let next = 0;
    const stack: number[] = [0, -1];
    while (stack.length > 0) {
      const pp = stack.pop()!;
      const node = stack.pop()!;
      const id = next++;
      this.nodeOf[id] = node;
      this.parentId[id] = pp;
      const kids = built.children(node);
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!, id);
    }
  }

  private locs: Int32Array | undefined;

  /** The location id of every id (-1 for the root and for cut-off nodes). */
  locations(): Int32Array {
    if (this.locs === undefined) {
      const out = new Int32Array(this.size);
      for (let id = 0; id < this.size; id++) out[id] = this.location(id);
      this.locs = out;
    }
    return this.locs;
  }

  /** The location id of node `id` (-1 for the root and for cut-off nodes). */
  location(id: number): number {
    const n = this.nodeOf[id]!;
    return this.built.tooDeep?.[n] === 1 ? -1 : this.built.location[n]!;
  }

  /** A frame flag of node `id` (the root and cut-off nodes: interesting, not import system). */
  flag(id: number, which: 'interesting' | 'importSystem'): boolean {
    const loc = this.location(id);
    if (loc < 0) return which === 'interesting';
    return this.built.frames[loc]![which];
  }

  facts(id: number): NodeFacts {
    const b = this.built;
    const n = this.nodeOf[id]!;
    const loc = b.location[n]!;
    const t = b.thread[n]!;
    const counts = { bytes: b.bytes[n]!, allocations: b.allocations[n]!, thread: t < 0 ? '' : b.labels[t]! };
    if (loc < 0) return { function: '<ROOT>', file: '', line: 0, ...counts, interesting: true, importSystem: false };
    if (b.tooDeep?.[n] === 1) return { ...TOO_DEEP, ...counts };
    const f = b.frames[loc]!;
    return { function: f.function, file: f.file, line: f.line, ...counts, interesting: f.interesting, importSystem: f.importSystem };
  }

  display(filter: ViewFilter): Display {
    const key = (filter.hideImportSystem ? 2 : 0) | (filter.hideUninteresting ? 1 : 0);
    let d = this.displays.get(key);
    if (d === undefined) {
      d = new Display(this, filter);
      this.displays.set(key, d);
    }
    return d;
  }
}
