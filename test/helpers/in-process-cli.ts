/**
 * `memtree tree ...` run in this process (the real command, flags and all, with collected
 * output): hundreds of reference cases cost a process start each otherwise.
 */
import { Writable } from 'node:stream';
import { treeCommand } from '../../client/src/commands/tree.js';
import type { CliResult } from './run-cli.js';

class Sink extends Writable {
  readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.chunks.push(Buffer.from(chunk));
    done();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

export async function runTreeInProcess(args: readonly string[]): Promise<CliResult> {
  const stdout = new Sink();
  const stderr = new Sink();
  const code = await treeCommand(args, { stdout, stderr, env: { ...process.env, NO_COLOR: '1' } });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
