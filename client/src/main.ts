/**
 * Entry point of the `memtree` command. The only place that sets the exit status.
 */
import { packageVersion } from '../../protocol/src/node/package-info.js';
import type { CommandIO } from './commands/common.js';

const USAGE = 'usage: memtree [-h] [-V] <command> [options]\n';

const HELP = `${USAGE}
Which code held a Python program's memory at its peak: memray captures, read through memtreed.

commands:
  tree CAPTURE             show which code held the memory of a memray capture at its peak
  memory CAPTURE           show heap and RSS over time (memtree memory -h for its options)
  rpc METHOD [JSON]        send one JSON-RPC request to memtreed and print the result
  daemon status|stop|logs  inspect or stop memtreed
  cache list|clear [CAPTURE]
                           list memtreed's indexes, or delete them (all, or one capture's)

options:
  -h, --help     show this help message and exit
  -V, --version  show memtree's version and exit

\`memtree COMMAND -h\` shows the options of a command.
`;

export async function main(argv: readonly string[], io: CommandIO): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    // Commands load lazily: start-up time is most of a reopen (`memtree tree` on an index).
    case 'tree':
      return (await import('./commands/tree.js')).treeCommand(rest, io);
    case 'memory':
      return (await import('./commands/memory.js')).memoryCommand(rest, io);
    case 'rpc':
      return (await import('./commands/rpc.js')).rpcCommand(rest, io);
    case 'daemon':
      return (await import('./commands/daemon.js')).daemonCommand(rest, io);
    case 'cache':
      return (await import('./commands/cache.js')).cacheCommand(rest, io);
    case '-h':
    case '--help':
      io.stdout.write(HELP);
      return 0;
    case '-V':
    case '--version':
      io.stdout.write(`memtree ${packageVersion()}\n`);
      return 0;
    case undefined:
      io.stderr.write(`${USAGE}memtree: error: a command is required (tree, memory, rpc, daemon or cache; memtree -h for help)\n`);
      return 2;
    default:
      io.stderr.write(
        `${USAGE}memtree: error: ${command.startsWith('-') ? `unrecognized option '${command}'` : `unknown command '${command}'`} (memtree -h for help)\n`,
      );
      return 2;
  }
}

/**
 * A reader that went away (`memtree tree big.bin | head`) is not a failure of ours: stop at
 * once, quietly, with status 0, whichever command was writing. Other write errors (EIO, a full
 * disk behind a redirection) are reported once.
 */
function onOutputError(err: NodeJS.ErrnoException): void {
  if (err.code === 'EPIPE') process.exit(0);
  try {
    process.stderr.write(`memtree: cannot write the output: ${err.message}\n`);
  } finally {
    process.exit(1);
  }
}
process.stdout.on('error', onOutputError);
// Nowhere left to report anything: end as the command would have, without a stack trace.
process.stderr.on('error', () => process.exit(process.exitCode ?? 1));

let settled = false;
const io: CommandIO = {
  // Read lazily: creating process.stdin costs ~10 ms of start-up, and only the TUI and `rpc -` read it.
  get stdin() {
    return process.stdin;
  },
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
};
main(process.argv.slice(2), io).then(
  (code) => {
    settled = true;
    process.exitCode = code;
    // Exit once what was written is out (large JSON documents), not when the event loop
    // empties: a library timer left behind (vscode-jsonrpc re-arms its partial-message timer
    // forever after a daemon died mid-message) would otherwise keep a finished command alive.
    process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
  },
  (err: unknown) => {
    settled = true;
    process.stderr.write(`memtree: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 70;
  },
);
// The event loop emptied while the command still waited for an answer (a socket that closed
// without an error, a promise nobody settles): a failure, never a silent success.
process.on('beforeExit', () => {
  if (settled) return;
  settled = true;
  process.stderr.write('memtree: internal error: the command stopped before it finished (nothing left to wait for)\n');
  process.exitCode = 70;
});
