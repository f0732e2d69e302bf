// The small part of neo-blessed 0.2 (CommonJS, no bundled types) that the tree view uses.
declare module 'neo-blessed' {
  import type { EventEmitter } from 'node:events';

  namespace blessed {
    /** A cell of the screen buffer: [attribute code, character(s)]. */
    type Cell = [number, string];
    /** A row of cells; `dirty` asks the next draw to repaint it. */
    type Line = Cell[] & { dirty: boolean };

    interface Key {
      readonly name?: string;
      readonly full: string;
      readonly ctrl: boolean;
      readonly meta: boolean;
      readonly shift: boolean;
      readonly sequence?: string;
    }

    interface Program extends EventEmitter {
      readonly input: NodeJS.ReadableStream;
      readonly output: NodeJS.WritableStream;
      readonly tput: { readonly colors: number; readonly unicode: boolean };
      cols: number;
      rows: number;
      isAlt: boolean;
      /** Whether writes are collected and flushed on the next tick. */
      useBuffer: boolean;
      /** Leaves the alternate screen and raw mode; the returned function undoes that. */
      pause(): () => void;
      showCursor(): void;
      hideCursor(): void;
      flush(): void;
    }

    interface ScreenOptions {
      input?: NodeJS.ReadableStream;
      output?: NodeJS.WritableStream;
      terminal?: string;
      smartCSR?: boolean;
      fullUnicode?: boolean;
      forceUnicode?: boolean;
      resizeTimeout?: number;
      autoPadding?: boolean;
      warnings?: boolean;
      title?: string;
      dockBorders?: boolean;
      useBCE?: boolean;
    }

    interface Node extends EventEmitter {
      readonly screen: Screen;
      destroy(): void;
    }

    interface ElementOptions {
      parent?: Node;
      top?: number | string;
      left?: number | string;
      width?: number | string;
      height?: number | string;
    }

    interface Element extends Node {
      /** Draws the element into screen.lines; replaced by our canvas. */
      render(): unknown;
    }

    interface Screen extends Node {
      readonly program: Program;
      readonly width: number;
      readonly height: number;
      readonly cols: number;
      readonly rows: number;
      readonly lines: Line[];
      readonly olines: Line[];
      readonly dattr: number;
      readonly destroyed?: boolean;
      title: string;
      render(): void;
      alloc(): void;
      draw(start: number, end: number): void;
      destroy(): void;
      leave(): void;
      enter(): void;
      on(event: 'keypress', listener: (ch: string | undefined, key: Key) => void): this;
      on(event: 'resize' | 'render' | 'destroy', listener: () => void): this;
      on(event: string, listener: (...args: unknown[]) => void): this;
    }
  }

  const blessed: {
    screen(options?: blessed.ScreenOptions): blessed.Screen;
    box(options?: blessed.ElementOptions): blessed.Element;
    colors: {
      /** Nearest xterm-256 palette index of an RGB colour. */
      match(r: number, g: number, b: number): number;
    };
  };
  export default blessed;
}
