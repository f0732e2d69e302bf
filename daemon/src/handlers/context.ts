/**
 * What handlers may use: the daemon's services and the requesting connection.
 */
import type { Logger } from 'pino';
import type { CaptureProgressParams } from '../../../protocol/src/capture.js';
import type { Captures } from '../index/captures.js';
import type { Jobs } from '../index/jobs.js';
import type { FileLines } from '../source/read-source.js';

export interface DaemonContext {
  readonly captures: Captures;
  readonly jobs: Jobs;
  readonly log: Logger;
  /** Package version of this daemon. */
  readonly version: string;
  readonly startedAt: number;
  readonly socket: string;
  readonly logFile: string;
  readonly idleTimeoutMs: number;
  /** Time of the last request or disconnect. */
  lastActivity(): number;
  clientCount(): number;
  /** Starts a graceful shutdown after the current reply is sent. */
  requestShutdown(): void;
  /** How node/detail reads a source file (default: readSourceFile, regular files only); tests inject their own. */
  readonly readSource?: (file: string) => FileLines;
}

export interface ConnectionContext {
  readonly daemon: DaemonContext;
  readonly log: Logger;
  /** Sends a `capture/progress` notification to this connection. */
  sendProgress(p: CaptureProgressParams): void;
}
