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

interface TputProto {
  _compile(this: { options: { stringify?: boolean } }, info: unknown, key: string, str: unknown): unknown;
}

// neo-blessed compiles every capability of the terminfo entry into a function (new Function)
// when the screen is created: ~12 ms of the ~25 the terminal set-up takes, for a few dozen
// capabilities the view ever uses. Compile each one on its first use instead.
const tput = (require('neo-blessed/lib/tput') as { prototype: TputProto }).prototype;
const compileNow = tput._compile;
tput._compile = function (info, key, str) {
  if (typeof str !== 'string' || str === '' || this.options.stringify === true || key === 'init_file' || key === 'reset_file') {
    return compileNow.call(this, info, key, str);
  }
  let compiled: ((...args: unknown[]) => unknown) | undefined;
  const self = this;
  return function (this: unknown, ...args: unknown[]): unknown {
    if (compiled === undefined) {
      try {
        compiled = compileNow.call(self, info, key, str) as (...args: unknown[]) => unknown;
      } catch {
        compiled = () => ''; // a broken capability writes nothing, as neo-blessed's noop
      }
    }
    return compiled.apply(this, args);
  };
};

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
