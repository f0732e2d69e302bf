/**
 * Keys as the bytes a terminal sends, for the headless view and the pseudo-terminal tests.
 */
/** Terminal byte sequences of the keys the view knows. */
export const KEY = {
  up: '\x1b[A',
  down: '\x1b[B',
  right: '\x1b[C',
  left: '\x1b[D',
  home: '\x1b[H',
  end: '\x1b[F',
  pageUp: '\x1b[5~',
  pageDown: '\x1b[6~',
  enter: '\r',
  space: ' ',
  ctrlC: '\x03',
  ctrlZ: '\x1a',
  escape: '\x1b',
} as const;
