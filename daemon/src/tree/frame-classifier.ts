/**
 * Turns resolved frames into tree frames: a location id per distinct (function, file, line)
 * and memray's classification (CPython-internal, import system, interesting), computed once
 * per distinct frame. Shared by the Python and the hybrid (native) stack resolvers.
 */
import type { Frame } from '../capture/capture-state.js';
import { isCpythonInternal, isImportSystem, isInteresting } from './frame-filters.js';

/** A resolved frame as the tree sees it. */
export interface TreeFrame {
  readonly function: string;
  readonly file: string;
  readonly line: number;
  /** Id of the (function, file, line) location: children are keyed by it. */
  readonly location: number;
  readonly internal: boolean;
  readonly importSystem: boolean;
  readonly interesting: boolean;
}

function keyOf(f: Frame): string {
  return `${f.function}\0${f.file}\0${f.line}`;
}

export class FrameClassifier {
  private readonly byKey = new Map<string, TreeFrame>();
  /** Tree frames by location id. */
  readonly frames: TreeFrame[] = [];

  /** @param onNew called once per new location (the index writer stores its row). */
  constructor(private readonly onNew?: (tf: TreeFrame) => void) {}

  /** Takes a location numbered earlier (a row of an existing index); ids are dense from 0. */
  adopt(tf: TreeFrame): void {
    this.byKey.set(keyOf(tf), tf);
    this.frames[tf.location] = tf;
  }

  classify(f: Frame): TreeFrame {
    const key = keyOf(f);
    let tf = this.byKey.get(key);
    if (tf === undefined) {
      const importSystem = isImportSystem(f.function, f.file);
      tf = {
        function: f.function,
        file: f.file,
        line: f.line,
        location: this.frames.length,
        internal: isCpythonInternal(f.function, f.file),
        importSystem,
        interesting: !importSystem && isInteresting(f.function, f.file),
      };
      this.byKey.set(key, tf);
      this.frames.push(tf);
      this.onNew?.(tf);
    }
    return tf;
  }
}
