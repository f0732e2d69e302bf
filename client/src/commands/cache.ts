/**
 * `memtree cache list | clear [CAPTURE]`: the daemon's index files, and deleting them.
 */
import { CacheClearRequest, CaptureListRequest } from '../../../protocol/src/capture.js';
import { DaemonStatusRequest } from '../../../protocol/src/daemon.js';
import { formatHelp, parseArgs, UsageError, type OptionSpec } from '../cli/args.js';
import { connectDaemon } from '../daemon/connect.js';
import { sizeFmt } from '../format/size.js';
import { DAEMON_SPECS, daemonLocation, reportError, whileConnected, type CommandIO } from './common.js';

const SPECS: readonly OptionSpec[] = [
  { long: 'help', short: 'h', type: 'flag', help: 'show this help message and exit' },
  ...DAEMON_SPECS,
  { long: 'json', type: 'flag', help: 'list: print JSON' },
];

const USAGE = 'usage: memtree cache [-h] {list [--json] | clear [CAPTURE]} [--socket PATH] [--state-dir DIR]';

const SUBCOMMANDS = `subcommands:
  list           memtreed's indexes, most recently opened first, and the space they use
  clear          delete every index (those being built are kept)
  clear CAPTURE  delete the indexes of one capture`;

function when(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

export async function cacheCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  let sub: string;
  let target: string | undefined;
  let o: Map<string, string | number | boolean>;
  try {
    const parsed = parseArgs(argv, SPECS);
    o = parsed.options;
    [sub = '', target] = parsed.positionals;
    if (o.get('help') === true) {
      io.stdout.write(`${USAGE}\n\n${SUBCOMMANDS}\n\noptions:\n${formatHelp(SPECS)}\n`);
      return 0;
    }
    if (sub === 'list' ? parsed.positionals.length !== 1 : sub !== 'clear' || parsed.positionals.length > 2) {
      throw new UsageError('expected list, or clear with at most one capture');
    }
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`${USAGE}\nmemtree cache: error: ${err.message}\n`);
    return 2;
  }
  try {
    // The index files are the daemon's: it lists and deletes them (started if needed), so a
    // file is never deleted under a job writing it.
    const where = daemonLocation(o);
    const client = await connectDaemon({ ...where, env: io.env });
    const ask = <T>(p: Promise<T>): Promise<T> => whileConnected(client, where, io.env, p);
    try {
      if (sub === 'clear') {
        const r = await ask(client.conn.sendRequest(CacheClearRequest.type, { path: target, cwd: process.cwd() }));
        const kept = r.kept > 0 ? `; ${r.kept} kept (being built)` : '';
        io.stdout.write(`removed ${r.removed} ${r.removed === 1 ? 'index' : 'indexes'} (${sizeFmt(r.freedBytes)})${kept}\n`);
        return 0;
      }
      const { captures } = await ask(client.conn.sendRequest(CaptureListRequest.type));
      const s = await ask(client.conn.sendRequest(DaemonStatusRequest.type));
      if (o.get('json') === true) {
        io.stdout.write(`${JSON.stringify({ captures, usage: s.usage, indexDir: s.indexDir })}\n`);
        return 0;
      }
      const rows = [...captures].sort((a, b) => b.lastOpened - a.lastOpened);
      const lines = rows.map((c) => `${sizeFmt(c.indexBytes).padStart(9)}  ${when(c.lastOpened)}  ${c.open ? 'open ' : '     '}  ${c.path}`);
      const u = s.usage;
      lines.push(
        `${rows.length} ${rows.length === 1 ? 'index' : 'indexes'}; ${sizeFmt(u.indexDirBytes)} of ${sizeFmt(u.cacheSizeBytes)} in ${s.indexDir}`,
      );
      io.stdout.write(`${lines.join('\n')}\n`);
      return 0;
    } finally {
      client.close();
    }
  } catch (err) {
    const code = reportError(err, io);
    if (code !== undefined) return code;
    throw err;
  }
}
