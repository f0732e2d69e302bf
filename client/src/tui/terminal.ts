/**
 * What the terminal can do, decided once before the view starts: its terminfo entry (found
 * where ncurses looks, read by our own parser; a built-in xterm-256color for names nothing
 * here describes), whether it can address the cursor at all (else `memtree tree` prints), and
 * how many colours to use (terminfo's max_colors, COLORTERM and the RGB / Tc flags, NO_COLOR).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseTerminfo, type TerminfoData } from './terminfo.js';
import { xtermFallbackEntry } from './xterm-fallback.js';

/** How colours are sent: exact 24-bit, an xterm-256 index, one of the 16 or 8 ANSI colours, or none. */
export type ColorMode = 'truecolor' | '256' | '16' | '8' | 'none';

/** The terminal the view will drive. */
export interface TerminalProfile {
  /** $TERM as given. */
  readonly term: string;
  readonly info: TerminfoData;
  /** The entry's file; undefined for the built-in fallback. */
  readonly file: string | undefined;
  readonly colorMode: ColorMode;
}

/** Either a profile, or why the full-screen view cannot run (the tree is printed instead). */
export type TerminalCheck = { readonly ok: true; readonly profile: TerminalProfile } | { readonly ok: false; readonly reason: string };

// Standard capability indexes in term.h's order (term(5)).
const BOOL_HARD_COPY = 7;
const BOOL_GENERIC = 6; // generic_type: a name like "network" or "dialup", not a real terminal
const NUM_MAX_COLORS = 13;
const STR_CURSOR_ADDRESS = 10;

/** Where ncurses looks for entries, in its order (Debian's built-in list last). */
export function terminfoDirs(env: NodeJS.ProcessEnv): string[] {
  const dirs: string[] = [];
  if (env.TERMINFO) dirs.push(env.TERMINFO);
  const home = env.HOME ?? os.homedir();
  if (home) dirs.push(path.join(home, '.terminfo'));
  // An empty element of TERMINFO_DIRS stands for the built-in list.
  const builtIn = ['/etc/terminfo', '/lib/terminfo', '/usr/share/terminfo', '/usr/lib/terminfo'];
  for (const d of (env.TERMINFO_DIRS ?? '').split(':')) {
    if (d === '') continue;
    dirs.push(d);
  }
  dirs.push(...builtIn);
  return dirs;
}

/** The compiled entry file of `term`, or undefined. */
export function findTerminfo(term: string, env: NodeJS.ProcessEnv): string | undefined {
  if (term === '' || term.includes('/') || term.startsWith('.')) return undefined;
  const hex = term.charCodeAt(0).toString(16).padStart(2, '0');
  for (const dir of terminfoDirs(env)) {
    for (const sub of [term[0]!, hex]) {
      const file = path.join(dir, sub, term);
      try {
        if (fs.statSync(file).isFile()) return file;
      } catch {
        // not in this directory
      }
    }
  }
  return undefined;
}

/** The colour depth for an entry and the environment. */
export function colorModeOf(term: string, info: TerminfoData, builtIn: boolean, env: NodeJS.ProcessEnv): ColorMode {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 'none';
  // The built-in entry says 256 for any name: trust only what the name and COLORTERM say.
  const colors = builtIn ? (/256col/.test(term) ? 256 : 16) : (info.numbers[NUM_MAX_COLORS] ?? -1);
  if (colors < 8) return 'none';
  const ct = (env.COLORTERM ?? '').toLowerCase();
  if (ct === 'truecolor' || ct === '24bit' || info.extBools.get('RGB') === true || info.extBools.get('Tc') === true) return 'truecolor';
  if (colors >= 256) return '256';
  return colors >= 16 ? '16' : '8';
}

/** The built-in xterm-256color entry under the name `term`. */
export function builtInProfile(term: string, env: NodeJS.ProcessEnv = process.env): TerminalProfile {
  const info = parseTerminfo(xtermFallbackEntry());
  return { term, info, file: undefined, colorMode: colorModeOf(term, info, true, env) };
}

/** The profile of terminal `term`, or the built-in xterm-256color when it cannot run the view (tests, embedding). */
export function terminalProfile(term: string, env: NodeJS.ProcessEnv = process.env): TerminalProfile {
  const c = checkTerminal({ ...env, TERM: term });
  return c.ok ? c.profile : builtInProfile('xterm-256color', env);
}

/** Decides how (and whether) the view runs in the terminal that `env` describes. */
export function checkTerminal(env: NodeJS.ProcessEnv = process.env): TerminalCheck {
  const term = env.TERM ?? '';
  if (term === '') return { ok: false, reason: 'TERM is not set' };
  if (term === 'dumb' || term === 'unknown') return { ok: false, reason: `the terminal (TERM=${term}) cannot move the cursor` };
  const file = findTerminfo(term, env);
  let info: TerminfoData | undefined;
  if (file !== undefined) {
    try {
      info = parseTerminfo(fs.readFileSync(file));
    } catch {
      info = undefined; // a damaged entry: use the built-in one, as for a missing entry
    }
  }
  const builtIn = info === undefined;
  info ??= parseTerminfo(xtermFallbackEntry());
  if (info.strings[STR_CURSOR_ADDRESS] === undefined || info.bools[BOOL_HARD_COPY] === true || info.bools[BOOL_GENERIC] === true) {
    return { ok: false, reason: `the terminal (TERM=${term}) cannot move the cursor` };
  }
  return { ok: true, profile: { term, info, file: builtIn ? undefined : file, colorMode: colorModeOf(term, info, builtIn, env) } };
}
