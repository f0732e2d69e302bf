/**
 * `memtree rpc METHOD [JSON-PARAMS]`: one request to memtreed, its result printed as JSON on
 * one line. Errors go to stderr as {code, message, data} with exit status 1.
 */
import { ResponseError } from 'vscode-jsonrpc/node';
import { CaptureOpenRequest } from '../../../protocol/src/capture.js';
import { NodeDetailRequest } from '../../../protocol/src/node.js';
import { formatHelp, parseArgs, UsageError, type OptionSpec } from '../cli/args.js';
import { connectDaemon } from '../daemon/connect.js';
import { DAEMON_SPECS, daemonLocation, reportError, whileConnected, type CommandIO } from './common.js';

const SPECS: readonly OptionSpec[] = [
  { long: 'help', short: 'h', type: 'flag', help: 'show this help message and exit' },
  ...DAEMON_SPECS,
  { long: 'no-spawn', type: 'flag', help: 'fail instead of starting memtreed' },
];

const USAGE = 'usage: memtree rpc [-h] [--socket PATH] [--state-dir DIR] [--no-spawn] METHOD [JSON-PARAMS]';

function help(): string {
  return `${USAGE}

Send one JSON-RPC request to memtreed (started if needed) and print its result as JSON on one
line; an error goes to stderr as {"code", "message", "data"} with exit status 1.
The methods and their parameters: docs/protocol.md.

positional arguments:
  METHOD       e.g. capture/open, tree/root, daemon/status
  JSON-PARAMS  the request's parameters as one JSON value

options:
${formatHelp(SPECS)}
`;
}

/** Methods whose params take the client's working directory as `cwd`. */
const TAKES_CWD: ReadonlySet<string> = new Set([CaptureOpenRequest.method, NodeDetailRequest.method]);

/**
 * Relative paths in the params mean the caller's directory, not the daemon's: `cwd` is filled
 * in for the methods that take one, unless given.
 */
function withCallerCwd(method: string, params: unknown): unknown {
  if (!TAKES_CWD.has(method) || typeof params !== 'object' || params === null || Array.isArray(params) || 'cwd' in params) return params;
  return { ...params, cwd: process.cwd() };
}

export async function rpcCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  let method: string;
  let params: unknown;
  let o: Map<string, string | number | boolean>;
  try {
    const parsed = parseArgs(argv, SPECS);
    o = parsed.options;
    if (o.get('help') === true) {
      io.stdout.write(help());
      return 0;
    }
    if (parsed.positionals.length < 1 || parsed.positionals.length > 2) throw new UsageError('expected METHOD and optional JSON-PARAMS');
    method = parsed.positionals[0]!;
    if (parsed.positionals[1] !== undefined) {
      try {
        params = JSON.parse(parsed.positionals[1]);
      } catch (err) {
        throw new UsageError(`JSON-PARAMS is not valid JSON: ${(err as Error).message}`);
      }
    }
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`${USAGE}\nmemtree rpc: error: ${err.message}\n`);
    return 2;
  }
  params = withCallerCwd(method, params);
  try {
    const client = await connectDaemon({ ...daemonLocation(o), spawn: o.get('no-spawn') !== true, env: io.env });
    try {
      // The method comes from the user: it is not one of ours to type-check.
      const result: unknown = await whileConnected(
        client,
        daemonLocation(o),
        io.env,
        params === undefined ? client.conn.sendRequest(method) : client.conn.sendRequest(method, params),
      );
      io.stdout.write(`${JSON.stringify(result ?? null)}\n`);
      return 0;
    } finally {
      client.close();
    }
  } catch (err) {
    if (err instanceof ResponseError) {
      io.stderr.write(`${JSON.stringify({ code: err.code, message: err.message, data: err.data })}\n`);
      return 1;
    }
    const code = reportError(err, io);
    if (code !== undefined) return code;
    throw err;
  }
}
