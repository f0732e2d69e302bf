/**
 * A small argparse-like command-line parser: long and short options, `--opt=value`,
 * `-bVALUE`, negative numbers as values (`-b -5`), and usage errors that exit with status 2
 * like memray's argparse front end.
 */

export interface OptionSpec {
  /** Long name without dashes, e.g. 'biggest-allocs'. */
  readonly long: string;
  /** Optional one-letter short name. */
  readonly short?: string;
  /** 'flag' takes no value; 'int' and 'string' take one. */
  readonly type: 'flag' | 'int' | 'string';
  /** Name of the value in usage text, e.g. 'N'. */
  readonly metavar?: string;
  readonly help: string;
  /** A 'string' option that may be given several times; its values are in Parsed.repeated. */
  readonly repeatable?: boolean;
}

export class UsageError extends Error {}

export interface Parsed {
  readonly options: Map<string, string | number | boolean>;
  readonly positionals: string[];
  /** Every value of each repeatable option, in the order given. */
  readonly repeated: Map<string, string[]>;
}

function optionLabel(spec: OptionSpec): string {
  return spec.short !== undefined ? `-${spec.short}/--${spec.long}` : `--${spec.long}`;
}

/**
 * Python's int() as argparse applies it (`type=int`): optional sign, digits, single underscores
 * between digits, surrounding blanks. Any size is valid there; a JavaScript number holds
 * integers exactly only up to 2^53 - 1, so larger ones are refused here, before either path
 * (daemon or --no-daemon) sees them: the same message and status 2 on both.
 */
function parseInteger(raw: string, spec: OptionSpec): number {
  const text = raw.trim();
  if (!/^[+-]?\d+(_\d+)*$/.test(text)) throw new UsageError(`argument ${optionLabel(spec)}: invalid int value: '${raw}'`);
  const n = Number(text.replace(/_/g, ''));
  if (!Number.isSafeInteger(n)) {
    throw new UsageError(`argument ${optionLabel(spec)}: ${text} is out of range: memtree takes integers from -${SAFE} to ${SAFE} (2^53 - 1)`);
  }
  return n === 0 ? 0 : n; // no -0
}

const SAFE = '9,007,199,254,740,991';

export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[]): Parsed {
  const byLong = new Map(specs.map((s) => [s.long, s]));
  const byShort = new Map(specs.filter((s) => s.short !== undefined).map((s) => [s.short!, s]));
  const options = new Map<string, string | number | boolean>();
  const positionals: string[] = [];
  const repeated = new Map<string, string[]>();
  const setValue = (spec: OptionSpec, raw: string): void => {
    if (spec.repeatable === true) repeated.set(spec.long, [...(repeated.get(spec.long) ?? []), raw]);
    if (spec.type === 'int') options.set(spec.long, parseInteger(raw, spec));
    else {
      options.set(spec.long, raw);
    }
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    let spec: OptionSpec | undefined;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
      spec = byLong.get(name);
      if (spec === undefined) throw new UsageError(`unrecognized arguments: ${arg}`);
    } else if (arg.startsWith('-') && arg.length > 1 && !/^-\d/.test(arg)) {
      spec = byShort.get(arg[1]!);
      if (spec === undefined) throw new UsageError(`unrecognized arguments: ${arg}`);
      if (arg.length > 2) inline = arg.slice(2).replace(/^=/, '');
    } else {
      positionals.push(arg);
      continue;
    }
    if (spec.type === 'flag') {
      if (inline !== undefined) throw new UsageError(`argument ${optionLabel(spec)}: ignored explicit argument '${inline}'`);
      options.set(spec.long, true);
      continue;
    }
    if (inline === undefined) {
      const next = argv[i + 1];
      // A following word that is not an option is the value; negative numbers count as values.
      if (next === undefined || (next.startsWith('-') && !/^-\d[\d_]*$/.test(next))) {
        throw new UsageError(`argument ${optionLabel(spec)}: expected one argument`);
      }
      inline = next;
      i++;
    }
    setValue(spec, inline);
  }
  return { options, positionals, repeated };
}

/** Usage lines for `specs`. */
export function formatHelp(specs: readonly OptionSpec[]): string {
  const rows = specs.map((s) => {
    const names = (s.short !== undefined ? `-${s.short}, ` : '    ') + `--${s.long}` + (s.type === 'flag' ? '' : ` ${s.metavar ?? 'VALUE'}`);
    return [names, s.help] as const;
  });
  const width = Math.max(...rows.map(([n]) => n.length)) + 2;
  return rows.map(([n, h]) => `  ${n.padEnd(width)}${h}`).join('\n');
}
