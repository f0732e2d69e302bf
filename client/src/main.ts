/**
 * Entry point of the `memtree` command. The only place that sets the exit status.
 */
import type { CommandIO } from './commands/common.js';

const USAGE = `usage: memtree <command> [options]

commands:
  tree CAPTURE             show which code held the memory of a memray capture at its peak
                           (memtree tree -h for its options)
  rpc METHOD [JSON]        send one JSON-RPC request to memtreed and print the result
  daemon status|stop|logs  inspect or stop memtreed
`;

export async function main(argv: readonly string[], io: CommandIO): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    // Commands load lazily: start-up time is most of a reopen (`memtree tree` on an index).
    case 'tree':
      return (await import('./commands/tree.js')).treeCommand(rest, io);
    case 'rpc':
      return (await import('./commands/rpc.js')).rpcCommand(rest, io);
    case 'daemon':
      return (await import('./commands/daemon.js')).daemonCommand(rest, io);
    case undefined:
    case '-h':
    case '--help':
      io.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      io.stderr.write(`${USAGE}memtree: error: unknown command '${command}'\n`);
      return 2;
  }
}

const io: CommandIO = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
main(process.argv.slice(2), io).then(
  (code) => {
    // Let pending stdout writes drain (large JSON documents) instead of exiting at once.
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`memtree: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 70;
  },
);
