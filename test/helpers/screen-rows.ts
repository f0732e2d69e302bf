/**
 * The tree pane's rows on a terminal screen, and memray's reference rows, for the
 * pseudo-terminal tests.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { layout } from '../../client/src/tui/layout.js';
import { truncateToWidth } from '../../client/src/tui/wcwidth.js';
import { SCREENS } from './paths.js';

/** The size memray's reference screens were taken at. */
export const MEMRAY_COLS = 160;
export const MEMRAY_ROWS = 48;

/** The tree rows of a screen: the text left of the detail panel, from `first` to the first blank row. */
export function treeRows(lines: readonly string[], first: number, width = layout(MEMRAY_COLS, MEMRAY_ROWS).tree.width, height = Infinity): string[] {
  const out: string[] = [];
  for (const line of lines.slice(first, first + height)) {
    const row = truncateToWidth(line, width).trimEnd();
    if (row === '') break;
    out.push(row);
  }
  return out;
}

/** memray 1.20's tree rows in one of its reference screens (e.g. simple-00-initial.txt). */
export function memrayRows(file: string): string[] {
  return treeRows(fs.readFileSync(path.join(SCREENS, file), 'utf8').split('\n'), 0);
}
