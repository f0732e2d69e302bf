/**
 * The two neo-blessed widgets the view uses, loaded without the rest of the package: requiring
 * 'neo-blessed' loads every widget (~55 ms here), these two take about half of that, and
 * start-up is most of what a user waits for before the first screen.
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type blessed from 'neo-blessed';
import type { TerminalProfile } from './terminal.js';
import type { TerminfoData } from './terminfo.js';

const require = createRequire(import.meta.url);

type ScreenCtor = new (opts: blessed.ScreenOptions) => blessed.Screen;
type BoxCtor = new (opts: blessed.ElementOptions) => blessed.Element;

interface TputProto {
  _compile(this: { options: { stringify?: boolean } }, info: unknown, key: string, str: unknown): unknown;
  readTerminfo(this: { terminal: string }, term?: string): unknown;
}

interface TputStatic {
  prototype: TputProto;
  /** Standard capability names in term.h's order. */
  bools: string[];
  numbers: string[];
  strings: string[];
}

// neo-blessed compiles every capability of the terminfo entry into a function (new Function)
// when the screen is created: ~12 ms of the ~25 the terminal set-up takes, for a few dozen
// capabilities the view ever uses. Compile each one on its first use instead.
const Tput = require('neo-blessed/lib/tput') as TputStatic;
const tput = Tput.prototype;
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

/** An entry in the shape neo-blessed's own terminfo parser returns. */
function blessedInfo(d: TerminfoData, file: string | undefined): unknown {
  const bools: Record<string, boolean> = {};
  const numbers: Record<string, number> = {};
  const strings: Record<string, string> = {};
  d.bools.forEach((v, i) => {
    if (Tput.bools[i] !== undefined) bools[Tput.bools[i]] = v;
  });
  d.numbers.forEach((v, i) => {
    if (Tput.numbers[i] !== undefined) numbers[Tput.numbers[i]] = v;
  });
  d.strings.forEach((v, i) => {
    if (v !== undefined && Tput.strings[i] !== undefined) strings[Tput.strings[i]] = v;
  });
  for (const [k, v] of d.extBools) bools[k] = v;
  for (const [k, v] of d.extNumbers) numbers[k] = v;
  for (const [k, v] of d.extStrings) strings[k] = v;
  const names = d.names.length > 1 ? d.names.slice(0, -1) : [...d.names];
  return { header: {}, name: names[0], names, desc: d.names.at(-1), dir: file && path.dirname(path.dirname(file)), file, bools, numbers, strings };
}

// neo-blessed's parser misreads ncurses 6's extended-number entries (terminfo.ts): entries of
// the terminals screen() was given come from our parser instead.
const profiles = new Map<string, TerminalProfile>();
const readTerminfo = tput.readTerminfo;
tput.readTerminfo = function (term) {
  const p = profiles.get((term ?? this.terminal).toLowerCase());
  return p === undefined ? readTerminfo.call(this, term) : blessedInfo(p.info, p.file);
};

const Screen = require('neo-blessed/lib/widgets/screen') as ScreenCtor;
const Box = require('neo-blessed/lib/widgets/box') as BoxCtor;

/** blessed.screen() on the terminal `profile` describes (terminal.ts checkTerminal). */
export function screen(opts: blessed.ScreenOptions, profile?: TerminalProfile): blessed.Screen {
  if (profile !== undefined) profiles.set(profile.term.toLowerCase(), profile);
  return new Screen(profile === undefined ? opts : { ...opts, terminal: profile.term });
}

/** blessed.box(). */
export function box(opts: blessed.ElementOptions): blessed.Element {
  return new Box(opts);
}
