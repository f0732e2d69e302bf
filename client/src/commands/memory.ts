/**
 * `memtree memory CAPTURE`: heap and RSS over time (a chart sized to the terminal, plain text
 * when piped) or, with --json, memray's memory snapshots; through memtreed or in-process.
 */
import * as fs from 'node:fs';
import { CaptureMemoryRequest, type CaptureMemoryResult } from '../../../protocol/src/memory.js';
import { NoSuchFileError } from '../../../daemon/src/capture/errors.js';
import { formatHelp, parseArgs, UsageError, type OptionSpec } from '../cli/args.js';
import { connectDaemon } from '../daemon/connect.js';
import { useColor } from '../print/ansi.js';
import { memoryChart } from '../print/memory-chart.js';
import { DAEMON_SPECS, daemonLocation, reportError, type CommandIO } from './common.js';
import { withOpenCapture } from './open-capture.js';

const SPECS: readonly OptionSpec[] = [
  { long: 'help', short: 'h', type: 'flag', help: 'show this help message and exit' },
  { long: 'json', type: 'flag', help: 'print {"snapshots": [[timeMs, rssBytes, heapBytes], ...], ...} (memray\'s memory snapshots)' },
  { long: 'width', type: 'int', metavar: 'N', help: 'chart width in columns (default: the terminal\'s, 80 when piped)' },
  { long: 'height', type: 'int', metavar: 'N', help: 'chart height in rows (default: a third of the terminal, 12 when piped)' },
  { long: 'no-daemon', type: 'flag', help: 'read the capture in this process instead of through memtreed' },
  ...DAEMON_SPECS,
];

const USAGE = 'usage: memtree memory [-h] [--json] [--width N] [--height N] [--no-daemon] [--socket PATH] [--state-dir DIR] CAPTURE';

/** The memory report read in this process. */
async function localMemory(capture: string, points: number | undefined): Promise<{ result: CaptureMemoryResult; warnings: readonly string[] }> {
  // Loaded on demand: the daemon path does not need the reader.
  const local = await import('../../../daemon/src/local.js');
  return local.localMemory(capture, points);
}

async function daemonMemory(
  capture: string,
  points: number | undefined,
  o: Map<string, string | number | boolean>,
  io: CommandIO,
): Promise<{ result: CaptureMemoryResult; warnings: readonly string[] }> {
  const where = daemonLocation(o);
  const client = await connectDaemon({ ...where, env: io.env });
  try {
    return await withOpenCapture(client, where, io, { capture }, async (open) => ({
      result: await client.conn.sendRequest(CaptureMemoryRequest.type, { captureId: open.captureId, points }),
      warnings: open.warnings,
    }));
  } finally {
    client.close();
  }
}

export async function memoryCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  let o: Map<string, string | number | boolean>;
  let capture: string;
  try {
    const parsed = parseArgs(argv, SPECS);
    o = parsed.options;
    if (o.get('help') === true) {
      io.stdout.write(`${USAGE}\n\nShow heap and RSS of a memray capture over time.\n\npositional arguments:\n  CAPTURE  a capture file written by \`memray run\`\n\noptions:\n${formatHelp(SPECS)}\n`);
      return 0;
    }
    if (parsed.positionals.length === 0) throw new UsageError('the following arguments are required: CAPTURE');
    if (parsed.positionals.length > 1) throw new UsageError(`unrecognized arguments: ${parsed.positionals.slice(1).join(' ')}`);
    for (const k of ['width', 'height']) {
      const v = o.get(k) as number | undefined;
      if (v !== undefined && (v < 1 || v > 10_000)) throw new UsageError(`argument --${k}: must be between 1 and 10000`);
    }
    capture = parsed.positionals[0]!;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`${USAGE}\nmemtree memory: error: ${err.message}\n`);
    return 2;
  }
  const json = o.get('json') === true;
  const tty = io.stdout.isTTY === true;
  const width = (o.get('width') as number | undefined) ?? (tty ? (io.stdout.columns ?? 80) : 80);
  const height = (o.get('height') as number | undefined) ?? (tty ? Math.max(6, Math.floor((io.stdout.rows ?? 36) / 3)) : 12);
  // One column per bucket: the chart asks for no more points than it has columns.
  const points = json ? undefined : Math.max(1, width - 12);
  try {
    if (!fs.statSync(capture, { throwIfNoEntry: false })?.isFile()) throw new NoSuchFileError(capture);
    const { result, warnings } = o.get('no-daemon') === true ? await localMemory(capture, points) : await daemonMemory(capture, points, o, io);
    for (const w of warnings) io.stderr.write(`memtree: warning: ${capture}: ${w}\n`);
    if (json) {
      io.stdout.write(`${JSON.stringify(result)}\n`);
      return 0;
    }
    io.stdout.write(`${memoryChart(result, { width, height, color: useColor(tty, io.env) }).join('\n')}\n`);
    return 0;
  } catch (err) {
    const code = reportError(err, io);
    if (code !== undefined) return code;
    throw err;
  }
}
