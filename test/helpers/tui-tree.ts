/**
 * Drives the interactive tree's model headlessly: captures written with stacksCapture (or real
 * fixtures) loaded into TreeDocuments, served by DocumentTreeSource, walked with key actions.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TreeDocument } from '../../protocol/src/tree-document.js';
import type { ViewOptions } from '../../protocol/src/tree.js';
import { loadCapture } from '../../daemon/src/capture/load.js';
import { treeDocument } from '../../daemon/src/tree/tree-document.js';
import { joinLabel } from '../../client/src/format/label.js';
import { formatNote, moduleNamer } from '../../client/src/print/print-tree.js';
import { TreeController } from '../../client/src/tui/tree-controller.js';
import { initialTreeState, rows, treeConfig, type KeyAction, type Row } from '../../client/src/tui/tree-model.js';
import { DocumentTreeSource, type DocumentSourceOptions, type TreeSource } from '../../client/src/tui/tree-source.js';
import type { TreeState } from '../../client/src/tui/tree-state.js';
import { stacksCapture, type StackRecord, type WriterOptions } from './capture-writer.js';
import { tempDir } from './paths.js';
import { testSources } from './sources.js';

/** memray's start-up view: peak mode, -b 200, import system shown, uninteresting hidden. */
export const DEFAULT_VIEW: ViewOptions = { mode: { kind: 'peak' }, biggestAllocs: 200, hideImportSystem: false, hideUninteresting: true };

let tmpDir: string | undefined;
let fileNo = 0;

/** A capture loaded into a tree document, with the traced process's sys.path. */
export interface LoadedDoc {
  readonly doc: TreeDocument;
  readonly searchPath: readonly string[];
}

/** Loads a capture file as `memtree tree` would. */
export function loadDoc(file: string, biggestAllocs = 200): LoadedDoc {
  const capture = loadCapture(file);
  return { doc: treeDocument(capture, path.resolve(file), { kind: 'peak' }, biggestAllocs), searchPath: capture.header.sysPath };
}

/** Writes a synthetic capture of `records` (memray's test notation) and loads it. */
export function docFromRecords(records: readonly StackRecord[], biggestAllocs = 200, opts: WriterOptions = {}): LoadedDoc {
  tmpDir ??= tempDir('memtree-tui-');
  const file = path.join(tmpDir, `t${fileNo++}.bin`);
  fs.writeFileSync(file, stacksCapture(records, opts));
  try {
    return loadDoc(file, biggestAllocs);
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** How a ModelHarness is set up. */
export interface HarnessOptions {
  readonly view?: Partial<ViewOptions>;
  readonly treeRows?: number;
  readonly codeRows?: number;
  readonly pageSize?: number;
  readonly prefetchRows?: number;
  /** Where the default DocumentTreeSource finds source files. */
  readonly lookup?: DocumentSourceOptions;
  /** Use this source instead of a DocumentTreeSource over the document. */
  readonly source?: TreeSource;
}

/** A model driven through a controller; every step waits until the source has answered. */
export class ModelHarness {
  private constructor(readonly ctl: TreeController) {}

  static async open(loaded: LoadedDoc, opts: HarnessOptions = {}): Promise<ModelHarness> {
    const view = { ...DEFAULT_VIEW, biggestAllocs: loaded.doc.biggestAllocs, ...opts.view };
    const config = treeConfig({
      moduleName: moduleNamer(loaded.searchPath),
      formatNote: formatNote(loaded.doc.capture),
      ...(opts.pageSize !== undefined ? { pageSize: opts.pageSize } : {}),
      ...(opts.prefetchRows !== undefined ? { prefetchRows: opts.prefetchRows } : {}),
    });
    const state = initialTreeState(view, config, { treeRows: opts.treeRows ?? 46, codeRows: opts.codeRows ?? 22 });
    // Sources are read from the test's own directories only, whatever the machine has.
    const source = opts.source ?? new DocumentTreeSource(loaded.doc, { read: testSources, ...opts.lookup });
    const ctl = new TreeController(source, state, { detailDelayMs: 0 });
    ctl.start();
    await ctl.idle();
    return new ModelHarness(ctl);
  }

  get state(): TreeState {
    return this.ctl.state;
  }

  /** Presses keys one by one, letting the source answer after each. */
  async press(...keys: KeyAction[]): Promise<void> {
    for (const key of keys) {
      this.ctl.dispatch({ type: 'key', key });
      await this.ctl.idle();
    }
  }

  rows(width = 10_000): Row[] {
    return rows(this.state, width);
  }

  /** Row texts as drawn `width` cells wide. */
  texts(width = 10_000): string[] {
    return this.rows(width).map((r) => r.text);
  }

  /** Labels (no guides or arrows) with memray's test flags: [E] expanded, [C] collapsed, `leaf`. */
  labels(): string[] {
    return this.rows().map((r) => {
      const label = joinLabel(r.label);
      if (r.kind === 'elided' || r.kind === 'more') return label;
      const flag = this.state.expanded.has(r.id) ? '[E]' : '[C]';
      return `${'  '.repeat(r.depth)}${label} ${r.arrow === '' ? `leaf ${flag}` : flag}`;
    });
  }

  /** The label text of the cursor row. */
  cursorLabel(): string {
    const r = this.rows().find((x) => x.cursor);
    return r === undefined ? '' : joinLabel(r.label);
  }
}
