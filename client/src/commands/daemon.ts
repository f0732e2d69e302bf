/**
 * `memtree daemon status | stop | logs`.
 */
import { DaemonShutdownRequest, DaemonStatusRequest } from '../../../protocol/src/daemon.js';
import { memtreePaths } from '../../../protocol/src/node/paths.js';
import { formatHelp, parseArgs, UsageError, type OptionSpec } from '../cli/args.js';
import { connectDaemon, DaemonUnavailableError } from '../daemon/connect.js';
import { formatDuration } from '../format/duration.js';
import { DAEMON_SPECS, daemonLocation, reportError, whileConnected, type CommandIO } from './common.js';
import { showLogs } from './daemon-logs.js';

const SPECS: readonly OptionSpec[] = [
  { long: 'help', short: 'h', type: 'flag', help: 'show this help message and exit' },
  ...DAEMON_SPECS,
  { long: 'lines', short: 'n', type: 'int', metavar: 'N', help: 'logs: how many lines (default 50)' },
  { long: 'follow', short: 'f', type: 'flag', help: 'logs: keep printing lines as they are written' },
  { long: 'json', type: 'flag', help: 'status, logs: print JSON' },
];

const USAGE = 'usage: memtree daemon [-h] {status [--json] | stop | logs [-n N] [-f] [--json]} [--socket PATH] [--state-dir DIR]';

export async function daemonCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  let sub: string;
  let o: Map<string, string | number | boolean>;
  try {
    const parsed = parseArgs(argv, SPECS);
    o = parsed.options;
    sub = parsed.positionals[0] ?? '';
    if (o.get('help') === true) {
      // One page for the command and each subcommand: they share their options.
      io.stdout.write(`${USAGE}\n\nsubcommands:\n  status  how memtreed is doing\n  stop    stop memtreed\n  logs    show memtreed's log\n\noptions:\n${formatHelp(SPECS)}\n`);
      return 0;
    }
    if (!['status', 'stop', 'logs'].includes(sub) || parsed.positionals.length !== 1) throw new UsageError('expected status, stop or logs');
    const lines = o.get('lines');
    if (lines !== undefined && (sub !== 'logs' || (lines as number) < 1)) throw new UsageError('argument -n/--lines: logs only, and N must be at least 1');
    if (o.get('follow') === true && sub !== 'logs') throw new UsageError('argument -f/--follow: logs only');
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`${USAGE}\nmemtree daemon: error: ${err.message}\n`);
    return 2;
  }
  const where = daemonLocation(o);
  if (sub === 'logs') {
    const file = memtreePaths(where, io.env).logFile;
    const lines = (o.get('lines') as number | undefined) ?? 50;
    return showLogs({ file, lines, json: o.get('json') === true, follow: o.get('follow') === true }, io);
  }
  try {
    const client = await connectDaemon({ ...where, spawn: false, env: io.env });
    try {
      if (sub === 'stop') {
        await client.conn.sendRequest(DaemonShutdownRequest.type);
        io.stdout.write('memtreed stopped\n');
        return 0;
      }
      const s = await whileConnected(client, where, io.env, client.conn.sendRequest(DaemonStatusRequest.type));
      if (o.get('json') === true) {
        io.stdout.write(`${JSON.stringify(s)}\n`);
        return 0;
      }
      const lines = [
        `memtreed ${client.init.daemonVersion} (protocol ${client.init.protocolVersion}), pid ${s.pid}, up ${formatDuration(s.uptimeMs)}, idle ${formatDuration(s.idleMs)}`,
        `memory: ${(s.rssBytes / 2 ** 20).toFixed(0)} MiB${s.memory === undefined ? '' : ` (JavaScript heap ${(s.memory.heapUsedBytes / 2 ** 20).toFixed(0)} MiB)`}; clients: ${s.clients}; idle shutdown: ${s.idleTimeoutMs === 0 ? 'never' : `after ${formatDuration(s.idleTimeoutMs)}`}`,
        `socket: ${s.socket}`,
        `index: ${s.indexDir}`,
        `log: ${s.logFile}`,
        `open captures: ${s.captures.length === 0 ? 'none' : ''}`,
        ...s.captures.map((c) => `  ${c.captureId}  ${c.state.padEnd(8)}  ${c.path}`),
        `jobs: ${s.jobs.length === 0 ? 'none' : ''}`,
        ...s.jobs.map((j) => `  ${j.captureId}  ${j.phase} ${j.percent.toFixed(0)}%`),
      ];
      io.stdout.write(`${lines.join('\n')}\n`);
      return 0;
    } finally {
      client.close();
    }
  } catch (err) {
    if (err instanceof DaemonUnavailableError) {
      io.stdout.write('memtreed is not running\n');
      return sub === 'stop' ? 0 : 1;
    }
    const code = reportError(err, io);
    if (code !== undefined) return code;
    throw err;
  }
}
