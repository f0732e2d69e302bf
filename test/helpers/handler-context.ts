/** A daemon ConnectionContext for calling handlers directly (tests, benchmarks): jobs in-process, silent logs. */
import pino from 'pino';
import type { CaptureProgressParams } from '../../protocol/src/capture.js';
import type { ConnectionContext } from '../../daemon/src/handlers/context.js';
import { Captures } from '../../daemon/src/index/captures.js';
import { Jobs } from '../../daemon/src/index/jobs.js';
import type { FileLines } from '../../daemon/src/source/read-source.js';
import { testSources } from './sources.js';

export function handlerContext(
  indexDir: string,
  onProgress: (p: CaptureProgressParams) => void = () => {},
  /** How node/detail reads source files: by default only under the fixtures and the temporary directory. */
  readSource: (file: string) => FileLines = testSources,
): ConnectionContext {
  const log = pino({ level: 'silent' });
  const jobs = new Jobs(log, true);
  return {
    daemon: {
      captures: new Captures(indexDir, jobs, log),
      jobs,
      log,
      version: 'test',
      startedAt: Date.now(),
      socket: '/nowhere.sock',
      logFile: '/nowhere.log',
      idleTimeoutMs: 0,
      lastActivity: () => Date.now(),
      clientCount: () => 1,
      requestShutdown: () => {},
      readSource,
    },
    log,
    sendProgress: onProgress,
  };
}
