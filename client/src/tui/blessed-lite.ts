/**
 * The two neo-blessed widgets the view uses, loaded without the rest of the package: requiring
 * 'neo-blessed' loads every widget (~55 ms here), these two take about half of that, and
 * start-up is most of what a user waits for before the first screen.
 */
import { createRequire } from 'node:module';
import type blessed from 'neo-blessed';

const require = createRequire(import.meta.url);

type ScreenCtor = new (opts: blessed.ScreenOptions) => blessed.Screen;
type BoxCtor = new (opts: blessed.ElementOptions) => blessed.Element;

const Screen = require('neo-blessed/lib/widgets/screen') as ScreenCtor;
const Box = require('neo-blessed/lib/widgets/box') as BoxCtor;

/** blessed.screen(). */
export function screen(opts: blessed.ScreenOptions): blessed.Screen {
  return new Screen(opts);
}

/** blessed.box(). */
export function box(opts: blessed.ElementOptions): blessed.Element {
  return new Box(opts);
}
