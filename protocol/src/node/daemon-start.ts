/**
 * Starting memtreed detached and hearing how its start went (Node-only, shared by the client
 * and `memtreed` without --foreground). The daemon gets a pipe as fd 3 (`--ready-fd 3`) and
 * writes one line to it: `ready` once it listens, `running PID` when another daemon already
 * serves, `error MESSAGE` when it cannot start. It then lives on in its own session.
 */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

export type StartOutcome =
  | { readonly kind: 'ready' }
  | { readonly kind: 'running'; readonly pid: number }
  | { readonly kind: 'error'; readonly message: string }
  /** It exited (or closed the pipe) without a word. */
  | { readonly kind: 'exited'; readonly code: number | null }
  /** No word within the time given; it may still be starting. */
  | { readonly kind: 'timeout' };

/**
 * Node flags of a memtreed process. Its main thread runs for days and serves many captures; a
 * small young generation (V8 grows it to 16 MiB semi-spaces under load and keeps them) keeps its
 * RSS flat over hundreds of opens (`npm run bench -- resources`) at no measured cost. The daemon
 * gives its indexing worker threads V8's default back (daemon/src/main.ts).
 */
export const DAEMON_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];

/** Spawns `node <script> ...args --ready-fd 3` detached, and waits up to `timeoutMs` for its word. */
export function startDetached(script: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<StartOutcome> {
  const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, script, ...args, '--ready-fd', '3'], { detached: true, stdio: ['ignore', 'ignore', 'ignore', 'pipe'], env });
  const pipe = child.stdio[3] as Readable;
  return new Promise<StartOutcome>((resolve) => {
    let text = '';
    let exitCode: number | null | undefined;
    let done = false;
    const finish = (o: StartOutcome): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      pipe.removeAllListeners('data');
      pipe.destroy();
      child.removeAllListeners('exit');
      child.unref(); // the daemon outlives this process
      resolve(o);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
    child.once('error', (err) => finish({ kind: 'error', message: `could not run ${process.execPath}: ${err.message}` }));
    child.once('exit', (code) => (exitCode = code));
    pipe.setEncoding('utf8');
    pipe.on('data', (chunk: string) => {
      text += chunk;
      const nl = text.indexOf('\n');
      if (nl < 0) return;
      const line = text.slice(0, nl);
      if (line === 'ready') finish({ kind: 'ready' });
      else if (line.startsWith('running ')) finish({ kind: 'running', pid: Number(line.slice(8)) });
      else finish({ kind: 'error', message: line.replace(/^error /, '') });
    });
    // The pipe closes when the daemon exits; its exit status may come a moment later.
    pipe.once('close', () => setTimeout(() => finish({ kind: 'exited', code: exitCode ?? null }), exitCode === undefined ? 50 : 0));
  });
}
